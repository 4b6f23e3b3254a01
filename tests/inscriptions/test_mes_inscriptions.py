import datetime

import pytest
from django.urls import reverse

from inscriptions import services
from tests.conftest import creer_enfant

URL = reverse("mes_inscriptions")


def test_it_requires_login(client, db):
    assert client.get(URL).status_code == 302


def test_it_shows_each_status_with_its_symbol_and_text(
    client_parent, parent, agent, creer_activite
):
    a = creer_activite(nom="Cantine")
    b = creer_activite(nom="Périscolaire du soir")
    enfant = creer_enfant(parent.famille, prenom="Léa")
    debut, fin = datetime.date(2026, 12, 1), datetime.date(2027, 7, 3)
    ok = services.demander_inscription(parent, enfant, a, debut, fin)
    services.valider_inscription(ok.pk, agent)
    services.demander_inscription(parent, enfant, b, debut, fin)
    html = client_parent.get(URL).content.decode()
    assert '<span class="symbole" aria-hidden="true">V</span> Validée' in html
    assert '<span class="symbole" aria-hidden="true">?</span> En attente de validation' in html
    assert reverse("choisir_activite", args=[enfant.pk]) in html


def test_it_hides_other_households(client_parent, etranger, activite):
    enfant = creer_enfant(etranger.famille, prenom="Intrus")
    services.demander_inscription(
        etranger, enfant, activite, datetime.date(2026, 12, 1), datetime.date(2027, 7, 3)
    )
    html = client_parent.get(URL).content.decode()
    assert "Intrus" not in html


@pytest.mark.parametrize("nb_enfants", [1, 4])
def test_it_runs_a_constant_number_of_queries(
    client_parent, parent, creer_activite, django_assert_num_queries, nb_enfants
):
    activites = [creer_activite(nom=f"Activité {i}") for i in range(2)]
    for i in range(nb_enfants):
        enfant = creer_enfant(parent.famille, prenom=f"Enfant{i}")
        for activite in activites:
            services.demander_inscription(
                parent, enfant, activite, datetime.date(2026, 12, 1), datetime.date(2027, 7, 3)
            )
    # session, user with responsable+famille (comptes/backends.py),
    # enfants, inscriptions+activités+sites+périodes, open réinscription campaign
    with django_assert_num_queries(5):
        response = client_parent.get(URL)
    assert response.content.decode().count("En attente de validation") == 2 * nb_enfants
