"""The month's planning as a PDF, per child or for the whole household."""

import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from reservations import services
from tests.reservations.conftest import inscrire

D = datetime.date


def _texte(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    lecteur = PdfReader(io.BytesIO(response.content))
    # (a cell's text wraps: compare words)
    return " ".join(" ".join(page.extract_text() for page in lecteur.pages).split())


def _url(annee=2026, mois=12, enfant=None):
    url = reverse("planning_pdf", args=[annee, mois])
    return f"{url}?enfant={enfant.pk}" if enfant else url


def test_the_household_planning_lists_every_childs_days(
    client_parent, parent, inscription, cantine
):
    frere = inscrire(parent.famille, cantine, "Hugo", sexe="m")
    services.reserver(inscription, [D(2026, 12, 3)])
    services.reserver(frere, [D(2026, 12, 3), D(2026, 12, 4)])
    services.reserver(inscription, [D(2027, 1, 4)])  # another month
    texte = _texte(client_parent.get(_url()))
    assert "Planning de décembre 2026" in texte
    assert parent.famille.nom in texte
    assert texte.count("Léa : Restauration scolaire") == 1
    assert texte.count("Hugo : Restauration scolaire") == 2


def test_a_childs_planning_shows_only_that_child(client_parent, parent, inscription, cantine):
    frere = inscrire(parent.famille, cantine, "Hugo", sexe="m")
    services.reserver(inscription, [D(2026, 12, 3)])
    services.reserver(frere, [D(2026, 12, 4)])
    texte = _texte(client_parent.get(_url(enfant=inscription.enfant)))
    assert "Planning de décembre 2026 — Léa" in texte
    assert texte.count("Restauration scolaire") == 1
    assert "Hugo" not in texte


def test_a_cancelled_day_is_not_on_the_planning(client_parent, inscription):
    services.reserver(inscription, [D(2026, 12, 3)])
    services.annuler(inscription, [D(2026, 12, 3)])
    texte = _texte(client_parent.get(_url()))
    assert "Restauration scolaire" not in texte
    assert "aucun jour réservé ce mois-ci" in texte


def test_it_checks_ownership(client, etranger, inscription):
    client.force_login(etranger.user)
    assert client.get(_url(enfant=inscription.enfant)).status_code == 404
    assert client.get(_url() + "?enfant=abc").status_code == 404
    assert client.get(_url(mois=13)).status_code == 404


@pytest.mark.parametrize("nb_enfants", [1, 4])
def test_it_runs_a_constant_number_of_queries(
    client_parent, parent, cantine, django_assert_num_queries, nb_enfants
):
    inscriptions = [inscrire(parent.famille, cantine, f"E{i}") for i in range(nb_enfants)]
    for i in inscriptions:
        services.reserver(i, [D(2026, 12, 3), D(2026, 12, 4), D(2026, 12, 10)])
    # session, user with responsable and household, the child, the bookings with child
    # and activity
    with django_assert_num_queries(4):
        response = client_parent.get(_url(enfant=inscriptions[0].enfant))
    assert _texte(response).count("Restauration scolaire") == 3
    # session, user with responsable and household, the household's bookings
    with django_assert_num_queries(3):
        response = client_parent.get(_url())
    assert _texte(response).count("Restauration scolaire") == 3 * nb_enfants


def test_the_calendar_and_mes_inscriptions_link_to_it(client_parent, inscription):
    html = client_parent.get(reverse("calendrier", args=[inscription.pk, 2026, 12])).content
    assert f"{_url()}?enfant={inscription.enfant.pk}" in html.decode()
    html = client_parent.get(reverse("mes_inscriptions")).content.decode()
    assert reverse("planning_pdf", args=[2026, 11]) in html
