"""A migration that changes a column's type while the servers run: PostgreSQL refuses
the plans the connections kept (PORTAIL_PG_REQUETES_PREPAREES, « cached plan must not
change result type »). The request that meets it fails, its connection is dropped, and
the next request is served by a fresh one — not a failed page on every request until
the connection ages out (CONN_MAX_AGE, a minute)."""

import psycopg
import pytest
from django.db import connection
from django.urls import reverse

from familles.models import Enfant
from tests.conftest import creer_enfant

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def _type_du_prenom(longueur: int) -> None:
    """`migrate`, from another connection (another machine) while the server runs."""
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as autre:
        autre.execute(f"ALTER TABLE familles_enfant ALTER COLUMN prenom TYPE varchar({longueur})")


def test_it_drops_the_connection_whose_kept_plans_a_migration_made_stale(client_parent, parent):
    if not connection.settings_dict["OPTIONS"].get("server_side_binding"):
        pytest.skip("requêtes préparées désactivées (PORTAIL_PG_REQUETES_PREPAREES=0)")
    creer_enfant(parent.famille, prenom="Zoé")
    url = reverse("mes_inscriptions")
    for _ in range(8):  # past psycopg's prepare_threshold: the children's read is prepared
        assert client_parent.get(url).status_code == 200
    longueur = Enfant._meta.get_field("prenom").max_length
    client_parent.raise_request_exception = False
    _type_du_prenom(longueur + 1)
    try:
        assert client_parent.get(url).status_code == 500  # the kept plan, refused
        reponse = client_parent.get(url)
        assert reponse.status_code == 200
        assert "Zoé" in reponse.content.decode()
    finally:
        _type_du_prenom(longueur)
