"""Prices before booking (issue 12, part 2): the price a parent is shown comes from the
invoicing's own tariff rule, and the invoice of the month bills exactly that."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from comptes.models import Facture, QuotientFamilial, TrancheTarif
from comptes.services import finances
from reservations import calendrier
from tests.finances.aide import tarif
from tests.inscriptions.conftest import PARIS

D = datetime.date
E = Decimal


def _url(inscription, annee=2026, mois=12):
    return reverse("calendrier", args=[inscription.pk, annee, mois])


@pytest.fixture
def tarifee(parent, inscription):
    """Canteen at 1,20 / 2,10 / 3,00 € a meal by bracket; the household's QF is 650."""
    tarif(inscription.activite, unite="repas")
    QuotientFamilial.objects.create(
        famille=parent.famille, valeur=E("650"), source="caf", depuis=D(2026, 9, 1)
    )
    return inscription


def test_the_calendar_shows_the_households_price(client_parent, tarifee):
    html = client_parent.get(_url(tarifee)).content.decode()
    assert "2,10\u00a0€ le repas pour votre foyer" in html


def test_the_booked_days_cost_what_the_invoice_bills(client_parent, tarifee, horloge):
    jours = ["2026-12-03", "2026-12-04", "2026-12-10"]
    response = client_parent.post(_url(tarifee), {"jours": jours}, follow=True)
    html = response.content.decode()
    assert "3 jours × 2,10\u00a0€ = 6,30\u00a0€ ajoutés à votre facture de décembre" in html
    horloge.move_to(datetime.datetime(2027, 1, 4, 9, tzinfo=PARIS))
    finances.facturer_mois(D(2026, 12, 1))
    facture = Facture.objects.get()
    assert facture.montant == E("6.30")
    assert {ligne.montant for ligne in facture.lignes.all()} == {E("2.10")}


def test_a_cancellation_says_what_comes_off_the_invoice(client_parent, tarifee):
    client_parent.post(_url(tarifee), {"jours": ["2026-12-03", "2026-12-04"]})
    response = client_parent.post(
        _url(tarifee),
        {"affiches": ["2026-12-03", "2026-12-04"], "jours": ["2026-12-04"]},
        follow=True,
    )
    assert "1 jour × 2,10\u00a0€ = 2,10\u00a0€ retiré de votre facture de décembre" in (
        response.content.decode()
    )


def test_the_semaine_type_preview_gives_the_cost_per_invoice(client_parent, tarifee, horloge):
    donnees = {
        "jours": ["0", "3"],
        "frequence": "toutes",
        "debut": "2026-11-30",
        "fin": "2027-01-15",
        "apercu": "",
    }
    html = client_parent.post(reverse("semaine_type", args=[tarifee.pk]), donnees)
    html = html.content.decode()
    # 30 November is past the deadline; 3, 7, 10, 14, 17 December; 4, 7, 11, 14 January.
    assert "5 jours × 2,10\u00a0€ = 10,50\u00a0€ ajoutés à votre facture de décembre" in html
    assert "4 jours × 2,10\u00a0€ = 8,40\u00a0€ ajoutés à votre facture de janvier" in html
    donnees.pop("apercu")
    client_parent.post(reverse("semaine_type", args=[tarifee.pk]), {**donnees, "confirmer": ""})
    horloge.move_to(datetime.datetime(2027, 1, 4, 9, tzinfo=PARIS))
    finances.facturer_mois(D(2026, 12, 1))
    assert Facture.objects.get().montant == E("10.50")


def test_a_household_outside_the_town_pays_its_price(client_parent, parent, tarifee):
    tarifee.activite.tarif.prix_hors_commune = E("5.50")
    tarifee.activite.tarif.save()
    parent.famille.hors_commune = True
    parent.famille.save()
    html = client_parent.get(_url(tarifee)).content.decode()
    assert "5,50\u00a0€ le repas pour votre foyer" in html
    detail = client_parent.get(reverse("inscription_detail", args=[tarifee.pk]))
    assert "5,50\u00a0€ le repas pour votre foyer" in detail.content.decode()
    assert "tarif hors commune" in detail.content.decode()


def test_the_enrolment_shows_the_price_and_its_quotient(client_parent, tarifee):
    html = client_parent.get(reverse("inscription_detail", args=[tarifee.pk])).content.decode()
    assert "2,10\u00a0€ le repas pour votre foyer" in html
    assert "quotient familial 650" in html


def test_the_calendar_reads_the_brackets_once_per_tariff_version(
    client_parent, tarifee, django_assert_num_queries
):
    calendrier.vider_memoire()
    # session, user, enrolment with its rules, tariff and quotient, the other
    # enrolments, vacances, fermetures, journées, the brackets, places and my bookings
    with django_assert_num_queries(8):
        client_parent.get(_url(tarifee))
    with django_assert_num_queries(4):
        html = client_parent.get(_url(tarifee)).content.decode()
    assert "2,10\u00a0€ le repas" in html
    # Staff change the bracket: the next view shows the new price.
    TrancheTarif.objects.filter(prix=E("2.10")).update(prix=E("2.30"))
    tranche = TrancheTarif.objects.get(prix=E("2.30"))
    tranche.save()
    assert "2,30\u00a0€ le repas" in client_parent.get(_url(tarifee)).content.decode()


def test_the_enrolment_form_shows_the_price_before_asking(client_parent, parent, tarifee):
    from tests.conftest import creer_enfant

    enfant = creer_enfant(parent.famille, prenom="Hugo")
    url = reverse("inscrire", args=[enfant.pk, tarifee.activite.pk])
    html = client_parent.get(url).content.decode()
    assert "2,10\u00a0€ le repas pour votre foyer" in html
    assert "quotient familial 650" in html


def test_a_day_is_la_journee(client_parent, tarifee):
    tarifee.activite.tarif.unite = "jour"
    tarifee.activite.tarif.save()
    html = client_parent.get(_url(tarifee)).content.decode()
    assert "2,10\u00a0€ la journée pour votre foyer" in html
