"""Billing rules on a small household, with a frozen clock (27 November 2026, Paris)."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from comptes.errors import DomainError
from comptes.models import (
    Facture,
    LigneFacture,
    Paiement,
    QuotientFamilial,
    Revenu,
    Tarif,
)
from comptes.services import finances, paiement_en_ligne
from portail import services as portail_services
from portail.models import Demande
from tests.finances.aide import jour as _jour
from tests.finances.aide import tarif as _tarif
from tests.inscriptions.conftest import PARIS
from tests.reservations.conftest import inscrire

D = datetime.date
E = Decimal
PDF = b"%PDF-1.4 justificatif"


class TestQuotient:
    def test_parts_follow_the_caf_rules(self, parent):
        famille = parent.famille
        for enfants, handicapes, attendu in (
            (0, 0, "2"),
            (1, 0, "2.5"),
            (2, 0, "3"),
            (3, 0, "4"),
            (4, 1, "5.5"),
        ):
            famille.nombre_enfants_a_charge = enfants
            famille.nombre_enfants_handicapes = handicapes
            assert finances.parts(famille) == E(attendu)

    def test_the_quotient_is_monthly_income_over_parts(self):
        assert finances.calculer_quotient(E("36000"), E("3")) == E("1000.00")
        assert finances.calculer_quotient(E("25000"), E("2.5")) == E("833.33")

    def test_declared_incomes_apply_from_next_month_once_accepted(self, parent, agent):
        parent.famille.nombre_enfants_a_charge = 2
        parent.famille.save()
        revenu = finances.declarer_revenus(
            parent, 2025, "36 000,00", SimpleUploadedFile("avis.pdf", PDF)
        )
        demande = Demande.objects.get(type=Demande.Type.REVENUS)
        assert demande.est_en_attente and revenu.montant_annuel == E("36000.00")
        portail_services.accepter_demande(demande.pk, agent)
        quotient = QuotientFamilial.objects.get()
        assert (quotient.valeur, quotient.depuis, quotient.parts) == (
            E("1000.00"),
            D(2026, 12, 1),
            E("3"),
        )

    @pytest.mark.parametrize(
        ("saisie", "fichier", "message"),
        [
            ("-100", PDF, "ne peut pas être négatif"),
            ("beaucoup", PDF, "Saisissez un montant en euros"),
            ("30000", b"MZ\x90\x00 un executable", "doit être un PDF, une image JPEG ou PNG"),
            ("30000", b"%PDF" + b"x" * (5 * 1024 * 1024), "dépasse 5 Mo"),
        ],
    )
    def test_bad_declarations_write_nothing(self, parent, saisie, fichier, message):
        with pytest.raises(DomainError, match=message):
            finances.declarer_revenus(parent, 2025, saisie, SimpleUploadedFile("avis.pdf", fichier))
        assert not Revenu.objects.exists() and not Demande.objects.exists()

    def test_a_caf_figure_never_applies_backwards(self, parent, agent):
        with pytest.raises(DomainError, match="jamais rétroactivement"):
            finances.saisir_quotient_caf(parent.famille, "650", agent, D(2026, 11, 1))
        q = finances.saisir_quotient_caf(parent.famille, "650", agent)
        assert q.depuis == D(2026, 12, 1)


class TestPrix:
    def test_brackets_unknown_quotient_and_non_residents(self, cantine):
        tarif = _tarif(cantine, prix_hors_commune=E("5.50"))
        tranches = list(tarif.tranches.all())
        assert finances.prix_unitaire(tarif, tranches, E("499.99"), False) == E("1.20")
        assert finances.prix_unitaire(tarif, tranches, E("500"), False) == E("2.10")
        assert finances.prix_unitaire(tarif, tranches, E("5000"), False) == E("3.00")
        assert finances.prix_unitaire(tarif, tranches, None, False) == E("4.50")
        assert finances.prix_unitaire(tarif, tranches, E("300"), True) == E("5.50")

    def test_effort_rate_with_minimum_and_maximum(self, cantine):
        tarif = Tarif.objects.create(
            activite=cantine,
            mode="taux_effort",
            taux_effort=E("0.003"),
            prix_minimum=E("0.80"),
            prix_maximum=E("3.50"),
            prix_sans_quotient=E("3.50"),
        )
        assert finances.prix_unitaire(tarif, [], E("650"), False) == E("1.95")
        assert finances.prix_unitaire(tarif, [], E("100"), False) == E("0.80")
        assert finances.prix_unitaire(tarif, [], E("2000"), False) == E("3.50")


class TestFacturation:
    @pytest.fixture
    def octobre(self, parent, cantine, inscription):
        _tarif(cantine, majoration_retard=E("20"), forfait_sans_reservation=E("2.00"))
        QuotientFamilial.objects.create(
            famille=parent.famille, valeur=E("650"), source="caf", depuis=D(2026, 9, 1)
        )
        QuotientFamilial.objects.create(
            famille=parent.famille, valeur=E("900"), source="caf", depuis=D(2026, 10, 15)
        )
        return inscription

    def test_each_rule_on_one_month(self, octobre):
        _jour(octobre, D(2026, 10, 1), "present")
        _jour(octobre, D(2026, 10, 2), "reservee")  # attendance not marked: billed
        _jour(octobre, D(2026, 10, 5), "absent")  # absent without reason: billed
        _jour(octobre, D(2026, 10, 6), "absence_justifiee")  # not billed
        _jour(octobre, D(2026, 10, 8), "annulee")  # cancelled in time: not billed
        _jour(octobre, D(2026, 10, 9), "attente", rang_attente=1)  # never had a place
        _jour(octobre, D(2026, 10, 12), "present", sans_reservation=True, source="service")
        late = _jour(octobre, D(2026, 10, 15), "present", source="service")
        late.cree_le = datetime.datetime(2026, 10, 15, 8, tzinfo=PARIS)
        late.save()
        bilan = finances.facturer_mois(D(2026, 10, 1))
        facture = Facture.objects.get()
        lignes = {ligne.date.day: ligne for ligne in facture.lignes.all()}
        assert sorted(lignes) == [1, 2, 5, 12, 15]
        assert lignes[1].montant == E("2.10")  # QF 650 until 14 October
        assert lignes[5].libelle == "journée, absence non justifiée"
        assert (lignes[12].supplement, lignes[12].montant) == (E("2.00"), E("4.10"))
        assert lignes[15].quotient == E("900.00")  # the new quotient from the 15th
        assert (lignes[15].supplement, lignes[15].montant) == (E("0.60"), E("3.60"))
        assert facture.montant == E("2.10") * 3 + E("4.10") + E("3.60")
        assert bilan["factures"] == 1
        assert all(ligne.reservation_id for ligne in lignes.values())  # traced to the booked day

    def test_invoicing_twice_creates_nothing_new_and_numbers_have_no_gaps(
        self, octobre, etranger, cantine
    ):
        autre = inscrire(etranger.famille, cantine, "Autre")
        _jour(octobre, D(2026, 10, 1))
        _jour(autre, D(2026, 10, 1))
        finances.facturer_mois(D(2026, 10, 1))
        assert finances.facturer_mois(D(2026, 10, 1))["factures"] == 0
        assert sorted(Facture.objects.values_list("numero", flat=True)) == [
            "F2026-000001",
            "F2026-000002",
        ]

    def test_only_a_finished_month_is_invoiced(self, octobre):
        with pytest.raises(DomainError, match="mois terminé"):
            finances.facturer_mois(D(2026, 11, 1))
        assert not Facture.objects.exists()

    def test_an_activity_without_tariff_is_reported_not_billed(self, parent, creer_activite):
        sans = inscrire(parent.famille, creer_activite(nom="Atelier"))
        _jour(sans, D(2026, 10, 1))
        bilan = finances.facturer_mois(D(2026, 10, 1))
        assert bilan["factures"] == 0
        assert bilan["activites_sans_tarif"] == ["Atelier (École Jules Ferry)"]

    def test_an_avoir_corrects_without_changing_the_invoice(self, octobre, agent):
        _jour(octobre, D(2026, 10, 1))
        finances.facturer_mois(D(2026, 10, 1))
        facture = Facture.objects.get()
        avoir = finances.creer_avoir(facture, "1,00", "Repas non servi (grève)", agent)
        facture.refresh_from_db()
        assert facture.montant == E("2.10")
        assert avoir.numero == "F2026-000002"
        assert finances.solde(facture.famille) == E("1.10")
        with pytest.raises(DomainError, match="ne pas dépasser"):
            finances.creer_avoir(facture, "5", "trop", agent)


class TestPaiements:
    @pytest.fixture
    def facture(self, parent, cantine, inscription):
        _tarif(cantine)
        for jour in (1, 2, 5):
            _jour(inscription, D(2026, 10, jour))
        finances.facturer_mois(D(2026, 10, 1))
        return Facture.objects.get()  # 3 × 4.50 (no quotient) = 13.50

    def test_partial_full_and_excess_payments(self, parent, agent, facture):
        assert facture.montant == E("13.50")
        finances.enregistrer_paiement(parent.famille, "10", "cheque", agent, facture)
        paye = finances.paye_par_facture([facture])[facture.pk]
        assert finances.statut_facture(facture, paye) == "partiellement payée"
        finances.enregistrer_paiement(parent.famille, "5,50", "especes", agent, facture)
        paye = finances.paye_par_facture([facture])[facture.pk]
        assert finances.statut_facture(facture, paye) == "payée"
        assert finances.solde(parent.famille) == E("-2.00")  # kept as a credit

    def test_bad_payments_are_refused(self, parent, etranger, agent, facture):
        for somme, message in (("0", "positif"), ("abc", "montant en euros")):
            with pytest.raises(DomainError, match=message):
                finances.enregistrer_paiement(parent.famille, somme, "cheque", agent, facture)
        with pytest.raises(DomainError, match="pas celle de ce foyer"):
            finances.enregistrer_paiement(etranger.famille, "5", "cheque", agent, facture)
        assert not Paiement.objects.exists()

    def test_online_payment_counts_once_and_a_failure_changes_nothing(self, facture):
        url = paiement_en_ligne.demarrer_paiement_en_ligne(facture, "parent@example.org")
        assert url.startswith("/compte/paiement/banque-de-test/?")
        transaction_id = url.split("transaction_id=")[1].split("&")[0]
        retour = f"transaction_id={transaction_id}&amount=13.50&ok=1&signed=1"
        paiement_en_ligne.traiter_retour_banque(retour)
        paiement_en_ligne.traiter_retour_banque(retour)  # the notification arrives too
        assert Paiement.objects.get().montant == E("13.50")
        with pytest.raises(DomainError, match="déjà payée"):
            paiement_en_ligne.demarrer_paiement_en_ligne(facture, "parent@example.org")

    def test_a_cancelled_online_payment_records_nothing(self, facture):
        url = paiement_en_ligne.demarrer_paiement_en_ligne(facture, "parent@example.org")
        transaction_id = url.split("transaction_id=")[1].split("&")[0]
        paiement_en_ligne.traiter_retour_banque(f"transaction_id={transaction_id}&signed=1")
        assert not Paiement.objects.exists()
        with pytest.raises(DomainError, match="Paiement inconnu"):
            paiement_en_ligne.traiter_retour_banque("transaction_id=invente&ok=1&signed=1")
        assert not Paiement.objects.exists()


def test_the_tax_certificate_counts_paid_childcare_of_under_sixes(parent, agent, creer_activite):
    garderie = creer_activite(nom="Périscolaire du soir")
    _tarif(garderie, credit_impot_garde=True)
    petit = inscrire(parent.famille, garderie, "Petit", date_naissance=D(2021, 5, 1))
    grand = inscrire(parent.famille, garderie, "Grand", date_naissance=D(2018, 5, 1))
    for i in (petit, grand):
        _jour(i, D(2026, 10, 1))
    finances.facturer_mois(D(2026, 10, 1))
    facture = Facture.objects.get()
    finances.enregistrer_paiement(parent.famille, facture.montant, "cheque", agent, facture)
    montants = finances.frais_de_garde(parent.famille, 2026)
    assert [(m["enfant"].prenom, m["montant"]) for m in montants] == [("Petit", E("4.50"))]
    assert LigneFacture.objects.count() == 2


def test_staff_invoice_chosen_households_from_the_admin(
    client_agent,
    parent,
    etranger,
    cantine,
    inscription,
    django_capture_on_commit_callbacks,
    executer_taches,
):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
    from django.urls import reverse

    _tarif(cantine)
    _jour(inscription, D(2026, 10, 1))
    _jour(inscrire(etranger.famille, cantine, "Autre"), D(2026, 10, 1))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_agent.post(
            reverse("admin:familles_famille_changelist"),
            {
                "action": "facturer_familles",
                ACTION_CHECKBOX_NAME: [parent.famille.pk],
                "confirmer": "1",
                "mois": "2026-10",
            },
        )
    assert Facture.objects.count() == 0  # the worker invoices, not the request
    executer_taches()
    page = client_agent.get(response.url).content.decode()
    assert "terminée" in page and "4,50\u00a0€" in page
    assert list(Facture.objects.values_list("famille", flat=True)) == [parent.famille.pk]
    with django_capture_on_commit_callbacks(execute=True):
        client_agent.post(reverse("admin:comptes_facturer"), {"mois": "2026-10"})
    executer_taches()
    assert Facture.objects.count() == 2  # the other household, once


class TestRevue:
    """Bad input and abuse found in review."""

    @pytest.fixture
    def facture(self, parent, cantine, inscription):
        _tarif(cantine)
        _jour(inscription, D(2026, 10, 1))
        finances.facturer_mois(D(2026, 10, 1))
        return Facture.objects.get()  # 4.50

    @pytest.mark.parametrize("saisie", ["1e999999", "99999999999", "12,345"])
    def test_odd_amounts_get_a_message(self, parent, saisie):
        with pytest.raises(DomainError):
            finances.declarer_revenus(parent, 2025, saisie, SimpleUploadedFile("a.pdf", PDF))
        assert not Revenu.objects.exists()

    def test_no_avoir_on_an_avoir(self, agent, facture):
        avoir = finances.creer_avoir(facture, "1", "geste", agent)
        with pytest.raises(DomainError, match="pas sur un autre avoir"):
            finances.creer_avoir(avoir, "1", "encore", agent)

    def test_an_unsigned_answer_changes_nothing_and_the_real_one_still_counts(self, facture):
        url = paiement_en_ligne.demarrer_paiement_en_ligne(facture, "parent@example.org")
        transaction_id = url.split("transaction_id=")[1].split("&")[0]
        paiement_en_ligne.traiter_retour_banque(f"transaction_id={transaction_id}&ok=1")  # forged
        assert not Paiement.objects.exists()
        paiement_en_ligne.traiter_retour_banque(
            f"transaction_id={transaction_id}&amount=4.50&ok=1&signed=1"
        )
        assert Paiement.objects.count() == 1

    def test_one_online_payment_at_a_time(self, facture):
        paiement_en_ligne.demarrer_paiement_en_ligne(facture, "parent@example.org")
        with pytest.raises(DomainError, match="déjà en cours"):
            paiement_en_ligne.demarrer_paiement_en_ligne(facture, "parent@example.org")

    def test_an_avoir_is_not_money_paid_for_the_tax_certificate(
        self, parent, agent, creer_activite
    ):
        garderie = creer_activite(nom="Garderie")
        _tarif(garderie, credit_impot_garde=True)
        petit = inscrire(parent.famille, garderie, "Petit", date_naissance=D(2022, 1, 5))
        _jour(petit, D(2026, 10, 1))
        finances.facturer_mois(D(2026, 10, 1))
        facture = Facture.objects.get()
        finances.creer_avoir(facture, facture.montant, "annulé", agent)
        assert finances.frais_de_garde(parent.famille, 2026) == []

    def test_staff_without_invoice_rights_cannot_download_one(self, client, facture):
        from django.contrib.auth.models import Permission
        from django.urls import reverse

        from tests.conftest import creer_user

        lecteur = creer_user("lecteur@example.org", is_staff=True)
        lecteur.user_permissions.add(Permission.objects.get(codename="view_famille"))
        client.force_login(lecteur)
        url = reverse("admin:comptes_facture_pdf", args=[facture.pk])
        assert client.get(url).status_code == 403
        assert client.get(reverse("admin:comptes_facture_avoir", args=[999999])).status_code == 403


def test_overlapping_brackets_are_refused_in_the_admin(client_agent, cantine):
    from django.urls import reverse

    data = {
        "activite": cantine.pk,
        "unite": "repas",
        "mode": "tranches",
        "prix_sans_quotient": "4.50",
        "majoration_retard": "0",
        "forfait_sans_reservation": "0",
        "tranches-TOTAL_FORMS": "2",
        "tranches-INITIAL_FORMS": "0",
        "tranches-MIN_NUM_FORMS": "0",
        "tranches-MAX_NUM_FORMS": "1000",
        "tranches-0-qf_min": "0",
        "tranches-0-qf_max": "800",
        "tranches-0-prix": "2",
        "tranches-1-qf_min": "500",
        "tranches-1-qf_max": "",
        "tranches-1-prix": "3",
    }
    response = client_agent.post(reverse("admin:comptes_tarif_add"), data)
    assert "Les tranches se chevauchent" in response.content.decode()
    assert not Tarif.objects.exists()


def test_a_credit_is_used_before_paying_online(parent, agent, cantine, inscription):
    _tarif(cantine)
    for jour in (1, 2):
        _jour(inscription, D(2026, 10, jour))
    finances.facturer_mois(D(2026, 10, 1))
    facture = Facture.objects.get()  # 9.00
    finances.enregistrer_paiement(parent.famille, "5", "especes", agent)  # unallocated credit
    url = paiement_en_ligne.demarrer_paiement_en_ligne(facture, "parent@example.org")
    assert "amount=4.00" in url


def test_billed_states_are_still_states_of_a_booking():
    from reservations.models import Reservation

    assert set(finances.ETATS_FACTURES) <= set(Reservation.Etat.values)
