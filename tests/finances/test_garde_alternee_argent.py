"""Garde alternée, money: each household pays for the days it booked, at its own
quotient, on its own invoices; its price, tax certificate, account detail, reminders,
direct debit and treasury rows are its own."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from comptes.models import EtapeRelance, Facture
from comptes.services import finances, recouvrement, sepa
from tests.finances.aide import jour as _jour
from tests.finances.aide import tarif as _tarif
from tests.finances.garde_alternee import deux_foyers
from tests.inscriptions.conftest import PARIS

D = datetime.date
E = Decimal
NBSP = "\u00a0"


@pytest.fixture
def foyers(cantine):
    """October: A has Léa on the 1st, 2nd and 5th (3 × 3,00 €), B on the 8th and 9th
    (2 × 1,20 €); a tariff eligible to the tax credit for childcare."""
    _tarif(cantine, unite="repas", credit_impot_garde=True)
    f = deux_foyers(cantine, naissance=D(2021, 3, 2))  # under 6 on 1 January 2026
    for jour in (1, 2, 5):
        _jour(f.inscription_a, D(2026, 10, jour))
    for jour in (8, 9):
        _jour(f.inscription_b, D(2026, 10, jour))
    return f


@pytest.fixture
def factures(foyers):
    finances.facturer_mois(D(2026, 10, 1))
    return (
        Facture.objects.get(famille=foyers.a.famille),
        Facture.objects.get(famille=foyers.b.famille),
    )


def test_each_household_is_billed_its_own_days_at_its_own_quotient(foyers, factures):
    facture_a, facture_b = factures
    assert facture_a.montant == E("9.00") and facture_b.montant == E("2.40")
    lignes_a = list(facture_a.lignes.order_by("date"))
    assert [ligne.date.day for ligne in lignes_a] == [1, 2, 5]
    assert {ligne.inscription_id for ligne in lignes_a} == {foyers.inscription_a.pk}
    assert {ligne.quotient for ligne in lignes_a} == {E("987.65")}
    lignes_b = list(facture_b.lignes.order_by("date"))
    assert [ligne.date.day for ligne in lignes_b] == [8, 9]
    assert {ligne.inscription_id for ligne in lignes_b} == {foyers.inscription_b.pk}
    assert {ligne.quotient for ligne in lignes_b} == {E("432.10")}
    assert facture_a.destinataire["nom"] == foyers.a.famille.nom
    assert facture_b.destinataire["nom"] == foyers.b.famille.nom


def test_the_price_before_booking_is_the_booking_households(client, foyers):
    for responsable, inscription, prix in (
        (foyers.a, foyers.inscription_a, "3,00"),
        (foyers.b, foyers.inscription_b, "1,20"),
    ):
        client.force_login(responsable.user)
        url = reverse("calendrier", args=[inscription.pk, 2026, 12])
        html = client.get(url).content.decode()
        assert f"{prix}{NBSP}€ le repas pour votre foyer" in html


def test_each_household_sees_only_its_own_lines_in_mon_compte(client, foyers, factures):
    facture_a, facture_b = factures
    client.force_login(foyers.b.user)
    html = client.get(reverse("mon_compte")).content.decode()
    assert facture_b.numero in html and f"2,40{NBSP}€" in html
    assert facture_a.numero not in html and f"9,00{NBSP}€" not in html
    assert "987,65" not in html


def test_each_household_tax_certificate_covers_what_it_paid(client, agent, foyers, factures):
    facture_a, facture_b = factures
    finances.enregistrer_paiement(foyers.a.famille, "9,00", "cheque", agent, facture_a)
    finances.enregistrer_paiement(foyers.b.famille, "1,20", "cheque", agent, facture_b)
    assert finances.frais_de_garde(foyers.a.famille, 2026) == [
        {"enfant": foyers.enfant, "montant": E("9.00")}
    ]
    assert finances.frais_de_garde(foyers.b.famille, 2026) == [
        {"enfant": foyers.enfant, "montant": E("1.20")}
    ]
    client.force_login(foyers.b.user)
    response = client.get(reverse("attestation_fiscale", args=[2026]))
    contenu = b"".join(response.streaming_content) if response.streaming else response.content
    texte = "".join(p.extract_text() for p in PdfReader(io.BytesIO(contenu)).pages)
    assert "1,20" in texte and "9,00" not in texte


def test_reminders_go_to_the_late_household_only(
    horloge, agent, foyers, factures, executer_taches, django_capture_on_commit_callbacks
):
    facture_a, facture_b = factures
    EtapeRelance.objects.create(jours_apres_echeance=15, nom="Première relance")
    finances.enregistrer_paiement(foyers.b.famille, "2,40", "cheque", agent, facture_b)
    horloge.move_to(datetime.datetime(2027, 1, 11, 8, tzinfo=PARIS))
    with django_capture_on_commit_callbacks(execute=True):
        assert recouvrement.relancer() == 1
    mail.outbox.clear()  # the invoices' own e-mails, queued at invoicing
    executer_taches()
    relances = [m for m in mail.outbox if facture_a.numero in m.body]
    assert [m.to for m in relances] == [[foyers.a.user.email]]
    assert all(foyers.b.user.email not in m.to for m in mail.outbox)


def test_the_direct_debit_takes_only_the_household_with_a_mandate(foyers, factures):
    facture_a, _ = factures
    sepa.signer_mandat(
        foyers.a.famille, foyers.a.user, "Marc Durand", "FR7630006000011234567890189"
    )
    assert [(f, reste) for f, _, reste in sepa.a_prelever(D(2026, 10, 1))] == [
        (facture_a, E("9.00"))
    ]


def test_the_treasury_export_has_one_row_per_household(agent, foyers, factures):
    facture_a, facture_b = factures
    finances.enregistrer_paiement(foyers.b.famille, "2,40", "cheque", agent, facture_b)
    lignes = recouvrement.export_tresorerie(D(2026, 10, 1)).splitlines()
    ligne_a = next(ligne for ligne in lignes if ligne.startswith(facture_a.numero))
    ligne_b = next(ligne for ligne in lignes if ligne.startswith(facture_b.numero))
    assert f";{foyers.a.famille.nom};" in ligne_a and ";9,00;0,00;9,00;" in ligne_a
    assert f";{foyers.b.famille.nom};" in ligne_b and ";2,40;2,40;0,00;payée" in ligne_b
