"""Many parents booking the last places of one day at once (PostgreSQL, real threads).

The first test turns the day lock off to show that the race is real: without it the
day is overfilled. The second shows that with the lock exactly `places` are booked.
"""

import contextlib
import datetime
import threading

import pytest
from django.db import connection

from reservations import services
from reservations.models import Reservation
from tests.conftest import creer_responsable
from tests.reservations.conftest import inscrire

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

JOUR = datetime.date(2026, 12, 3)
PARENTS = 8


def _tous_en_meme_temps(inscriptions, attendre_au_comptage):
    depart = threading.Barrier(len(inscriptions))
    # Hold every thread between counting and inserting, as a slow server would.
    apres_comptage = threading.Barrier(len(inscriptions))
    erreurs = []

    def pause():
        if attendre_au_comptage:
            # With the lock on, the others wait on it: the barrier times out, go on.
            with contextlib.suppress(threading.BrokenBarrierError):
                apres_comptage.wait(timeout=0.5)

    def reserver(inscription):
        try:
            depart.wait()
            services.reserver(inscription, [JOUR])
        except Exception as exc:  # noqa: BLE001 - any failure is reported
            erreurs.append(exc)
        finally:
            connection.close()

    ancien = services._apres_comptage
    services._apres_comptage = pause
    try:
        threads = [threading.Thread(target=reserver, args=(i,)) for i in inscriptions]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        services._apres_comptage = ancien
    assert erreurs == []


def _parents(cantine):
    return [inscrire(creer_responsable().famille, cantine, f"Enfant{i}") for i in range(PARENTS)]


def test_without_the_lock_the_day_is_overfilled(cantine, monkeypatch):
    monkeypatch.setattr(services, "VERROUILLER", False)
    _tous_en_meme_temps(_parents(cantine), attendre_au_comptage=True)
    confirmees = Reservation.objects.confirmees().filter(date=JOUR).count()
    assert confirmees > 2  # the race: more bookings than the 2 places


def test_with_the_lock_exactly_the_places_are_booked(cantine):
    _tous_en_meme_temps(_parents(cantine), attendre_au_comptage=True)
    assert Reservation.objects.confirmees().filter(date=JOUR).count() == 2
    attente = Reservation.objects.filter(date=JOUR, etat=Reservation.Etat.ATTENTE)
    assert attente.count() == PARENTS - 2
    assert sorted(attente.values_list("rang_attente", flat=True)) == list(range(1, PARENTS - 1))


def test_two_parents_swapping_days_at_once_never_deadlock(parent, etranger, cantine):
    """A cancels the 3rd and books the 4th while B does the reverse."""
    a = inscrire(parent.famille, cantine, "A")
    b = inscrire(etranger.famille, cantine, "B")
    troisieme, quatrieme = datetime.date(2026, 12, 3), datetime.date(2026, 12, 4)
    services.reserver(a, [troisieme])
    services.reserver(b, [quatrieme])
    depart = threading.Barrier(2)
    erreurs = []

    def echanger(inscription, annule, reserve):
        try:
            depart.wait()
            for _ in range(5):
                services.modifier(inscription, [reserve], [annule])
                services.modifier(inscription, [annule], [reserve])
        except Exception as exc:  # noqa: BLE001
            erreurs.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=echanger, args=(a, troisieme, quatrieme)),
        threading.Thread(target=echanger, args=(b, quatrieme, troisieme)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert erreurs == []
    for jour in (troisieme, quatrieme):
        assert Reservation.objects.confirmees().filter(date=jour).count() <= 2
