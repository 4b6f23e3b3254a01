"""Benchmarks of the booking paths on a large demo town (not part of the test suite).

    make bench                      # SQLite file var/bench.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portail_bench make bench

Builds (once) the 10 000-household demo town, then measures:
- building the town itself (demo --familles 10000),
- applying a full-year semaine type for one child (service call, one transaction),
- the month calendar page of a parent (full request through the test client),
and prints a Markdown table to paste into docs/performance.md.
"""

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portail.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")

import django  # noqa: E402
import time_machine  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

FAMILLES = int(os.environ.get("BENCH_FAMILLES", "10000"))
REPETITIONS = int(os.environ.get("BENCH_REPETITIONS", "15"))


class Compteur:
    """Counts SQL statements (works whatever DEBUG says)."""

    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def compter(fonction) -> int:
    compteur = Compteur()
    with connection.execute_wrapper(compteur):
        fonction()
    return compteur.n


def mesurer(fonction, repetitions=REPETITIONS):
    durees = []
    for _ in range(repetitions):
        debut = time.perf_counter()
        fonction()
        durees.append((time.perf_counter() - debut) * 1000)
    return statistics.median(durees), max(durees)


class Annuler(Exception):
    pass


def jour_d_ouverture(activite, debut, familles=40, threads=8):
    """Opening day on PostgreSQL: many parents apply their year at once (8 threads on 2
    cores). Rolled back afterwards by cancelling nothing: run on a throw-away database."""
    if connection.vendor != "postgresql":
        return None
    import threading

    from django.db.models import Count

    from inscriptions.models import Inscription
    from reservations import services
    from reservations.models import Reservation

    cibles = list(
        Inscription.objects.validees()
        .filter(activite=activite)
        .exclude(reservations__isnull=False)[:familles]
    )
    file_attente = list(cibles)
    verrou = threading.Lock()

    def travailleur():
        try:
            while True:
                with verrou:
                    if not file_attente:
                        return
                    inscription = file_attente.pop()
                services.appliquer_semaine_type(
                    inscription, [0, 1, 3, 4], "toutes", debut, inscription.date_fin
                )
        finally:
            connection.close()

    debut_chrono = time.perf_counter()
    pool = [threading.Thread(target=travailleur) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    duree = time.perf_counter() - debut_chrono
    par_jour = (
        Reservation.objects.confirmees()
        .filter(activite=activite)
        .values("date")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    places = activite.parametres_reservation.places_par_jour
    assert par_jour["n"] <= places, "capacité dépassée"
    total = Reservation.objects.confirmees().filter(activite=activite).count()
    return len(cibles), duree, total, places


def main() -> None:
    call_command("migrate", verbosity=0)
    from familles.models import Famille

    debut = time.perf_counter()
    call_command("demo", familles=FAMILLES, force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    construction = time.perf_counter() - debut
    print(
        f"Ville : {Famille.objects.count()} familles "
        f"({'construite' if construction > 5 else 'déjà construite'} en {construction:.1f} s)"
    )

    from inscriptions.models import Inscription
    from reservations import services

    inscription = (
        Inscription.objects.validees()
        .filter(activite__type="restauration", famille__nom__startswith="Famille")
        .select_related("activite__periode")
        .order_by("pk")
        .last()
    )
    periode = inscription.activite.periode
    # Stand a week before the season starts, when families book the whole year.
    horloge = time_machine.travel(
        timezone.make_aware(datetime.datetime.combine(periode.debut, datetime.time(9)))
        - datetime.timedelta(days=7),
        tick=True,
    )
    horloge.start()
    debut_annee = periode.debut

    def semaine_type():
        # Book the whole year, then roll back so that every run does the same work.
        try:
            with transaction.atomic():
                bilan = services.appliquer_semaine_type(
                    inscription, [0, 1, 3, 4], "toutes", debut_annee, inscription.date_fin
                )
                semaine_type.jours = len(bilan.reserves) + len(bilan.attente)
                raise Annuler
        except Annuler:
            pass

    requetes = compter(semaine_type)
    st_median, st_max = mesurer(semaine_type)

    client = Client(HTTP_HOST="localhost")
    parent = inscription.famille.responsables.select_related("user").first().user
    client.force_login(parent)
    url = f"/reservations/{inscription.pk}/{debut_annee.year}/{debut_annee.month}/"
    assert client.get(url).status_code == 200
    requetes_page = compter(lambda: client.get(url))
    page_median, page_max = mesurer(lambda: client.get(url))

    ouverture = jour_d_ouverture(inscription.activite, debut_annee)

    moteur = connection.vendor
    print()
    print(f"| mesure ({moteur}, {FAMILLES} familles) | médiane | max | requêtes SQL |")
    print("|---|---|---|---|")
    print(
        f"| semaine type sur l'année ({semaine_type.jours} jours, 1 enfant) | "
        f"{st_median:.0f} ms | {st_max:.0f} ms | {requetes} |"
    )
    print(
        f"| page calendrier du mois (requête complète) | {page_median:.0f} ms | "
        f"{page_max:.0f} ms | {requetes_page} |"
    )
    if ouverture:
        n, duree, confirmees, places = ouverture
        print(
            f"| jour d'ouverture : {n} familles en parallèle, semaine type annuelle chacune | "
            f"{duree:.1f} s au total | — | {confirmees} réservations, aucun jour au-delà "
            f"de {places} places |"
        )
    horloge.stop()


if __name__ == "__main__":
    main()
