"""RGPD: "Mes données" (export), closing an account, and the retention job."""

import datetime
import io
import json

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from comptes.models import Courriel, Facture, Revenu
from comptes.services import finances
from familles.models import Enfant, Famille, PersonneAutorisee, Rattachement, Responsable
from portail import rgpd
from portail import services as portail_services
from portail.models import Demande
from reservations import services as reservations
from reservations.models import Reservation
from tests.conftest import creer_enfant
from tests.finances.aide import jour as _jour
from tests.finances.aide import tarif as _tarif
from tests.finances.conftest import *  # noqa: F403 - frozen clock, season, canteen

D = datetime.date


def _export(client) -> dict:
    response = client.get(reverse("mes_donnees_json"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return json.loads(response.content)


def _section(donnees: dict, titre: str) -> list[dict]:
    return next(s for s in donnees["sections"] if s["titre"] == titre)["elements"]


def test_the_export_holds_the_household_and_nothing_of_another(
    client_parent, parent, coparent, etranger
):
    enfant = creer_enfant(parent.famille, "Léa", allergies="Arachide")
    PersonneAutorisee.objects.create(
        enfant=enfant, nom="Durand", prenom="Mamie", lien="Grand-mère", telephone="0612345678"
    )
    creer_enfant(etranger.famille, "Intrus")
    donnees = _export(client_parent)
    assert {r["nom"] for r in _section(donnees, "Responsables légaux")} == {"Martin"}
    assert len(_section(donnees, "Responsables légaux")) == 2
    assert _section(donnees, "Enfants")[0]["allergies"] == "Arachide"
    assert _section(donnees, "Personnes autorisées à récupérer les enfants")[0]["prenom"] == (
        "Mamie"
    )
    texte = json.dumps(donnees, ensure_ascii=False)
    assert "Intrus" not in texte and etranger.user.email not in texte
    assert "password" not in texte


def test_the_export_costs_the_same_queries_whatever_the_family_size(client_parent, parent):
    creer_enfant(parent.famille, "Un")
    with CaptureQueriesContext(connection) as un:
        _export(client_parent)
    for prenom in ("Deux", "Trois", "Quatre"):
        creer_enfant(parent.famille, prenom)
    with CaptureQueriesContext(connection) as quatre:
        _export(client_parent)
    assert len(quatre) == len(un)


def test_the_readable_export_is_a_pdf_with_the_childs_file(client_parent, parent):
    creer_enfant(parent.famille, "Léa", allergies="Arachide")
    response = client_parent.get(reverse("mes_donnees_pdf"))
    assert response["Content-Type"] == "application/pdf"
    texte = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Léa" in texte and "Arachide" in texte
    assert "04/05/2018" in texte  # dates as people write them, not ISO
    assert "T10:00" not in texte


def test_the_closure_request_needs_a_confirmation_and_is_made_once(client_parent, parent):
    url = reverse("demander_cloture")
    response = client_parent.post(url, {"motif": "Déménagement"})
    html = response.content.decode()
    assert "Cochez cette case pour confirmer" in html
    assert "Déménagement" in html  # what was typed is kept
    assert not Demande.objects.filter(type=Demande.Type.CLOTURE).exists()
    client_parent.post(url, {"confirmation": "oui", "motif": "Déménagement"})
    client_parent.post(url, {"confirmation": "oui", "motif": "Déménagement"})
    demande = Demande.objects.get(type=Demande.Type.CLOTURE)
    assert demande.est_en_attente
    page = client_parent.get(reverse("mes_donnees")).content.decode()
    assert "est en attente" in page


def _cloture(responsable) -> Demande:
    return rgpd.demander_cloture(responsable, "Déménagement")


def test_accepting_a_closure_erases_what_the_law_allows_and_keeps_invoices(
    client, parent, coparent, agent, inscription, cantine
):
    enfant = inscription.enfant
    enfant.allergies = "Arachide"
    enfant.save()
    PersonneAutorisee.objects.create(
        enfant=enfant, nom="Durand", prenom="Mamie", lien="Grand-mère", telephone="0612345678"
    )
    _tarif(cantine)
    _jour(inscription, D(2026, 10, 1))
    finances.facturer_mois(D(2026, 10, 1))
    facture = Facture.objects.get()
    finances.enregistrer_paiement(parent.famille, facture.montant, "especes", facture=facture)
    reservations.reserver(inscription, [D(2026, 12, 3)])
    finances.declarer_revenus(parent, 2025, "30000", SimpleUploadedFile("a.pdf", b"%PDF-1.4 x"))
    ancien_email = parent.user.email
    from django.contrib.admin.models import CHANGE, LogEntry

    from inscriptions import services as inscriptions_services

    attestation = inscriptions_services.emettre_attestation(inscription, agent)
    LogEntry.objects.log_actions(agent.pk, [parent.famille], CHANGE, change_message="[]")

    portail_services.accepter_demande(_cloture(parent).pk, agent)

    enfant.refresh_from_db()
    assert (enfant.prenom, enfant.nom, enfant.allergies) == ("Enfant 1", "Anonyme", "")
    assert enfant.date_naissance == D(2018, 1, 1)
    assert not PersonneAutorisee.objects.exists()
    for responsable in Responsable.objects.filter(famille=parent.famille).select_related("user"):
        assert responsable.nom == "Anonyme" and responsable.telephone_mobile == ""
        assert not responsable.user.is_active and not responsable.user.has_usable_password()
        assert responsable.user.email.endswith("@anonyme.invalid")
    famille = Famille.objects.get(pk=parent.famille_id)
    assert famille.anonymisee_le is not None and "Martin" not in famille.nom
    # The audit trail no longer holds the old values.
    assert not Enfant.history.filter(prenom="Léa").exists()
    assert not Responsable.history.filter(nom="Martin").exists()
    assert not PersonneAutorisee.history.exists()  # its deletion rows held the names too
    assert not LogEntry.objects.filter(object_repr__contains="Martin").exists()
    # An attestation already issued no longer names the child on the public check.
    verification = client.get(
        reverse("verifier"),
        {"numero": attestation.numero, "code": attestation.code_verification},
    ).content.decode()
    assert "Attestation authentique" in verification and "Léa" not in verification
    # Coming days are given back; the invoice and its payment stay as issued.
    assert not Reservation.objects.filter(date=D(2026, 12, 3)).actives().exists()
    facture.refresh_from_db()
    assert facture.destinataire and finances.solde(famille) == 0
    assert Revenu.objects.get().justificatif == ""
    assert Courriel.objects.filter(destinataire=ancien_email, sujet__contains="clos").exists()
    assert not client.login(email=ancien_email, password="mot-de-passe-de-test-42")


def test_a_household_that_still_owes_money_is_not_erased(parent, agent, inscription, cantine):
    _tarif(cantine)
    _jour(inscription, D(2026, 10, 1))
    finances.facturer_mois(D(2026, 10, 1))
    demande = _cloture(parent)
    with pytest.raises(rgpd.RgpdError, match="doit encore"):
        portail_services.accepter_demande(demande.pk, agent)
    demande.refresh_from_db()
    parent.refresh_from_db()
    assert demande.est_en_attente and parent.nom == "Martin"


def test_a_child_with_another_home_keeps_its_file_there(parent, etranger, agent):
    enfant = creer_enfant(parent.famille, "Léa", allergies="Arachide")
    Rattachement.objects.create(enfant=enfant, famille=etranger.famille)
    portail_services.accepter_demande(_cloture(parent).pk, agent)
    enfant.refresh_from_db()
    assert (enfant.prenom, enfant.allergies) == ("Léa", "Arachide")
    assert list(Enfant.objects.for_famille(etranger.famille)) == [enfant]
    assert not Enfant.objects.for_famille(parent.famille).exists()


def test_only_staff_allowed_to_delete_households_close_accounts(parent, agent):
    from django.contrib.auth.models import Permission

    agent.groups.clear()
    agent.user_permissions.add(Permission.objects.get(codename="change_demande"))
    agent = type(agent).objects.get(pk=agent.pk)
    demande = _cloture(parent)
    with pytest.raises(portail_services.DemandeError, match="Clôture du compte"):
        portail_services.accepter_demande(demande.pk, agent)
    parent.refresh_from_db()
    assert parent.nom == "Martin"


class TestRetention:
    def test_it_purges_what_expired_and_keeps_the_rest(
        self, parent, etranger, django_capture_on_commit_callbacks
    ):
        Courriel.objects.create(destinataire="a@example.org", sujet="Ancien", corps="x")
        revenu = finances.declarer_revenus(
            parent, 2023, "30000", SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")
        )
        nom = revenu.justificatif.name
        enfant = creer_enfant(parent.famille, "Léa")
        voisin = creer_enfant(etranger.famille, "Noé", allergies="Arachide")
        with time_machine.travel(datetime.datetime(2029, 12, 1, 10), tick=False):
            # The stranger's household was used recently; the parent's never again.
            etranger.user.last_login = datetime.datetime(2029, 11, 1, tzinfo=datetime.UTC)
            etranger.user.save()
            Courriel.objects.create(destinataire="b@example.org", sujet="Récent", corps="x")
            simulation = rgpd.purger(simulation=True)
            assert Courriel.objects.count() == 2 and simulation["courriels"] == 1
            sortie = io.StringIO()
            with django_capture_on_commit_callbacks(execute=True):
                call_command("purger_donnees", stdout=sortie)
        assert list(Courriel.objects.values_list("sujet", flat=True)) == ["Récent"]
        revenu.refresh_from_db()
        assert revenu.justificatif == "" and revenu.montant_annuel == 30000
        from django.core.files.storage import default_storage

        assert not default_storage.exists(nom)
        enfant.refresh_from_db()
        assert enfant.prenom == "Enfant 1"  # the inactive household was anonymised
        voisin.refresh_from_db()
        assert (voisin.prenom, voisin.allergies) == ("Noé", "")  # health data expired
        assert not Enfant.history.filter(id=voisin.pk, allergies="Arachide").exists()
        etranger.refresh_from_db()
        assert etranger.nom == "Autre"
        assert "1 foyers inactifs anonymisés" in sortie.getvalue()

    def test_a_stored_proof_that_no_row_points_to_is_removed_after_a_day(self, parent):
        import os

        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        gardé = finances.declarer_revenus(
            parent, 2025, "30000", SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")
        ).justificatif.name
        orphelin = default_storage.save("justificatifs/2026/orphelin.pdf", ContentFile(b"%PDF"))
        recent = default_storage.save("justificatifs/2026/en-cours.pdf", ContentFile(b"%PDF"))
        hier = datetime.datetime(2026, 11, 25).timestamp()
        for nom in (orphelin, gardé):
            os.utime(default_storage.path(nom), (hier, hier))
        assert rgpd.purger()["fichiers_orphelins"] == 1
        assert not default_storage.exists(orphelin)
        assert default_storage.exists(gardé) and default_storage.exists(recent)
        default_storage.delete(recent)

    def test_an_active_household_is_kept(self, parent, inscription):
        with time_machine.travel(datetime.datetime(2027, 6, 1, 10), tick=False):
            assert rgpd.purger()["foyers_anonymises"] == 0
        parent.refresh_from_db()
        assert parent.nom == "Martin"


def test_the_export_costs_the_same_queries_with_more_enrolments_and_days(
    client_parent, parent, cantine
):
    from tests.reservations.conftest import inscrire

    reservations.reserver(inscrire(parent.famille, cantine, "Un"), [D(2026, 12, 3)])
    with CaptureQueriesContext(connection) as un:
        _export(client_parent)
    for prenom in ("Deux", "Trois", "Quatre"):
        inscription = inscrire(parent.famille, cantine, prenom)
        reservations.reserver(inscription, [D(2026, 12, 3), D(2026, 12, 4), D(2026, 12, 7)])
    with CaptureQueriesContext(connection) as quatre:
        donnees = _export(client_parent)
    assert len(_section(donnees, "Réservations et présences")) == 10
    assert len(quatre) == len(un)


def test_days_served_but_not_invoiced_are_invoiced_before_the_account_closes(
    parent, agent, inscription, cantine
):
    _tarif(cantine)
    _jour(inscription, D(2026, 11, 2))  # attended this month, invoiced next month
    demande = _cloture(parent)
    with pytest.raises(rgpd.RgpdError, match="à facturer depuis le 02/11/2026"):
        portail_services.accepter_demande(demande.pk, agent)
    parent.refresh_from_db()
    assert parent.nom == "Martin"


def test_the_mandate_is_exported_and_revoked_when_the_account_closes(client_parent, parent):
    from comptes.services import sepa

    mandat = sepa.signer_mandat(
        parent.famille, parent.user, "Camille Martin", "FR7630001007941234567890185"
    )
    assert _section(_export(client_parent), "Mandats de prélèvement")[0]["rum"] == mandat.rum
    rgpd.anonymiser_famille(parent.famille)
    mandat.refresh_from_db()
    assert not mandat.actif
