"""One queue per job: what each row asks, a decision in one click from the list, the reason
asked in a small form, income proofs opened before they are accepted."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from comptes.services import finances
from inscriptions.models import Inscription
from portail.models import Demande
from portail.roles import DIRECTION_SITE
from reservations.models import Reservation
from tests.conftest import creer_agent
from tests.portail.test_admin_demandes import _demande_adresse
from tests.reservations.conftest import *  # noqa: F403 - horloge, cantine…
from tests.reservations.conftest import inscrire

DEMANDES = reverse("admin:portail_demande_changelist")
INSCRIPTIONS = reverse("admin:inscriptions_inscription_changelist")
D = datetime.date


@pytest.fixture
def demande_adresse(parent):
    return _demande_adresse(parent)


@pytest.fixture
def demande_reservation(parent, cantine):
    inscription = inscrire(parent.famille, cantine)
    demande = Demande.objects.create(
        famille=parent.famille,
        type=Demande.Type.RESERVATION,
        inscription=inscription,
        objet="Léa Test — Restauration scolaire : 2 jours demandés",
    )
    for jour in (D(2026, 12, 3), D(2026, 12, 7)):
        Reservation.objects.create(
            inscription=inscription,
            enfant=inscription.enfant,
            activite=cantine,
            date=jour,
            etat=Reservation.Etat.DEMANDEE,
            demande=demande,
        )
    return demande


@pytest.fixture
def inscription_en_attente(parent, cantine):
    return _inscription_en_attente(parent, cantine)


def _inscription_en_attente(parent, cantine):
    inscription = inscrire(parent.famille, cantine, "Tom")
    inscription.statut = Inscription.Statut.EN_ATTENTE
    inscription.save()
    Demande.objects.create(
        famille=parent.famille,
        type=Demande.Type.INSCRIPTION,
        inscription=inscription,
        objet="Tom Test — Restauration scolaire",
    )
    return inscription


def test_a_booking_request_says_which_dates(client_agent, demande_reservation):
    html = client_agent.get(DEMANDES).content.decode()
    assert "Dates : jeu 03/12/2026, lun 07/12/2026" in html


def test_an_enrolment_waits_in_the_enrolment_queue_only(
    client_agent, demande_adresse, inscription_en_attente
):
    html = client_agent.get(DEMANDES).content.decode()
    assert demande_adresse.objet in html
    assert "Tom Test — Restauration scolaire" not in html
    assert "Inscriptions à traiter</a>\n  (1 à décider)" in html
    assert "Tom" in client_agent.get(INSCRIPTIONS).content.decode()
    # Still in the requests' history.
    assert "Tom Test" in client_agent.get(DEMANDES, {"statut": "toutes"}).content.decode()


def test_accepting_takes_one_click_from_the_list(client_agent, demande_adresse, parent):
    html = client_agent.get(DEMANDES).content.decode()
    url = reverse("admin:portail_demande_accepter", args=[demande_adresse.pk])
    assert f'formaction="{url}"' in html
    response = client_agent.post(url, {"suivant": DEMANDES + "?type__exact=coordonnees"})
    assert response.status_code == 302
    assert response["Location"] == DEMANDES + "?type__exact=coordonnees"
    demande_adresse.refresh_from_db()
    assert demande_adresse.statut == Demande.Statut.ACCEPTEE


def test_the_list_never_sends_staff_elsewhere(client_agent, demande_adresse):
    url = reverse("admin:portail_demande_accepter", args=[demande_adresse.pk])
    response = client_agent.post(url, {"suivant": "https://ailleurs.example/"})
    assert response["Location"] == reverse(
        "admin:portail_demande_change", args=[demande_adresse.pk]
    )


def test_refusing_from_the_list_asks_the_reason_in_a_small_form(client_agent, demande_adresse):
    url = reverse("admin:portail_demande_refuser", args=[demande_adresse.pk])
    assert url in client_agent.get(DEMANDES).content.decode()
    page = client_agent.get(url, {"suivant": DEMANDES}).content.decode()
    assert "Motif du refus (envoyé à la famille)" in page
    response = client_agent.post(url, {"motif": " ", "suivant": DEMANDES})
    assert "Indiquez le motif du refus" in response.content.decode()
    demande_adresse.refresh_from_db()
    assert demande_adresse.est_en_attente
    response = client_agent.post(url, {"motif": "Justificatif manquant", "suivant": DEMANDES})
    assert response["Location"] == DEMANDES
    demande_adresse.refresh_from_db()
    assert (demande_adresse.statut, demande_adresse.reponse) == (
        Demande.Statut.REFUSEE,
        "Justificatif manquant",
    )


@pytest.fixture
def demande_revenus(parent):
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    fichier = SimpleUploadedFile("avis.pdf", pdf, content_type="application/pdf")
    return finances.declarer_revenus(parent, 2025, "24000", fichier).demande


def test_income_proofs_are_not_accepted_in_bulk(client_agent, demande_revenus, demande_adresse):
    response = client_agent.post(
        DEMANDES,
        {"action": "accepter", ACTION_CHECKBOX_NAME: [demande_revenus.pk, demande_adresse.pk]},
        follow=True,
    )
    assert "1 justificatif de revenus non accepté : ouvrez chaque demande" in (
        response.content.decode()
    )
    demande_revenus.refresh_from_db()
    demande_adresse.refresh_from_db()
    assert demande_revenus.est_en_attente
    assert demande_adresse.statut == Demande.Statut.ACCEPTEE


def test_an_income_proof_is_opened_then_accepted(client_agent, demande_revenus):
    html = client_agent.get(DEMANDES).content.decode()
    ouvrir = reverse("admin:portail_demande_change", args=[demande_revenus.pk])
    assert f'href="{ouvrir}">Ouvrir pour vérifier' in html
    accepter = reverse("admin:portail_demande_accepter", args=[demande_revenus.pk])
    assert f'formaction="{accepter}"' not in html
    client_agent.post(accepter)  # not from its page: refused
    demande_revenus.refresh_from_db()
    assert demande_revenus.est_en_attente
    page = client_agent.get(ouvrir).content.decode()
    revenu = demande_revenus.revenu
    lien = reverse("justificatif_revenus", args=[revenu.pk])
    assert f'<a href="{lien}">Ouvrir le justificatif</a>' in page
    assert "J'ai vérifié le justificatif" in page
    assert client_agent.get(lien).status_code == 200
    client_agent.post(accepter, {"verifie": "1"})
    demande_revenus.refresh_from_db()
    assert demande_revenus.statut == Demande.Statut.ACCEPTEE


def test_enrolments_are_validated_in_one_click(client_agent, inscription_en_attente):
    url = reverse("admin:inscriptions_inscription_valider", args=[inscription_en_attente.pk])
    assert f'formaction="{url}"' in client_agent.get(INSCRIPTIONS).content.decode()
    response = client_agent.post(url, {"suivant": INSCRIPTIONS})
    assert response["Location"] == INSCRIPTIONS
    inscription_en_attente.refresh_from_db()
    assert inscription_en_attente.statut == Inscription.Statut.VALIDEE
    demande = Demande.objects.get(inscription=inscription_en_attente)
    assert demande.statut == Demande.Statut.ACCEPTEE  # closed with it


def test_enrolments_are_refused_with_a_reason(client_agent, inscription_en_attente):
    url = reverse("admin:inscriptions_inscription_refuser", args=[inscription_en_attente.pk])
    assert "Motif du refus" in client_agent.get(url).content.decode()
    assert "Indiquez le motif" in client_agent.post(url, {"motif": ""}).content.decode()
    client_agent.post(url, {"motif": "Complet cette année"})
    inscription_en_attente.refresh_from_db()
    assert inscription_en_attente.statut == Inscription.Statut.REFUSEE
    assert inscription_en_attente.motif_refus == "Complet cette année"


def test_read_only_roles_get_no_decision_buttons(client, inscription_en_attente, site):
    directrice = creer_agent("directrice@example.org", DIRECTION_SITE)
    site.directeurs.add(directrice)
    client.force_login(directrice)
    html = client.get(INSCRIPTIONS).content.decode()
    assert "Tom" in html and "formaction" not in html
    url = reverse("admin:inscriptions_inscription_valider", args=[inscription_en_attente.pk])
    assert client.post(url).status_code == 403
    inscription_en_attente.refresh_from_db()
    assert inscription_en_attente.statut == Inscription.Statut.EN_ATTENTE
