"""Money shown right (issue #8, defect 2): one formatter, "18,90 €", on both databases.

SQLite returns sums of DecimalField as 15-digit Decimals ("18.9000000000000"); every
amount a person reads must still be rounded to the cent, French style.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from pypdf import PdfReader

from comptes.formats import euros
from comptes.models import Courriel, Facture, QuotientFamilial
from comptes.services import finances
from comptes.services.jetons import nouveau_jeton
from tests.finances.aide import jour as _jour
from tests.finances.aide import tarif as _tarif

D = datetime.date
NBSP, FINE = "\u00a0", "\u202f"
DIX_HUIT_NONANTE = f"18,90{NBSP}€"


@pytest.mark.parametrize(
    "valeur, attendu",
    [
        (Decimal("18.9"), f"18,90{NBSP}€"),
        (Decimal("18.9000000000000"), f"18,90{NBSP}€"),  # a SQLite sum
        (Decimal("1234.5"), f"1{FINE}234,50{NBSP}€"),
        (Decimal("1234567.891"), f"1{FINE}234{FINE}567,89{NBSP}€"),
        (Decimal("-18.9"), f"\u221218,90{NBSP}€"),
        (Decimal("0"), f"0,00{NBSP}€"),
        (Decimal("-0.001"), f"0,00{NBSP}€"),  # rounds to zero: no sign
        (Decimal("0.125"), f"0,13{NBSP}€"),  # half up, not to even
        (Decimal("2.675"), f"2,68{NBSP}€"),
        (Decimal("-2.675"), f"\u22122,68{NBSP}€"),
        (2.675, f"2,68{NBSP}€"),  # a float as written, not its binary value (2.67499…)
        (7, f"7,00{NBSP}€"),
        ("6.30", f"6,30{NBSP}€"),
        (None, ""),
        ("", ""),
    ],
)
def test_the_formatter(valeur, attendu):
    assert euros(valeur) == attendu


def test_the_template_filter_never_fails_on_a_bad_value():
    gabarit = Template("{% load argent %}[{{ a|euros }}][{{ b|euros }}][{{ c|euros }}]")
    rendu = gabarit.render(Context({"a": Decimal("1234.5"), "b": None, "c": "abc"}))
    assert rendu == f"[1{FINE}234,50{NBSP}€][][]"


@pytest.fixture
def facture(parent, cantine, inscription, executer_taches):
    """Nine days at 2,10 € (QF 650): an invoice and a balance of 18,90 € (and its e-mail,
    written by the worker)."""
    _tarif(cantine)
    QuotientFamilial.objects.create(
        famille=parent.famille, valeur=Decimal("650"), source="caf", depuis=D(2026, 9, 1)
    )
    for jour in (1, 2, 5, 6, 8, 9, 12, 13, 15):
        _jour(inscription, D(2026, 10, jour))
    finances.facturer_mois(D(2026, 10, 1))
    executer_taches()
    return Facture.objects.get()


def test_sums_are_rounded_to_the_cent(parent, facture):
    assert str(finances.solde(parent.famille)) == "18.90"
    finances.creer_avoir(facture, "5", "Repas non servi", None)
    finances.enregistrer_paiement(parent.famille, "3,30", "cheque", facture=facture)
    assert str(finances.solde(parent.famille)) == "10.60"
    assert str(finances.paye_par_facture([facture])[facture.pk]) == "8.30"
    assert str(finances.paiements_par_facture([facture])[facture.pk]) == "3.30"


def test_mon_compte_figures_in_one_query_match_the_detailed_ones(
    parent, facture, django_assert_num_queries
):
    finances.creer_avoir(facture, "5", "Repas non servi", None)
    finances.enregistrer_paiement(parent.famille, "3,30", "cheque", facture=facture)
    finances.enregistrer_paiement(parent.famille, "2", "especes")  # tied to no invoice
    factures = list(Facture.objects.filter(famille=parent.famille))
    with django_assert_num_queries(1):
        payes, paiements, solde = finances.etat_du_compte(parent.famille, factures)
    assert solde == finances.solde(parent.famille) == Decimal("8.60")
    assert payes[facture.pk] == finances.paye_par_facture([facture])[facture.pk]
    assert paiements[facture.pk] == finances.paiements_par_facture([facture])[facture.pk]


def test_mon_compte_shows_the_balance_in_euros(client_parent, facture):
    html = client_parent.get(reverse("mon_compte")).content.decode()
    solde = html.split('id="titre-solde"')[1].split("</section>")[0]
    assert DIX_HUIT_NONANTE in solde
    assert "18.9" not in html and "18,9000" not in html
    assert f"650,00{NBSP}€" in html  # the quotient familial


def test_the_invoice_pdf_shows_euros(client_parent, facture):
    response = client_parent.get(reverse("facture_pdf", args=[facture.pk]))
    pdf = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    texte = pdf.pages[0].extract_text()
    assert f"Total à payer {DIX_HUIT_NONANTE}" in texte
    assert texte.count(f"2,10{NBSP}€") == 18  # price and amount of each of the nine lines


def test_the_invoice_email_shows_euros(facture, parent):
    courriel = Courriel.objects.get(destinataire=parent.user.email)
    assert f"est disponible : {DIX_HUIT_NONANTE}, à régler" in courriel.corps


def test_the_admin_lists_show_euros(client_agent, parent, facture):
    finances.enregistrer_paiement(parent.famille, "18,90", "cheque", facture=facture)
    for liste in ("admin:comptes_facture_changelist", "admin:comptes_paiement_changelist"):
        html = client_agent.get(reverse(liste)).content.decode()
        assert DIX_HUIT_NONANTE in html, liste
    html = client_agent.get(reverse("admin:comptes_quotientfamilial_changelist")).content.decode()
    assert f"650,00{NBSP}€" in html
    html = client_agent.get(reverse("admin:comptes_tarif_changelist")).content.decode()
    assert f"4,50{NBSP}€" in html
    # The invoice itself: its amount and each line's price, sortable list column too.
    html = client_agent.get(reverse("admin:comptes_facture_change", args=[facture.pk]))
    assert html.content.decode().count(f"2,10{NBSP}€") == 27  # price, amount, row title
    assert DIX_HUIT_NONANTE in html.content.decode()
    trie = client_agent.get(reverse("admin:comptes_facture_changelist") + "?o=5")
    assert trie.status_code == 200 and DIX_HUIT_NONANTE in trie.content.decode()
    # Recorded payments and quotients are view-only: their amounts are formatted too.
    paiement = parent.famille.paiements.get()
    html = client_agent.get(reverse("admin:comptes_paiement_change", args=[paiement.pk]))
    assert f'<div class="readonly">{DIX_HUIT_NONANTE}</div>' in html.content.decode()
    quotient = parent.famille.quotients.get()
    html = client_agent.get(reverse("admin:comptes_quotientfamilial_change", args=[quotient.pk]))
    assert f'<div class="readonly">650,00{NBSP}€</div>' in html.content.decode()
    assert client_agent.get(reverse("admin:comptes_paiement_add")).status_code == 200


def test_admin_messages_show_euros(client_agent, parent, facture):
    finances.creer_avoir(facture, "5", "Repas non servi", None)
    reponse = client_agent.post(
        reverse("admin:comptes_facture_avoir", args=[facture.pk]),
        {"montant": "14", "motif": "Trop", "jeton": nouveau_jeton()},
    )
    assert f"ne pas dépasser 13,90{NBSP}€ restant" in reponse.content.decode()
    reponse = client_agent.post(
        reverse("admin:comptes_paiement_add"),
        {
            "famille": parent.famille.pk,
            "montant": "15",
            "mode": "cheque",
            "date": "27/11/2026",
            "jeton": nouveau_jeton(),
        },
        follow=True,
    )
    assert f"ce qui était dû : 1,10{NBSP}€ restent" in reponse.content.decode()
