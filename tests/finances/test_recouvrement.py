"""Collecting what is owed: invoice status, reminders, the treasury's CSV export."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from comptes.models import EtapeRelance, Facture, RelanceFacture
from comptes.services import finances, recouvrement
from portail.roles import AGENT_ACCUEIL, REGISSEUR
from tests.conftest import creer_agent, creer_enfant, creer_responsable
from tests.finances.aide import jour as _jour
from tests.finances.aide import tarif as _tarif
from tests.inscriptions.conftest import PARIS
from tests.reservations.conftest import inscrire

D = datetime.date
E = Decimal


@pytest.fixture
def factures(parent, cantine, inscription):
    """Two households invoiced for October 2026 (due 27 December 2026)."""
    _tarif(cantine)
    for j in (1, 2, 5):
        _jour(inscription, D(2026, 10, j))  # 3 × 4.50 = 13.50
    autre = creer_responsable(email="autre@example.org")
    creer_enfant(autre.famille, prenom="Tom")
    _jour(inscrire(autre.famille, cantine, prenom="Tom"), D(2026, 10, 1))  # 4.50
    finances.facturer_mois(D(2026, 10, 1))
    return (
        Facture.objects.get(famille=parent.famille),
        Facture.objects.get(famille=autre.famille),
    )


def _statut(facture, jour):
    paye = finances.paye_par_facture([facture])[facture.pk]
    return finances.statut_facture(facture, paye, jour)


class TestStatut:
    def test_status_follows_payments_and_due_date(self, parent, agent, factures):
        facture, _ = factures
        assert facture.echeance == D(2026, 12, 27)
        assert _statut(facture, D(2026, 12, 1)) == "à payer"
        assert _statut(facture, D(2026, 12, 28)) == "en retard"
        finances.enregistrer_paiement(parent.famille, "10", "cheque", agent, facture)
        assert _statut(facture, D(2026, 12, 1)) == "partiellement payée"
        assert _statut(facture, D(2026, 12, 28)) == "en retard"
        finances.creer_avoir(facture, "3,50", "Jour non dû", agent)
        assert _statut(facture, D(2026, 12, 28)) == "payée"

    def test_sql_filter_agrees_with_the_status(self, parent, agent, factures):
        facture, autre = factures
        finances.enregistrer_paiement(parent.famille, "13,50", "cheque", agent, facture)
        qs = Facture.objects.all()
        for jour, attendus in (
            (D(2026, 12, 1), {"payée": {facture}, "à payer": {autre}}),
            (D(2027, 1, 5), {"payée": {facture}, "en retard": {autre}}),
        ):
            for statut in finances.STATUTS:
                assert set(finances.filtrer_statut(qs, statut, jour)) == attendus.get(
                    statut, set()
                ), statut


class TestAdminFactures:
    def test_list_filters_by_status_and_month_with_balance(self, client, parent, factures):
        facture, autre = factures
        regisseur = creer_agent("regie@example.org", REGISSEUR)
        finances.enregistrer_paiement(parent.famille, "10", "cheque", regisseur, facture)
        client.force_login(regisseur)
        url = reverse("admin:comptes_facture_changelist")
        page = client.get(url, {"statut": "partiellement payée", "mois_facture": "2026-10"})
        contenu = page.content.decode()
        assert facture.numero in contenu and autre.numero not in contenu
        assert "3,50\u00a0€" in contenu  # what is left
        assert "octobre 2026" in contenu
        assert client.get(url, {"mois_facture": "2026-09"}).context["cl"].result_count == 0

    def test_list_runs_constant_queries(self, client, parent, agent, factures, cantine):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.force_login(creer_agent("regie@example.org", REGISSEUR))
        url = reverse("admin:comptes_facture_changelist")
        client.get(url)
        with CaptureQueriesContext(connection) as avant:
            assert client.get(url).status_code == 200
        for n in range(3):  # more households, payments and credit notes
            autre = creer_responsable(email=f"plus{n}@example.org")
            creer_enfant(autre.famille, prenom="Max")
            _jour(inscrire(autre.famille, cantine, prenom="Max"), D(2026, 10, 6))
        finances.facturer_mois(D(2026, 10, 1))
        for facture in Facture.objects.all():
            finances.enregistrer_paiement(facture.famille, "1", "cheque", agent, facture)
            finances.creer_avoir(facture, "1", "Geste", agent)
        with CaptureQueriesContext(connection) as apres:
            assert client.get(url).status_code == 200
        # session, user, permissions, counts, the annotated page, the months filter…
        assert len(apres) == len(avant) <= 12

    def test_invoice_page_shows_payments_credit_notes_and_address(
        self, client, parent, agent, factures
    ):
        facture, _ = factures
        finances.enregistrer_paiement(parent.famille, "5", "cheque", agent, facture, "CHQ 123")
        avoir = finances.creer_avoir(facture, "1", "Geste", agent)
        client.force_login(creer_agent("regie@example.org", REGISSEUR))
        contenu = client.get(
            reverse("admin:comptes_facture_change", args=[facture.pk])
        ).content.decode()
        assert "CHQ 123" in contenu and avoir.numero in contenu
        assert '{"nom"' not in contenu  # the recipient is not raw JSON
        assert "7,50\u00a0€" in contenu  # left to pay: 13.50 - 5 - 1


@pytest.fixture
def etapes(db):
    return (
        EtapeRelance.objects.create(jours_apres_echeance=15, nom="Première relance"),
        EtapeRelance.objects.create(jours_apres_echeance=30, nom="Dernière relance", lettre=True),
    )


class TestRelances:
    def test_each_step_is_sent_once_when_due(
        self, horloge, parent, coparent, agent, factures, etapes, executer_taches,
        django_capture_on_commit_callbacks,
    ):  # fmt: skip
        facture, autre = factures
        finances.enregistrer_paiement(autre.famille, "4,50", "cheque", agent, autre)
        horloge.move_to(datetime.datetime(2027, 1, 10, 8, tzinfo=PARIS))  # J+14
        assert recouvrement.relancer() == 0
        horloge.move_to(datetime.datetime(2027, 1, 11, 8, tzinfo=PARIS))  # J+15
        with django_capture_on_commit_callbacks(execute=True):
            assert recouvrement.relancer() == 1
            assert recouvrement.relancer() == 0  # idempotent
        executer_taches()
        assert sorted(m.to[0] for m in mail.outbox) == [
            "coparent@example.org",
            "parent@example.org",
        ]
        assert "13,50\u00a0€" in mail.outbox[0].body
        relance = RelanceFacture.objects.get()
        assert (relance.facture, relance.etape, relance.canal) == (facture, etapes[0], "courriel")
        assert not relance.lettre
        horloge.move_to(datetime.datetime(2027, 1, 26, 8, tzinfo=PARIS))  # J+30
        assert recouvrement.relancer() == 1
        lettre = RelanceFacture.objects.get(etape=etapes[1])
        assert lettre.canal == "courriel_lettre"
        assert lettre.lettre.open("rb").read(5) == b"%PDF-"
        assert recouvrement.relancer() == 0

    def test_a_very_late_invoice_gets_only_the_latest_step(self, horloge, factures, etapes):
        horloge.move_to(datetime.datetime(2027, 2, 15, 8, tzinfo=PARIS))
        assert recouvrement.relancer() == 2  # both households, one letter each
        assert set(RelanceFacture.objects.values_list("etape", flat=True)) == {etapes[1].pk}

    def test_a_paid_invoice_is_not_chased(self, horloge, parent, agent, factures, etapes):
        facture, autre = factures
        finances.enregistrer_paiement(parent.famille, "13,50", "cheque", agent, facture)
        finances.creer_avoir(autre, "4,50", "Annulé", agent)
        horloge.move_to(datetime.datetime(2027, 2, 15, 8, tzinfo=PARIS))
        assert recouvrement.relancer() == 0

    def test_the_cron_command_hands_the_run_to_the_worker(
        self, horloge, factures, etapes, executer_taches
    ):
        from django.core.management import call_command

        horloge.move_to(datetime.datetime(2027, 1, 11, 8, tzinfo=PARIS))
        call_command("relancer")
        assert not RelanceFacture.objects.exists()
        executer_taches()
        assert RelanceFacture.objects.count() == 2

    def test_reminders_are_visible_to_the_finance_role_only(
        self, client, horloge, factures, etapes
    ):
        horloge.move_to(datetime.datetime(2027, 2, 15, 8, tzinfo=PARIS))
        recouvrement.relancer()
        relance = RelanceFacture.objects.first()
        url = reverse("admin:comptes_relancefacture_lettre", args=[relance.pk])
        client.force_login(creer_agent("accueil@example.org", AGENT_ACCUEIL))
        assert client.get(url).status_code == 403
        client.force_login(creer_agent("regie@example.org", REGISSEUR))
        assert client.get(url).status_code == 200
        page = client.get(reverse("admin:comptes_facture_change", args=[relance.facture_id]))
        assert "Dernière relance" in page.content.decode()


class TestExportTresorerie:
    def test_totals_match_the_invoices(self, client, parent, agent, factures):
        facture, autre = factures
        finances.enregistrer_paiement(parent.famille, "10", "cheque", agent, facture)
        finances.creer_avoir(autre, "1,50", "Geste", agent)
        client.force_login(creer_agent("regie@example.org", REGISSEUR))
        reponse = client.get(reverse("admin:comptes_facture_tresorerie"), {"mois": "2026-10"})
        assert reponse["Content-Type"].startswith("text/csv")
        lignes = [li.split(";") for li in reponse.content.decode("utf-8-sig").splitlines()]
        totaux = {li[0]: li[5] for li in lignes if li[0].startswith(("Total", "Net"))}
        assert totaux["Total des factures"] == "18,00"
        assert totaux["Total des avoirs"] == "-1,50"
        assert totaux["Net facturé"] == "16,50"
        montants = [E(li[5].replace(",", ".")) for li in lignes if li[:2][1:] == ["Facture"]]
        assert sum(montants) == E("18.00")
        # Payments of November 2026 (the clock's month), not October's.
        assert totaux["Total des paiements"] == "0,00"
        novembre = client.get(reverse("admin:comptes_facture_tresorerie"), {"mois": "2026-11"})
        assert "Total des paiements;;;;;10,00" in novembre.content.decode("utf-8-sig")

    def test_a_bad_month_gets_a_message(self, client, factures):
        client.force_login(creer_agent("regie@example.org", REGISSEUR))
        page = client.get(reverse("admin:comptes_facture_tresorerie"), {"mois": "octobre"})
        assert page.status_code == 200
        assert "Choisissez un mois" in page.content.decode()


def test_mon_compte_says_when_an_invoice_is_late(client_parent, parent, horloge, factures):
    assert "En retard" not in client_parent.get(reverse("mon_compte")).content.decode()
    horloge.move_to(datetime.datetime(2027, 1, 5, 8, tzinfo=PARIS))
    client_parent.force_login(parent.user)  # (the session expired meanwhile)
    assert "En retard" in client_parent.get(reverse("mon_compte")).content.decode()
