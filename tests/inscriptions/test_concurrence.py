"""Two agents validating the last place at once (PostgreSQL: real row locks)."""

import datetime
import threading

import pytest
from django.db import connection

from comptes.errors import DomainError
from inscriptions import services
from inscriptions.models import Inscription
from tests.conftest import creer_enfant

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def _en_meme_temps(*actions):
    barrier = threading.Barrier(len(actions))
    resultats = []

    def lancer(action):
        try:
            barrier.wait()
            action()
            resultats.append("ok")
        except DomainError as exc:
            resultats.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=lancer, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return resultats


def test_two_agents_validating_the_last_place_exactly_one_wins(parent, agent, creer_activite):
    activite = creer_activite(capacite=1)
    inscriptions = [
        services.demander_inscription(
            parent,
            creer_enfant(parent.famille, prenom=p),
            activite,
            datetime.date(2026, 12, 1),
            datetime.date(2027, 7, 3),
        )
        for p in ("Un", "Deux")
    ]
    resultats = _en_meme_temps(
        *[(lambda pk=i.pk: services.valider_inscription(pk, agent)) for i in inscriptions]
    )
    assert resultats.count("ok") == 1
    assert any("complète" in r for r in resultats)
    assert Inscription.objects.validees().filter(activite=activite).count() == 1


def test_many_parents_on_an_automatic_activity_never_exceed_capacity(
    parent, etranger, creer_activite
):
    activite = creer_activite(capacite=3, validation="automatique")
    enfants = [creer_enfant(parent.famille, prenom=f"E{i}") for i in range(8)]
    _en_meme_temps(
        *[
            (
                lambda e=e: services.demander_inscription(
                    parent, e, activite, datetime.date(2026, 12, 1), datetime.date(2027, 7, 3)
                )
            )
            for e in enfants
        ]
    )
    assert Inscription.objects.filter(activite=activite).count() == 8
    assert Inscription.objects.validees().filter(activite=activite).count() == 3
