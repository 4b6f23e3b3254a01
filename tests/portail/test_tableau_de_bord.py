import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from portail.models import Demande
from tests.conftest import creer_enfant

URL = reverse("tableau_de_bord")


def _demande(
    responsable,
    objet,
    statut=Demande.Statut.EN_ATTENTE,
    jours=0,
    reponse="",
    type=Demande.Type.REVENUS,
):
    traitee = statut != Demande.Statut.EN_ATTENTE
    return Demande.objects.create(
        famille=responsable.famille,
        demandeur=responsable,
        type=type,
        objet=objet,
        statut=statut,
        cree_le=timezone.now() - datetime.timedelta(days=jours),
        traitee_le=timezone.now() if traitee else None,
        reponse=reponse,
    )


def test_it_requires_login(client, db):
    assert client.get(URL).status_code == 302


def test_it_lists_pending_requests_first(client_parent, parent):
    _demande(parent, "ancienne en attente", jours=10)
    _demande(parent, "récente refusée", Demande.Statut.REFUSEE, jours=1, reponse="Justificatif")
    _demande(parent, "récente en attente", jours=0)
    html = client_parent.get(URL).content.decode()
    positions = [
        html.index(t) for t in ("récente en attente", "ancienne en attente", "récente refusée")
    ]
    assert positions == sorted(positions)
    assert "Justificatif" in html
    assert "2 demandes en attente" in html


def test_it_shows_the_other_parent_requests_but_not_strangers(client_parent, coparent, etranger):
    _demande(coparent, "demande du co-parent")
    _demande(etranger, "demande d'un inconnu")
    html = client_parent.get(URL).content.decode()
    assert "demande du co-parent" in html
    assert "inconnu" not in html


@pytest.mark.parametrize("nb_enfants", [1, 4])
def test_it_runs_a_constant_number_of_queries(
    client_parent, parent, django_assert_num_queries, nb_enfants
):
    for i in range(nb_enfants):
        creer_enfant(parent.famille, prenom=f"Enfant{i}")
        _demande(parent, f"demande {i}", Demande.Statut.ACCEPTEE)
    # session, user with responsable+famille and unread messages (comptes/backends.py),
    # count (paginator), page of demandes, pending count, news
    with django_assert_num_queries(6):
        response = client_parent.get(URL)
    assert response.content.decode().count("<tr>") == nb_enfants + 1
