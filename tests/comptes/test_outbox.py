import datetime
from unittest import mock

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from comptes.models import Courriel
from comptes.outbox import queue_email, send_queued


def _invitation(user):
    return queue_email(user.email, "invitation", {"user": user, "lien": "http://x/", "jours": 7})


def test_sending_waits_for_the_commit(parent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _invitation(parent.user)
    assert len(callbacks) == 1  # sending waits for the commit
    assert mail.outbox == []


def test_a_failed_send_is_kept_and_retried(parent, django_capture_on_commit_callbacks):
    with (
        mock.patch("comptes.outbox.send_mail", side_effect=OSError("SMTP indisponible")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        courriel = _invitation(parent.user)
    courriel.refresh_from_db()
    assert courriel.statut == Courriel.Statut.ECHEC
    assert "SMTP indisponible" in courriel.derniere_erreur
    assert mail.outbox == []

    call_command("envoyer_courriels", stdout=mock.MagicMock())
    courriel.refresh_from_db()
    assert courriel.statut == Courriel.Statut.ECHEC  # too recent: left alone for 2 minutes
    call_command("envoyer_courriels", "--tout", stdout=mock.MagicMock())
    courriel.refresh_from_db()
    assert courriel.statut == Courriel.Statut.ENVOYE
    assert courriel.tentatives == 2
    assert len(mail.outbox) == 1
    assert "Portail Famille" in mail.outbox[0].subject


def test_a_claimed_email_is_not_sent_twice(parent):
    courriel = _invitation(parent.user)
    Courriel.objects.filter(pk=courriel.pk).update(en_cours_depuis=timezone.now())
    assert send_queued(courriel.pk) is True  # someone else is on it
    assert mail.outbox == []
    Courriel.objects.filter(pk=courriel.pk).update(
        en_cours_depuis=timezone.now() - datetime.timedelta(minutes=11)
    )
    send_queued(courriel.pk)  # that claimant died: take over
    assert len(mail.outbox) == 1
