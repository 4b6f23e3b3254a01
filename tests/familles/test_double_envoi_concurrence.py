"""The same "Ajouter un enfant" form posted twice at the same instant (PostgreSQL: the
unique token makes the second insert wait for the first transaction, then fail)."""

import threading
import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from comptes.services.jetons import nouveau_jeton
from familles import services
from familles.models import Enfant
from portail.models import Demande
from tests.familles.test_enfant_ajouter import _donnees

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def test_two_identical_posts_at_once_add_one_child(parent, monkeypatch):
    ajouter = services.ajouter_enfant

    def lentement(*args, **kwargs):
        # Widen the window: the other request arrives while this one is still writing.
        time.sleep(0.3)
        return ajouter(*args, **kwargs)

    monkeypatch.setattr(services, "ajouter_enfant", lentement)
    donnees = _donnees(jeton=nouveau_jeton())
    barrier = threading.Barrier(2)
    statuts = []

    def poster():
        client = Client()
        client.force_login(parent.user)
        try:
            barrier.wait()
            statuts.append(client.post(reverse("enfant_ajouter"), donnees).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=poster) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuts == [302, 302]
    assert Enfant.objects.for_user(parent.user).count() == 1
    parent.famille.refresh_from_db()
    assert parent.famille.nombre_enfants_a_charge == 1
    assert Demande.objects.filter(famille=parent.famille).count() == 1
