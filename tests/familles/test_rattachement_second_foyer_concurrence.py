"""The invitation's link confirmed twice at the same instant (PostgreSQL: the invitation's
row is locked, the second request waits, then finds the token used): one Demande."""

import threading
import time

import pytest
from django.db import connection
from django.test import Client

from familles import second_foyer
from portail.models import Demande
from tests.conftest import creer_enfant
from tests.familles.test_rattachement_second_foyer import _invitation_envoyee

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def test_two_confirmations_at_once_make_one_request(parent, etranger, monkeypatch):
    lea = creer_enfant(parent.famille, prenom="Léa")
    chemin = _invitation_envoyee(Client(), parent, lea, email="etranger@example.org")
    verifier = second_foyer.verifier_destinataire

    def lentement(*args, **kwargs):
        # Widen the window: the other request arrives while this one holds the lock.
        time.sleep(0.3)
        return verifier(*args, **kwargs)

    monkeypatch.setattr(second_foyer, "verifier_destinataire", lentement)
    barrier = threading.Barrier(2)
    reponses = []

    def confirmer():
        client = Client()
        client.force_login(etranger.user)
        try:
            barrier.wait()
            reponses.append(client.post(chemin))
        finally:
            connection.close()

    threads = [threading.Thread(target=confirmer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in reponses) == [200, 302]
    refus = next(r for r in reponses if r.status_code == 200).content.decode()
    assert "déjà été utilisé" in refus
    assert Demande.objects.filter(type=Demande.Type.RATTACHEMENT).count() == 1
