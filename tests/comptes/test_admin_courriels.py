import datetime

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from comptes import tasks
from comptes.models import Courriel
from portail.roles import AGENT_ACCUEIL
from tests.conftest import creer_agent

URL = reverse("admin:comptes_courriel_changelist")


def _en_echec(**champs) -> Courriel:
    valeurs = {
        "destinataire": "parent@example.org",
        "sujet": "Place obtenue",
        "corps": "Bonjour",
        "statut": Courriel.Statut.ECHEC,
        "tentatives": 6,
        "derniere_erreur": "SMTPRecipientsRefused : 451",
        "prochain_essai": timezone.now() + datetime.timedelta(minutes=30),
        **champs,
    }
    return Courriel.objects.create(**valeurs)


def test_it_needs_the_right_to_handle_mails(client, db):
    client.force_login(creer_agent("accueil@example.org", AGENT_ACCUEIL))
    assert client.get(URL).status_code == 403


def test_resending_queues_it_for_the_worker_without_waiting_in_the_request(
    client_agent, agent, django_capture_on_commit_callbacks, executer_taches
):
    courriel = _en_echec()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_agent.post(
            URL, {"action": "renvoyer", ACTION_CHECKBOX_NAME: [courriel.pk]}, follow=True
        )
    assert "1 courriel remis en file d&#x27;envoi" in response.content.decode()
    assert mail.outbox == []  # the request did not send it
    courriel.refresh_from_db()
    assert courriel.prochain_essai <= timezone.now()
    assert LogEntry.objects.get(object_id=str(courriel.pk)).change_message == "Renvoi demandé"
    executer_taches()
    assert [m.subject for m in mail.outbox] == ["Place obtenue"]


def test_cancelling_stops_the_retries(client_agent, executer_taches):
    courriel = _en_echec(statut=Courriel.Statut.ECHEC_DURABLE, prochain_essai=timezone.now())
    envoye = _en_echec(statut=Courriel.Statut.ENVOYE, prochain_essai=None)
    tasks.envoyer_courriel.enqueue(courriel.pk)
    assert "1 courriel en échec durable" in client_agent.get(URL).content.decode()
    response = client_agent.post(
        URL,
        {"action": "annuler_envoi", ACTION_CHECKBOX_NAME: [courriel.pk, envoye.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert "1 courriel annulé :" in html
    assert "en échec durable :" not in html  # nothing left to worry about
    courriel.refresh_from_db()
    envoye.refresh_from_db()
    assert (courriel.statut, courriel.prochain_essai) == (Courriel.Statut.ANNULE, None)
    assert envoye.statut == Courriel.Statut.ENVOYE
    executer_taches()
    assert mail.outbox == []
