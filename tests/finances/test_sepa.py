"""SEPA direct debit: the parent's mandate page, the month's pain.008 file, rejects."""

import datetime
import html
import os
from decimal import Decimal

import pytest
import sepaxml
import xmlschema
from django.core import mail
from django.urls import reverse
from lxml import etree

from comptes.models import Facture, LignePrelevement, MandatSepa, Paiement, RemisePrelevement
from comptes.services import finances, sepa
from portail.roles import GESTIONNAIRE, REGISSEUR
from tests.conftest import creer_agent, creer_enfant, creer_responsable
from tests.finances.aide import jour as _jour
from tests.finances.aide import tarif as _tarif
from tests.inscriptions.conftest import PARIS
from tests.reservations.conftest import inscrire

D = datetime.date
E = Decimal
IBAN = "FR14 2004 1010 0505 0001 3M02 606"
IBAN_2 = "DE89 3704 0044 0532 0130 00"
SCHEMA = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.008.001.02.xsd")
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}


def _signer(client, **champs):
    page = client.get(reverse("prelevement"))
    donnees = {
        "titulaire": "Camille Martin",
        "iban": IBAN,
        "bic": "",
        "accord": "on",
        "jeton": page.context["form"]["jeton"].value(),
        **champs,
    }
    return client.post(reverse("prelevement"), donnees)


class TestMandat:
    def test_a_parent_signs_then_revokes(self, client_parent, parent):
        reponse = _signer(client_parent)
        assert reponse.status_code == 302
        mandat = MandatSepa.objects.get()
        assert mandat.famille == parent.famille and mandat.signe_par == parent.user
        assert mandat.iban == IBAN.replace(" ", "") and mandat.bic == "PSSTFRPP"  # derived
        assert mandat.rum.startswith("PF-") and mandat.signe_le == D(2026, 11, 27)
        page = client_parent.get(reverse("prelevement")).content.decode()
        assert mandat.rum in page and "FR12ZZZ123456" in page
        assert "3M02 606" not in page and "2606" in page  # masked
        client_parent.post(reverse("revoquer_prelevement"))
        mandat.refresh_from_db()
        assert mandat.revoque_le is not None
        assert "Signer le mandat" in client_parent.get(reverse("prelevement")).content.decode()

    def test_a_double_submit_signs_once(self, client_parent):
        page = client_parent.get(reverse("prelevement"))
        jeton = page.context["form"]["jeton"].value()
        donnees = {"titulaire": "C M", "iban": IBAN, "accord": "on", "jeton": jeton}
        client_parent.post(reverse("prelevement"), donnees)
        client_parent.post(reverse("prelevement"), donnees)
        assert MandatSepa.objects.count() == 1

    @pytest.mark.parametrize(
        "champs, message",
        [
            ({"iban": "FR76 1234"}, "IBAN n'est pas valide"),
            ({"iban": "FR14 2004 1010 0505 0001 3M02 607"}, "IBAN n'est pas valide"),
            ({"titulaire": ""}, "Indiquez le titulaire"),
            ({"accord": ""}, "Cochez l'autorisation"),
            ({"bic": "ABC"}, "8 ou 11 caractères"),
        ],
    )
    def test_bad_input_gets_a_message_and_writes_nothing(self, client_parent, champs, message):
        reponse = _signer(client_parent, **champs)
        assert reponse.status_code == 200
        assert message in html.unescape(reponse.content.decode())
        assert not MandatSepa.objects.exists()

    def test_one_active_mandate_per_household(self, parent):
        sepa.signer_mandat(parent.famille, parent.user, "C M", IBAN)
        with pytest.raises(finances.FinanceError, match="déjà actif"):
            sepa.signer_mandat(parent.famille, parent.user, "C M", IBAN_2)

    def test_a_stranger_sees_only_their_own_household(self, client, parent, etranger):
        mandat = sepa.signer_mandat(parent.famille, parent.user, "C M", IBAN)
        client.force_login(etranger.user)
        page = client.get(reverse("prelevement")).content.decode()
        assert mandat.rum not in page and "Signer le mandat" in page
        client.post(reverse("revoquer_prelevement"))
        mandat.refresh_from_db()
        assert mandat.actif


@pytest.fixture
def octobre(parent, cantine, inscription):
    """Three households invoiced for October 2026; two have a mandate."""
    _tarif(cantine)
    for j in (1, 2, 5):
        _jour(inscription, D(2026, 10, j))  # 13.50
    deux = creer_responsable(email="deux@example.org")
    creer_enfant(deux.famille, prenom="Tom")
    _jour(inscrire(deux.famille, cantine, prenom="Tom"), D(2026, 10, 1))  # 4.50
    trois = creer_responsable(email="trois@example.org")
    creer_enfant(trois.famille, prenom="Noé")
    _jour(inscrire(trois.famille, cantine, prenom="Noé"), D(2026, 10, 2))  # 4.50, no mandate
    finances.facturer_mois(D(2026, 10, 1))
    sepa.signer_mandat(parent.famille, parent.user, "Camille Martin", IBAN)
    sepa.signer_mandat(deux.famille, deux.user, "Jean Deux", IBAN_2)
    return deux


def _generer(client, executer_taches, captures, mois="2026-10", date="2026-12-05"):
    with captures(execute=True):
        reponse = client.post(
            reverse("admin:comptes_remiseprelevement_add"),
            {"mois": mois, "date_prelevement": date},
        )
    executer_taches()
    return reponse


class TestFichier:
    def test_the_file_validates_and_its_totals_equal_the_invoices(
        self, client, parent, agent, octobre, executer_taches, django_capture_on_commit_callbacks
    ):
        regisseur = creer_agent("regie@example.org", REGISSEUR)
        # Part already paid at the counter: only what is left is debited.
        facture = Facture.objects.get(famille=parent.famille)
        finances.enregistrer_paiement(parent.famille, "3,50", "cheque", agent, facture)
        client.force_login(regisseur)
        reponse = _generer(client, executer_taches, django_capture_on_commit_callbacks)
        remise = RemisePrelevement.objects.get()
        assert reponse.status_code == 302
        assert remise.etat == "terminee", remise.erreur
        assert (remise.nombre, remise.total) == (2, E("14.50"))  # 10.00 + 4.50
        telechargement = client.get(
            reverse("admin:comptes_remiseprelevement_fichier", args=[remise.pk])
        )
        xml = b"".join(telechargement.streaming_content)
        xmlschema.XMLSchema(SCHEMA).validate(xml.decode())  # raises if invalid
        arbre = etree.fromstring(xml)
        montants = [E(m) for m in arbre.xpath("//p:DrctDbtTxInf/p:InstdAmt/text()", namespaces=NS)]
        assert sorted(montants) == [E("4.50"), E("10.00")]
        assert E(arbre.xpath("//p:GrpHdr/p:CtrlSum/text()", namespaces=NS)[0]) == E("14.50")
        assert set(arbre.xpath("//p:SeqTp/text()", namespaces=NS)) == {"FRST"}
        assert arbre.xpath("//p:ReqdColltnDt/text()", namespaces=NS) == ["2026-12-05"]
        assert arbre.xpath("//p:CdtrSchmeId//p:Id/text()", namespaces=NS) == ["FR12ZZZ123456"]
        # The invoices show as paid: a Paiement of mode prélèvement each.
        paye = finances.paye_par_facture([facture])[facture.pk]
        assert finances.statut_facture(facture, paye) == "payée"
        assert Paiement.objects.filter(mode="prelevement").count() == 2

    def test_second_debit_of_a_mandate_is_recurrent_and_nothing_is_debited_twice(
        self, client, parent, octobre, cantine, inscription, horloge, executer_taches,
        django_capture_on_commit_callbacks,
    ):  # fmt: skip
        client.force_login(creer_agent("regie@example.org", REGISSEUR))
        _generer(client, executer_taches, django_capture_on_commit_callbacks)
        _generer(client, executer_taches, django_capture_on_commit_callbacks)
        seconde = RemisePrelevement.objects.order_by("pk").last()
        assert seconde.etat == "echec" and "Aucune facture" in seconde.erreur
        _jour(inscription, D(2026, 11, 3))
        horloge.move_to(datetime.datetime(2026, 12, 2, 10, tzinfo=PARIS))
        finances.facturer_mois(D(2026, 11, 1))
        _generer(
            client, executer_taches, django_capture_on_commit_callbacks, "2026-11", "2026-12-10"
        )
        novembre = LignePrelevement.objects.get(facture__mois=D(2026, 11, 1))
        assert novembre.sequence == "RCUR" and novembre.montant == E("4.50")

    def test_a_date_too_soon_is_refused(self, client, octobre, django_capture_on_commit_callbacks):
        client.force_login(creer_agent("regie@example.org", REGISSEUR))
        reponse = client.post(
            reverse("admin:comptes_remiseprelevement_add"),
            {"mois": "2026-10", "date_prelevement": "2026-11-28"},
        )
        assert "au moins deux jours" in reponse.content.decode()
        assert not RemisePrelevement.objects.exists()

    def test_ibans_and_the_file_are_for_the_finance_role(
        self, client, octobre, executer_taches, django_capture_on_commit_callbacks
    ):
        gestionnaire = creer_agent("gestion@example.org", GESTIONNAIRE)
        client.force_login(gestionnaire)
        _generer(client, executer_taches, django_capture_on_commit_callbacks)
        remise = RemisePrelevement.objects.get()
        url = reverse("admin:comptes_remiseprelevement_fichier", args=[remise.pk])
        assert client.get(url).status_code == 403
        assert client.get(reverse("admin:comptes_mandatsepa_changelist")).status_code == 403
        client.force_login(creer_agent("regie@example.org", REGISSEUR))
        assert client.get(url).status_code == 200
        page = client.get(reverse("admin:comptes_mandatsepa_changelist")).content.decode()
        assert IBAN.replace(" ", "") in page


class TestRejet:
    def test_a_reject_cancels_the_payment_and_tells_the_family(
        self, client, parent, coparent, octobre, executer_taches,
        django_capture_on_commit_callbacks,
    ):  # fmt: skip
        regisseur = creer_agent("regie@example.org", REGISSEUR)
        client.force_login(regisseur)
        _generer(client, executer_taches, django_capture_on_commit_callbacks)
        ligne = LignePrelevement.objects.get(facture__famille=parent.famille)
        mail.outbox.clear()
        url = reverse("admin:comptes_ligneprelevement_changelist")
        choix = {"action": "enregistrer_rejet", "_selected_action": [ligne.pk]}
        page = client.post(url, choix)
        assert "Motif donné par la banque" in page.content.decode()
        assert client.post(url, {**choix, "motif": ""}).status_code == 200
        ligne.refresh_from_db()
        assert ligne.statut == "preleve"
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url, {**choix, "motif": "AM04"})
        executer_taches()
        ligne.refresh_from_db()
        assert (ligne.statut, ligne.motif_rejet) == ("rejete", "AM04")
        facture = ligne.facture
        paye = finances.paye_par_facture([facture])[facture.pk]
        assert paye == 0 and finances.statut_facture(facture, paye) == "à payer"
        assert finances.solde(parent.famille) == E("13.50")
        assert sorted(m.to[0] for m in mail.outbox) == [
            "coparent@example.org",
            "parent@example.org",
        ]
        assert "provision insuffisante" in mail.outbox[0].body
        assert ligne.history.count() == 2  # audited
        with pytest.raises(finances.FinanceError, match="déjà rejeté"):
            sepa.rejeter(ligne, "AM04", regisseur)
        # A rejected invoice may be debited again in a later file.
        assert [f for f, _, _ in sepa.a_prelever(D(2026, 10, 1))] == [facture]


def test_the_mandate_page_runs_constant_queries(client_parent, parent, django_assert_num_queries):
    client_parent.get(reverse("prelevement"))
    # session, user with responsable and household (comptes/backends.py), the active mandate
    with django_assert_num_queries(3):
        client_parent.get(reverse("prelevement"))
    sepa.signer_mandat(parent.famille, parent.user, "C M", IBAN)
    with django_assert_num_queries(3):
        assert "Révoquer" in client_parent.get(reverse("prelevement")).content.decode()
