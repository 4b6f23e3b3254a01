"""Issue #8, defect 9: no request waits on the mail server, and no mail is lost.

A real SMTP server in a thread first stalls (accepts the connection, never answers),
then refuses (451), then accepts. Requests that send mail never connect to it; the
worker retries with a growing delay and delivers each mail exactly once.
"""

import datetime
import email
import email.policy
import io
import logging
import socketserver
import threading
from collections import Counter

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comptes.models import Courriel
from comptes.outbox import queue_raw
from inscriptions import services as inscriptions
from reservations import services as reservations
from tests.conftest import creer_enfant
from tests.reservations.conftest import *  # noqa: F403 - frozen clock, cantine…
from tests.reservations.conftest import inscrire

MINUTE = datetime.timedelta(minutes=1)
D = datetime.date


class ServeurSMTP:
    """Just enough SMTP for Django's backend; `mode` is "bloque", "refuse" or "accepte"."""

    def __init__(self):
        self.mode = "bloque"
        self.connexions = 0
        self.recus: list[tuple[str, str]] = []  # (recipient, subject)
        serveur = self

        class Session(socketserver.StreamRequestHandler):
            def handle(self):
                serveur.connexions += 1
                if serveur.mode == "bloque":
                    while self.request.recv(1024):  # until the client gives up
                        pass
                    return
                self.repondre("220 test ESMTP")
                while ligne := self.rfile.readline():
                    verbe = ligne[:4].upper()
                    if verbe == b"QUIT":
                        self.repondre("221 bye")
                        return
                    if verbe == b"RCPT" and serveur.mode == "refuse":
                        self.repondre("451 4.3.0 try again later")
                    elif verbe == b"DATA":
                        self.repondre("354 go ahead")
                        donnees = b"".join(iter(self.rfile.readline, b".\r\n"))
                        message = email.message_from_bytes(donnees, policy=email.policy.default)
                        serveur.recus.append((message["To"], message["Subject"].strip()))
                        self.repondre("250 queued")
                    else:  # EHLO, MAIL, RCPT, RSET
                        self.repondre("250 ok")

            def repondre(self, texte):
                self.wfile.write(texte.encode() + b"\r\n")

        self._serveur = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Session)
        self._serveur.daemon_threads = True
        self.port = self._serveur.server_address[1]
        threading.Thread(target=self._serveur.serve_forever, daemon=True).start()

    def arreter(self):
        self._serveur.shutdown()
        self._serveur.server_close()


@pytest.fixture
def serveur_smtp(settings):
    serveur = ServeurSMTP()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", serveur.port
    settings.EMAIL_TIMEOUT = 0.5  # the worker gives up on a stalled server quickly
    yield serveur
    serveur.arreter()


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_requests_never_wait_on_smtp_and_every_mail_arrives_once(
    serveur_smtp,
    parent,
    etranger,
    agent,
    cantine,
    creer_activite,
    horloge,
    django_capture_on_commit_callbacks,
    executer_taches,
):
    # A full day with a family on the waiting list, and three enrolments to validate.
    a_annuler = inscrire(parent.famille, cantine, "Un")
    reservations.reserver(a_annuler, [D(2026, 12, 3)])
    reservations.reserver(inscrire(parent.famille, cantine, "Deux"), [D(2026, 12, 3)])
    reservations.reserver(inscrire(etranger.famille, cantine, "Trois"), [D(2026, 12, 3)])
    soir = creer_activite(nom="Accueil du soir", capacite=30)
    demandes = [
        inscriptions.demander_inscription(
            parent, creer_enfant(parent.famille, prenom=p), soir, D(2026, 12, 1), D(2027, 7, 3)
        )
        for p in ("Ana", "Bea", "Cyd")
    ]
    Courriel.objects.all().delete()  # only the mails of the requests below count

    # The server stalls: each request still returns at once, without connecting to it.
    with django_capture_on_commit_callbacks(execute=True):
        reponse = _client().post(reverse("account_reset_password"), {"email": "parent@example.org"})
    assert reponse.status_code == 302
    assert serveur_smtp.connexions == 0

    with django_capture_on_commit_callbacks(execute=True):
        reponse = _client(parent.user).post(
            reverse("calendrier", args=[a_annuler.pk, 2026, 12]),
            {"affiches": ["2026-12-03"], "jours": []},
        )
    assert reponse.status_code == 302
    assert serveur_smtp.connexions == 0

    with django_capture_on_commit_callbacks(execute=True):
        reponse = _client(agent).post(
            reverse("admin:inscriptions_inscription_changelist"),
            {"action": "valider", ACTION_CHECKBOX_NAME: [d.pk for d in demandes]},
        )
    assert reponse.status_code == 302
    assert serveur_smtp.connexions == 0

    attendus = Counter(Courriel.objects.values_list("destinataire", flat=True))
    assert attendus == {"parent@example.org": 4, "etranger@example.org": 1}
    nombre = attendus.total()

    # The worker meets the stalled server: every attempt times out and is rescheduled.
    assert executer_taches() == nombre
    assert serveur_smtp.connexions == nombre
    assert set(Courriel.objects.values_list("statut", flat=True)) == {Courriel.Statut.ECHEC}
    assert all("timed out" in e for e in Courriel.objects.values_list("derniere_erreur", flat=True))

    # A minute later the server refuses them: two minutes before the next attempt.
    serveur_smtp.mode = "refuse"
    horloge.shift(MINUTE)
    assert executer_taches() == nombre
    assert serveur_smtp.connexions == 2 * nombre
    assert all("451" in e for e in Courriel.objects.values_list("derniere_erreur", flat=True))
    horloge.shift(MINUTE)
    assert executer_taches() == 0  # backing off
    assert serveur_smtp.connexions == 2 * nombre

    # Then it accepts: everything arrives, once.
    serveur_smtp.mode = "accepte"
    horloge.shift(MINUTE)
    assert executer_taches() == nombre
    horloge.shift(datetime.timedelta(hours=2))
    call_command("envoyer_courriels", stdout=io.StringIO())
    executer_taches()
    assert Counter(to for to, _ in serveur_smtp.recus) == attendus
    sujets = Counter(sujet for _, sujet in serveur_smtp.recus)
    assert sujets == Counter(Courriel.objects.values_list("sujet", flat=True))
    assert set(Courriel.objects.values_list("statut", "tentatives")) == {
        (Courriel.Statut.ENVOYE, 3)
    }


def test_a_mail_failing_for_a_day_shows_in_the_admin_and_the_log_and_is_still_retried(
    serveur_smtp,
    parent,
    agent,
    horloge,
    caplog,
    django_capture_on_commit_callbacks,
    executer_taches,
):
    serveur_smtp.mode = "refuse"
    with django_capture_on_commit_callbacks(execute=True):
        courriel = queue_raw("parent@example.org", "Place obtenue", "Bonjour")
    debut = timezone.now()
    with caplog.at_level(logging.WARNING, logger="comptes.outbox"):
        while timezone.now() < debut + datetime.timedelta(hours=26):
            executer_taches()
            courriel.refresh_from_db()
            horloge.move_to(courriel.prochain_essai)
    assert courriel.statut == Courriel.Statut.ECHEC_DURABLE
    assert courriel.prochain_essai - timezone.now() <= datetime.timedelta(hours=1)
    erreurs = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(erreurs) == 1 and f"courriel {courriel.pk}" in erreurs[0]

    admin = _client(agent)
    url = reverse("admin:comptes_courriel_changelist")
    html = admin.get(url).content.decode()
    assert "1 courriel en échec durable" in html
    html = admin.get(url, {"statut__exact": "echec_durable"}).content.decode()
    assert "en échec durable (plus de 24 h)" in html and "Place obtenue" in html

    serveur_smtp.mode = "accepte"
    executer_taches()
    assert serveur_smtp.recus == [("parent@example.org", "Place obtenue")]
    courriel.refresh_from_db()
    assert courriel.statut == Courriel.Statut.ENVOYE
