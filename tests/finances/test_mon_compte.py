import datetime
import html as html_module
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from comptes.models import Facture, Paiement, QuotientFamilial
from comptes.services import finances
from comptes.services.jetons import nouveau_jeton
from portail.models import Demande
from tests.finances.aide import jour as _jour
from tests.finances.aide import tarif as _tarif
from tests.reservations.conftest import inscrire

D = datetime.date
URL = reverse("mon_compte")


@pytest.fixture
def facture(parent, cantine, inscription):
    _tarif(cantine)
    QuotientFamilial.objects.create(
        famille=parent.famille, valeur=Decimal("650"), source="caf", depuis=D(2026, 9, 1)
    )
    for jour in (1, 2, 5):
        _jour(inscription, D(2026, 10, jour))
    finances.facturer_mois(D(2026, 10, 1))
    return Facture.objects.get()


def test_it_shows_balance_quotient_invoices_and_detail(client_parent, facture):
    html = client_parent.get(URL).content.decode()
    assert "6,30\u00a0€" in html  # 3 × 2,10
    assert "650,00\u00a0€" in html and "depuis le 1 septembre 2026" in html
    assert facture.numero in html and "À payer" in html
    assert "Léa — Restauration scolaire" in html
    assert "Octobre 2026" in html


def test_the_invoice_pdf_lists_every_line(client_parent, facture):
    response = client_parent.get(reverse("facture_pdf", args=[facture.pk]))
    texte = PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages[0].extract_text()
    assert facture.numero in texte
    assert texte.count("Léa") == 3
    assert "01/10/2026" in texte and "05/10/2026" in texte
    assert "6,30\u00a0€" in texte


def test_it_checks_ownership(client, etranger, facture):
    client.force_login(etranger.user)
    assert client.get(reverse("facture_pdf", args=[facture.pk])).status_code == 404
    assert client.post(reverse("payer_en_ligne", args=[facture.pk])).status_code == 404
    assert facture.numero not in client.get(URL).content.decode()


def test_paying_online_with_the_test_bank(client_parent, facture):
    response = client_parent.post(reverse("payer_en_ligne", args=[facture.pk]))
    banque = response["Location"]
    assert banque.startswith("/compte/paiement/banque-de-test/")
    page = client_parent.get(banque).content.decode()
    assert "Paiement de 6,30\u00a0€" in page  # the bank's "6.30", shown French style
    # the test bank's "Payer" link: the answer names the transaction and the amount paid
    retour = html_module.unescape(re.search(r'href="([^"]*&amp;ok=1[^"]*)"', page)[1])
    assert "amount=6.30" in retour
    html = client_parent.get(retour, follow=True).content.decode()
    assert "Paiement de 6,30\u00a0€ reçu" in html
    client_parent.get(retour)  # the return page reloaded: counted once
    assert Paiement.objects.get().montant == Decimal("6.30")
    assert "Payée" in client_parent.get(URL).content.decode()


def test_declaring_incomes_from_the_portal(client_parent, parent):
    html = client_parent.get(reverse("declarer_revenus")).content.decode()
    assert 'enctype="multipart/form-data"' in html
    response = client_parent.post(
        reverse("declarer_revenus"),
        {
            "annee": "2025",
            "montant_annuel": "-5",
            "justificatif": SimpleUploadedFile("avis.pdf", b"%PDF-1.4"),
            "jeton": nouveau_jeton(),
        },
    )
    assert "ne peut pas être négatif" in response.content.decode()
    assert not Demande.objects.exists()
    response = client_parent.post(
        reverse("declarer_revenus"),
        {
            "annee": "2025",
            "montant_annuel": "31 200",
            "justificatif": SimpleUploadedFile("avis.png", b"\x89PNG\r\n\x1a\n...."),
            "jeton": nouveau_jeton(),
        },
    )
    assert response.status_code == 302
    assert Demande.objects.get().type == Demande.Type.REVENUS


@pytest.mark.parametrize("nb_enfants", [1, 4])
def test_it_runs_a_constant_number_of_queries(
    client_parent, parent, cantine, agent, django_assert_num_queries, nb_enfants
):
    _tarif(cantine)
    for i in range(nb_enfants):
        inscription = inscrire(parent.famille, cantine, f"E{i}")
        for mois in (9, 10):
            _jour(inscription, D(2026, mois, 1 if mois == 10 else 3))
    finances.facturer_mois(D(2026, 9, 1))
    finances.facturer_mois(D(2026, 10, 1))
    facture = Facture.objects.first()
    finances.enregistrer_paiement(parent.famille, "1", "cheque", agent, facture)
    # session, user with responsable (comptes/backends.py),
    # invoices, payments per invoice (paid, balance, detail),
    # quotients, incomes, children, payments, detail lines, detail enrolments
    with django_assert_num_queries(10):
        response = client_parent.get(URL)
    assert response.content.decode().count("— Restauration scolaire, École") == nb_enfants


def test_without_invoices_the_detail_reads_no_enrolment(
    client_parent, parent, cantine, inscription, django_assert_num_queries
):
    # session, user with responsable, invoices, payments (balance), quotients, incomes,
    # children, payments, detail lines — and no read of the billed enrolments
    with django_assert_num_queries(9):
        response = client_parent.get(URL)
    assert "Restauration scolaire" not in response.content.decode()
