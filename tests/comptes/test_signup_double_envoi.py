"""Sign-up sent twice. One after the other, the address is taken (allauth's own check);
at the same instant (PostgreSQL), the unique e-mail makes the second insert fail: it
gets the same answer as the first, not an error page."""

import threading
import time

import pytest
from django.db import connection
from django.test import Client

from comptes.models import User
from familles import services
from familles.models import Famille
from tests.comptes.test_signup import URL, _donnees


def test_the_same_sign_up_twice_creates_one_account(client, db):
    assert client.post(URL, _donnees()).status_code == 302
    client.logout()
    response = client.post(URL, _donnees())
    assert User.objects.filter(email="nouveau@example.org").count() == 1
    assert Famille.objects.count() == 1
    assert response.status_code == 200
    assert 'href="#id_email"' in response.content.decode()  # "address already used"


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_identical_sign_ups_at_once_create_one_account(monkeypatch):
    creer = services.creer_famille

    def lentement(*args, **kwargs):
        time.sleep(0.3)  # the other request checks the address meanwhile
        return creer(*args, **kwargs)

    monkeypatch.setattr(services, "creer_famille", lentement)
    barrier = threading.Barrier(2)
    statuts = []

    def poster():
        try:
            barrier.wait()
            statuts.append(Client().post(URL, _donnees()).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=poster) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuts) == [302, 302]
    assert User.objects.filter(email="nouveau@example.org").count() == 1
    assert Famille.objects.count() == 1
