import datetime
import logging
import zoneinfo
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comptes import outbox, tasks
from comptes.models import Courriel

MAINTENANT = datetime.datetime(2026, 11, 27, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def horloge():
    with time_machine.travel(MAINTENANT, tick=False) as traveller:
        yield traveller


def _invitation(user):
    return outbox.queue_email(user.email, "invitation", {"user": user, "lien": "http://x/"})


def _panne(message="SMTP indisponible"):
    return mock.patch("comptes.outbox.send_mail", side_effect=OSError(message))


def test_nothing_leaves_before_the_commit_nor_outside_the_worker(
    parent, django_capture_on_commit_callbacks, executer_taches
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        courriel = _invitation(parent.user)
    assert len(callbacks) == 1  # the task is enqueued after the commit only
    assert not DBTaskResult.objects.exists()
    callbacks[0]()
    assert mail.outbox == []  # enqueued, not sent
    assert executer_taches() == 1
    assert len(mail.outbox) == 1
    assert "Portail Famille" in mail.outbox[0].subject
    courriel.refresh_from_db()
    assert (courriel.statut, courriel.tentatives, courriel.prochain_essai) == (
        Courriel.Statut.ENVOYE,
        1,
        None,
    )


def test_a_failure_is_retried_after_1_then_2_then_4_minutes(
    parent, horloge, django_capture_on_commit_callbacks, executer_taches
):
    with django_capture_on_commit_callbacks(execute=True):
        courriel = _invitation(parent.user)
    with _panne():
        executer_taches()
        courriel.refresh_from_db()
        assert courriel.statut == Courriel.Statut.ECHEC
        assert "SMTP indisponible" in courriel.derniere_erreur
        assert courriel.prochain_essai == timezone.now() + MINUTE
        assert executer_taches() == 0  # not before the delay
        horloge.shift(MINUTE)
        assert executer_taches() == 1
        courriel.refresh_from_db()
        assert courriel.prochain_essai == timezone.now() + 2 * MINUTE
        horloge.shift(2 * MINUTE)
        executer_taches()
        courriel.refresh_from_db()
        assert courriel.prochain_essai == timezone.now() + 4 * MINUTE
    assert mail.outbox == []
    horloge.shift(4 * MINUTE)
    executer_taches()
    courriel.refresh_from_db()
    assert (courriel.statut, courriel.tentatives) == (Courriel.Statut.ENVOYE, 4)
    assert len(mail.outbox) == 1


def test_the_delay_grows_up_to_an_hour():
    assert [outbox.delai_avant_essai(n) for n in (1, 2, 3, 7)] == [
        MINUTE,
        2 * MINUTE,
        4 * MINUTE,
        60 * MINUTE,
    ]
    assert outbox.delai_avant_essai(30_000) == 60 * MINUTE


def test_a_claimed_email_is_not_sent_twice(parent):
    courriel = _invitation(parent.user)
    Courriel.objects.filter(pk=courriel.pk).update(en_cours_depuis=timezone.now())
    assert outbox.envoyer(courriel.pk) is None  # another worker is on it
    assert mail.outbox == []
    Courriel.objects.filter(pk=courriel.pk).update(
        en_cours_depuis=timezone.now() - datetime.timedelta(minutes=11)
    )
    assert outbox.envoyer(courriel.pk) is True  # that worker died: take over
    assert len(mail.outbox) == 1


def test_duplicate_tasks_send_once(parent, executer_taches):
    courriel = _invitation(parent.user)
    tasks.envoyer_courriel.enqueue(courriel.pk)
    tasks.envoyer_courriel.enqueue(courriel.pk)
    tasks.envoyer_courriels.enqueue([courriel.pk])
    assert executer_taches() == 3
    assert len(mail.outbox) == 1


def test_a_batch_waits_a_minute_after_a_failure_instead_of_hammering_the_server(
    parent, horloge, django_capture_on_commit_callbacks, executer_taches
):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.courriels_differes(
            [(f"p{n}@example.org", "invitation", {"user": parent.user}) for n in range(3)]
        )
    assert DBTaskResult.objects.count() == 1  # one task for the lot
    with _panne() as send_mail:
        executer_taches()
    assert send_mail.call_count == 1  # the others were not tried against a failing server
    statuts = dict(Courriel.objects.values_list("destinataire", "statut"))
    assert statuts["p0@example.org"] == Courriel.Statut.ECHEC
    horloge.shift(MINUTE)
    executer_taches()
    assert sorted(m.to[0] for m in mail.outbox) == [f"p{n}@example.org" for n in range(3)]
    assert not Courriel.objects.exclude(statut=Courriel.Statut.ENVOYE).exists()


def test_the_cron_re_enqueues_a_lost_task_once(
    parent, horloge, django_capture_on_commit_callbacks, executer_taches
):
    with django_capture_on_commit_callbacks(execute=True):
        _invitation(parent.user)
    DBTaskResult.objects.all().delete()  # e.g. the queue was purged
    horloge.shift(5 * MINUTE)
    call_command("envoyer_courriels", stdout=mock.MagicMock())
    assert not DBTaskResult.objects.exists()  # too recent: the worker may be on its way
    horloge.shift(6 * MINUTE)
    call_command("envoyer_courriels", stdout=mock.MagicMock())
    call_command("envoyer_courriels", stdout=mock.MagicMock())
    assert DBTaskResult.objects.count() == 1  # not enqueued again at each run
    executer_taches()
    assert len(mail.outbox) == 1


def test_a_mail_not_sent_after_a_day_is_flagged_and_logged_even_without_a_worker(
    parent, horloge, caplog
):
    courriel = _invitation(parent.user)
    horloge.shift(datetime.timedelta(hours=23))
    call_command("envoyer_courriels", stdout=mock.MagicMock())
    courriel.refresh_from_db()
    assert courriel.statut == Courriel.Statut.A_ENVOYER
    horloge.shift(datetime.timedelta(hours=1))
    with caplog.at_level(logging.ERROR, logger="comptes.outbox"):
        call_command("envoyer_courriels", stdout=mock.MagicMock())
        call_command("envoyer_courriels", stdout=mock.MagicMock())
    courriel.refresh_from_db()
    assert courriel.statut == Courriel.Statut.ECHEC_DURABLE
    erreurs = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(erreurs) == 1  # once, not at every run
    assert str(courriel.pk) in erreurs[0].getMessage()


def test_a_cancelled_mail_is_not_sent(parent, django_capture_on_commit_callbacks, executer_taches):
    with django_capture_on_commit_callbacks(execute=True):
        courriel = _invitation(parent.user)
    assert outbox.annuler(Courriel.objects.filter(pk=courriel.pk)) == 1
    executer_taches()
    assert mail.outbox == []
    courriel.refresh_from_db()
    assert courriel.statut == Courriel.Statut.ANNULE


def test_a_line_break_kept_in_older_data_never_reaches_the_subject(
    parent, executer_taches, django_capture_on_commit_callbacks
):
    # Names refuse line breaks today; rows written before that must not block the mail.
    with django_capture_on_commit_callbacks(execute=True):
        outbox.queue_raw(parent.user.email, "Léa\r\nBcc: pirate@example.org", "Bonjour\n")
    executer_taches()
    assert [m.subject for m in mail.outbox] == ["Léa Bcc: pirate@example.org"]
