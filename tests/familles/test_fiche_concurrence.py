"""The child's two households certify its fiche sanitaire at the same instant
(PostgreSQL): the child's row is locked, the second one updates the fiche the first
created — no error page, one fiche."""

import threading
import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from familles import fiche
from familles.models import FicheSanitaire, Rattachement
from tests.conftest import creer_enfant
from tests.familles.test_fiche_sanitaire import _donnees

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def test_two_households_certifying_at_once_leave_one_fiche(parent, etranger, monkeypatch):
    enfant = creer_enfant(parent.famille)
    Rattachement.objects.create(enfant=enfant, famille=etranger.famille)
    certifier = fiche.certifier_fiche

    def lentement(*args, **kwargs):
        time.sleep(0.3)  # both requests are inside the view before either writes
        return certifier(*args, **kwargs)

    monkeypatch.setattr(fiche, "certifier_fiche", lentement)
    barrier = threading.Barrier(2)
    statuts = []

    def poster(responsable, urgence):
        client = Client()
        client.force_login(responsable.user)
        try:
            barrier.wait()
            donnees = _donnees(**{"fiche-urgence_nom": urgence})
            statuts.append(
                client.post(reverse("fiche_sanitaire", args=[enfant.pk]), donnees).status_code
            )
        finally:
            connection.close()

    threads = [
        threading.Thread(target=poster, args=(parent, "Jeanne")),
        threading.Thread(target=poster, args=(etranger, "Paul")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuts == [302, 302]
    fiche_enregistree = FicheSanitaire.objects.get(enfant=enfant)
    assert fiche_enregistree.urgence_nom in ("Jeanne", "Paul")
