"""/sante/ for the load balancer, the worker's sign of life, and the French 503 page
parents see while the database is unreachable."""

import datetime
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from comptes.models import PoulsWorker
from comptes.pouls import Pouls


def test_the_database_answers_and_no_worker_was_ever_seen(db, client):
    response = client.get("/sante/")
    assert response.status_code == 200  # the web server can serve: stays in the pool
    assert response.json() == {"base": "ok", "worker": "absent", "worker_vu_le": None}
    assert client.get("/sante/?worker=1").status_code == 503  # for monitoring


def test_a_worker_seen_within_the_limit_is_healthy_and_then_late(db, client, settings):
    settings.PORTAIL_SANTE_WORKER_MINUTES = 5
    pouls = Pouls("worker-1")
    with mock.patch.object(pouls._fil, "start"):  # one beat, no thread
        pouls.demarrer()
    assert client.get("/sante/?worker=1").json()["worker"] == "ok"
    PoulsWorker.objects.update(vu_le=timezone.now() - datetime.timedelta(minutes=6))
    response = client.get("/sante/?worker=1")
    assert response.status_code == 503 and response.json()["worker"] == "en retard"
    pouls.arreter()  # a worker that stops cleanly says so
    assert client.get("/sante/").json()["worker"] == "absent"


def test_sante_answers_503_when_the_database_is_unreachable(db):
    client = Client(raise_request_exception=False)
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/sante/")
    assert response.status_code == 503
    assert response.json() == {"base": "injoignable"}


def test_a_parent_gets_a_french_503_page_while_the_database_is_away(client_parent):
    client_parent.raise_request_exception = False
    # The first thing a signed-in parent's request reads is the session.
    with mock.patch(
        "django.contrib.sessions.backends.db.SessionStore.load",
        side_effect=OperationalError("could not connect to server: Connection refused"),
    ):
        response = client_parent.get("/tableau-de-bord/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "Service momentanément indisponible" in page
    assert "Votre demande n'a pas été enregistrée" in page
    assert client_parent.get("/tableau-de-bord/").status_code == 200  # back by itself


def test_any_other_error_is_still_the_500_page(client_parent):
    client_parent.raise_request_exception = False
    with mock.patch(
        "django.contrib.sessions.backends.db.SessionStore.load", side_effect=RuntimeError("bogue")
    ):
        response = client_parent.get("/tableau-de-bord/")
    assert response.status_code == 500
    assert "Le portail rencontre un problème" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_worker_beats_in_a_thread_and_forgets_itself_on_exit(monkeypatch):
    monkeypatch.setattr("comptes.pouls.INTERVALLE", datetime.timedelta(seconds=0.05))
    pouls = Pouls("worker-fil")
    pouls.demarrer()
    premier = PoulsWorker.objects.get(worker_id="worker-fil").vu_le
    for _ in range(100):  # bounded wait for the thread's next beat
        if PoulsWorker.objects.get(worker_id="worker-fil").vu_le > premier:
            break
        pouls._arret.wait(0.05)
    assert PoulsWorker.objects.get(worker_id="worker-fil").vu_le > premier
    pouls.arreter()
    assert not PoulsWorker.objects.filter(worker_id="worker-fil").exists()
