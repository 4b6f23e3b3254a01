"""Staff check documents in "Demandes à traiter": a file is accepted only once the agent
has opened it (never in bulk unseen), refused with a reason; the family is e-mailed."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from familles import documents
from familles.models import Document, TypeDocument
from portail.models import Demande
from portail.roles import AGENT_ACCUEIL, DIRECTION_SITE
from tests.conftest import creer_agent, creer_enfant
from tests.familles.documents_aide import creer_type, deposer

DEMANDES = reverse("admin:portail_demande_changelist")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def document(parent):
    return deposer(parent, creer_type(validite="mois", duree_mois=12), creer_enfant(parent.famille))


def _accepter_en_masse(client, *demandes):
    return client.post(
        DEMANDES,
        {"action": "accepter", ACTION_CHECKBOX_NAME: [d.pk for d in demandes]},
        follow=True,
    )


def test_a_document_is_not_accepted_in_bulk_without_being_opened(client_agent, document):
    response = _accepter_en_masse(client_agent, document.demande)
    assert "avant de l&#x27;accepter" in response.content.decode()
    document.refresh_from_db()
    assert document.statut == Document.Statut.EN_ATTENTE
    assert Demande.objects.get().est_en_attente


def test_opening_it_from_the_list_then_accepting_makes_it_valid_and_tells_the_family(
    client_agent, agent, document, django_capture_on_commit_callbacks, executer_taches
):
    liste = client_agent.get(DEMANDES).content.decode()
    lien = reverse("document_fichier", args=[document.pk])
    assert lien in liste and "Ouvrir le document (à ouvrir avant de l&#x27;accepter)" in liste
    assert client_agent.get(lien).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        _accepter_en_masse(client_agent, document.demande)
    executer_taches()
    document.refresh_from_db()
    assert document.statut == Document.Statut.ACCEPTE
    assert document.consulte_par == agent
    depot = timezone.localdate(document.depose_le)  # Paris day, not UTC
    assert document.valide_jusqu_au == documents._plus_mois(depot, 12) - datetime.timedelta(1)
    assert [m.to for m in mail.outbox] == [["parent@example.org"]]
    assert "acceptée" in mail.outbox[0].subject


def test_another_agent_having_opened_it_is_not_enough(client, agent, document):
    documents.noter_consultation(document, creer_agent("autre@example.org"))
    client.force_login(agent)
    _accepter_en_masse(client, document.demande)
    document.refresh_from_db()
    assert document.statut == Document.Statut.EN_ATTENTE


def test_refusing_from_the_request_page_sends_the_reason(
    client_agent, document, django_capture_on_commit_callbacks, executer_taches
):
    page = client_agent.get(reverse("admin:portail_demande_change", args=[document.demande_id]))
    assert reverse("document_fichier", args=[document.pk]) in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client_agent.post(
            reverse("admin:portail_demande_refuser", args=[document.demande_id]),
            {"motif": "La date d'effet n'est pas lisible."},
        )
    executer_taches()
    document.refresh_from_db()
    assert document.statut == Document.Statut.REFUSE
    assert "La date d'effet n'est pas lisible." in mail.outbox[0].body


def test_a_role_without_documents_cannot_download_them(client, document):
    client.force_login(creer_agent("direction@example.org", DIRECTION_SITE))
    assert client.get(reverse("document_fichier", args=[document.pk])).status_code == 404


def test_the_front_desk_can_open_and_accept(client, document):
    accueil = creer_agent("accueil@example.org", AGENT_ACCUEIL)
    client.force_login(accueil)
    assert client.get(reverse("document_fichier", args=[document.pk])).status_code == 200
    _accepter_en_masse(client, document.demande)
    document.refresh_from_db()
    assert document.statut == Document.Statut.ACCEPTE


def test_staff_define_a_type_and_the_activities_that_require_it(client_agent, db):
    from inscriptions.models import Activite, Periode, Site

    periode = Periode.objects.create(
        nom="2026-2027", debut=datetime.date(2026, 9, 1), fin=datetime.date(2027, 7, 3)
    )
    activite = Activite.objects.create(
        nom="Mercredis",
        type=Activite.Type.LOISIRS_MERCREDI,
        site=Site.objects.create(nom="Centre"),
        periode=periode,
        ouverture_inscriptions=datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC),
        fermeture_inscriptions=datetime.datetime(2027, 6, 1, tzinfo=datetime.UTC),
    )
    url = reverse("admin:familles_typedocument_add")
    donnees = {"nom": "Assurance", "portee": "enfant", "validite": "mois", "actif": "on"}
    response = client_agent.post(url, {**donnees, "activites": [activite.pk]})
    assert "Indiquez la durée de validité en mois." in response.content.decode()
    assert not TypeDocument.objects.exists()
    response = client_agent.post(url, {**donnees, "duree_mois": "12", "activites": [activite.pk]})
    assert response.status_code == 302
    assert list(activite.documents_requis.all()) == [TypeDocument.objects.get()]
