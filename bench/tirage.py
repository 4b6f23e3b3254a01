"""Opening by lottery at town scale (issue #9, "What to build" 4): how long the draw holds
its days, and how many SQL statements it runs.

    createdb -h 127.0.0.1 -U postgres portail_bench_tirage   # once
    flock /tmp/bench.lock env DATABASE_URL=postgres://postgres@127.0.0.1/portail_bench_tirage \\
        .venv/bin/pytest --create-db -q -s bench/tirage.py

A pytest run (test database, rolled back): TIRAGE_FAMILLES households (default 1 000) of
two children each ask for 5 holiday days with 300 places a day (~2 000 requests a day:
most go to the waiting list), then the draw runs once, as the worker would. There is no
web request to compare with bare Django: the draw is a background job; what matters is
the time it keeps the lottery's days locked (bookings of those days wait meanwhile).
"""

import datetime
import os
import time

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from familles.models import Enfant, Famille, Rattachement
from inscriptions.models import Activite, Inscription, Periode, Site
from reservations import tirage
from reservations.models import ModeOuverture, ParametresReservation, Reservation, Tirage
from tests.inscriptions.conftest import PARIS

D = datetime.date
FAMILLES = int(os.environ.get("TIRAGE_FAMILLES", "1000"))
JOURS = [D(2026, 12, d) for d in (21, 22, 23, 28, 29)]
CLOTURE = datetime.datetime(2026, 11, 27, 12, tzinfo=PARIS)


@pytest.mark.django_db
def test_tirage_a_l_echelle_d_une_ville():
    periode = Periode.objects.create(nom="2026-2027", debut=D(2026, 9, 1), fin=D(2027, 7, 3))
    activite = Activite.objects.create(
        nom="Accueil de loisirs des vacances",
        type=Activite.Type.LOISIRS_VACANCES,
        site=Site.objects.create(nom="Centre de loisirs"),
        periode=periode,
        ouverture_inscriptions=CLOTURE - datetime.timedelta(days=200),
        fermeture_inscriptions=CLOTURE + datetime.timedelta(days=200),
    )
    ParametresReservation.objects.create(
        activite=activite,
        jours_ouverture=[0, 1, 2, 3, 4],
        pendant=ParametresReservation.Pendant.TOUJOURS,
        places_par_jour=300,
        mode_ouverture=ModeOuverture.TIRAGE,
    )
    ouverture = Tirage.objects.create(
        activite=activite,
        premier_jour=JOURS[0],
        dernier_jour=JOURS[-1],
        ouverture=CLOTURE - datetime.timedelta(hours=3),
        cloture=CLOTURE,
    )
    familles = Famille.objects.bulk_create([Famille(nom=f"F{i}") for i in range(FAMILLES)])
    enfants = Enfant.objects.bulk_create(
        [
            Enfant(prenom=f"E{e}", nom=f.nom, sexe="f", date_naissance=D(2018, 5, 4))
            for f in familles
            for e in range(2)
        ]
    )
    Rattachement.objects.bulk_create(
        [Rattachement(enfant=e, famille=familles[i // 2]) for i, e in enumerate(enfants)]
    )
    inscriptions = Inscription.objects.bulk_create(
        [
            Inscription(
                enfant=e,
                famille=familles[i // 2],
                activite=activite,
                date_debut=periode.debut,
                date_fin=periode.fin,
                statut=Inscription.Statut.VALIDEE,
            )
            for i, e in enumerate(enfants)
        ]
    )
    Reservation.objects.bulk_create(
        [
            Reservation(inscription=i, enfant=i.enfant, activite=activite, date=j, etat="tirage")
            for i in inscriptions
            for j in JOURS
        ]
    )
    with time_machine.travel(CLOTURE, tick=False):
        debut = time.perf_counter()
        with CaptureQueriesContext(connection) as requetes:
            assert tirage.tirer(ouverture)
        duree = time.perf_counter() - debut
    demandes = len(inscriptions) * len(JOURS)
    print(
        f"\n| {FAMILLES} familles, {demandes} demandes, 5 jours de 300 places | "
        f"{duree:.1f} s | {len(requetes)} requêtes SQL |"
    )
    assert not Reservation.objects.filter(etat="tirage").exists()
