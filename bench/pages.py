"""Parents' read pages under load, next to bare Django, on PostgreSQL (not part of the tests).

    createdb -h 127.0.0.1 -U postgres portail_bench
    flock /tmp/bench.lock .venv/bin/python bench/pages.py

Builds (once) the 10 000-household demo town in DATABASE_URL (default: the local
`portail_bench` database), signs parents in beforehand (session rows, cookies handed to
the load), starts gunicorn (2 sync workers, DEBUG off) on a free loopback port, then
drives a bounded load with wrk (`apt-get install wrk`; BENCH_CONNEXIONS connections,
default 16, each page for BENCH_DUREE seconds, default 10, after a 2 s warm-up) against:
a bare Django "ok" view (only served when PORTAIL_BENCH is set), the month calendar,
Mes inscriptions and Mon compte. Prints req/s, p50/p95/p99, the ratio to bare Django
and the SQL queries per page, as a Markdown table for docs/performance.md.
CONN_MAX_AGE is passed through to gunicorn (production default: 60).
"""

import datetime
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
FAMILLES = int(os.environ.get("BENCH_FAMILLES", "10000"))
CONNEXIONS = int(os.environ.get("BENCH_CONNEXIONS", "16"))
DUREE = float(os.environ.get("BENCH_DUREE", "10"))
PARENTS = 32
SECRET = "bench-pages-secret-key-not-for-production-0123456789abcdef"

ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "portail.settings",
    "DATABASE_URL": os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portail_bench"
    ),
    "DEBUG": "0",
    "SECRET_KEY": SECRET,
    "PORTAIL_URL": "https://portail.example.org",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "PORTAIL_BENCH": "1",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
}


# --- load generator: wrk (Debian package `wrk`), its own process --------------------

SCRIPT_WRK = """
cibles = {%s}
i = 0
request = function()
  i = i + 1
  local c = cibles[(i %% #cibles) + 1]
  return wrk.format("GET", c[1], {["Cookie"] = c[2], ["X-Forwarded-Proto"] = "https"})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULTAT %%d %%d %%d %%f %%f %%f %%f\\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, 0))
end
"""


def charge(port: int, cibles: list[tuple[str, str]]) -> dict:
    """cibles: (path, cookie) pairs used in turn, BENCH_DUREE seconds after a warm-up."""
    lua = ", ".join(f'{{"{chemin}", "{cookie}"}}' for chemin, cookie in cibles)
    script = ROOT / "var" / "bench-pages.lua"
    script.write_text(SCRIPT_WRK % lua)
    commande = ["wrk", "-t2", f"-c{CONNEXIONS}", "-s", str(script), f"http://127.0.0.1:{port}"]
    # (the commands are built here from constants: nothing untrusted reaches them)
    warm = [*commande[:2], "-c2", "-d2s", *commande[3:]]
    subprocess.run(warm, check=True, capture_output=True)  # noqa: S603
    sortie = subprocess.run(  # noqa: S603
        [*commande, f"-d{DUREE:.0f}s", "--timeout=10s"],
        check=True,
        capture_output=True,
        text=True,
        timeout=DUREE + 60,
    ).stdout
    ligne = next(ligne for ligne in sortie.splitlines() if ligne.startswith("RESULTAT"))
    n, erreurs, duree_us, p50, p95, p99, _ = (float(x) for x in ligne.split()[1:])
    return {
        "n": n,
        "erreurs": int(erreurs),
        "rps": n / (duree_us / 1e6),
        "p50": p50,
        "p95": p95,
        "p99": p99,
    }


# --- orchestration -------------------------------------------------------------------


def preparer() -> dict:
    """In the Django process: the town, signed-in parents, their pages and query counts."""
    sys.path.insert(0, str(ROOT))
    os.environ.update(ENV)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from familles.models import Famille
    from inscriptions.models import Inscription

    call_command("migrate", verbosity=0)
    manifeste = ROOT / "var" / "staticfiles" / "staticfiles.json"
    if not manifeste.exists() or any(
        f.stat().st_mtime > manifeste.stat().st_mtime for f in (ROOT / "static").rglob("*")
    ):  # (compressing every asset takes a minute: only when they changed)
        call_command("collectstatic", "--noinput", verbosity=0)
    if Famille.objects.count() < FAMILLES:
        debut = time.perf_counter()
        call_command("demo", familles=FAMILLES, force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"Ville construite en {time.perf_counter() - debut:.1f} s", file=sys.stderr)

    # Households of two children at the canteen, each parent on their first child's month.
    mois = timezone.localdate() + datetime.timedelta(days=10)
    remplir_le_mois(mois)
    if connection.vendor == "postgresql":
        # Fresh statistics, as autovacuum would give (it is off on some test clusters: the
        # planner then scanned all 22 000 children for one household's).
        with connection.cursor() as curseur:
            curseur.execute("ANALYZE")
    inscriptions = list(
        Inscription.objects.validees()
        .filter(
            activite__type="restauration",
            famille__nom__startswith="Famille",
            date_debut__lte=mois,
            date_fin__gte=mois,
        )
        .select_related("famille")
        .order_by("famille_id", "pk")
    )
    par_famille: dict[int, list] = {}
    for i in inscriptions:
        par_famille.setdefault(i.famille_id, []).append(i)
    choisies = [liste[0] for liste in par_famille.values() if len(liste) >= 2][:PARENTS]
    assert choisies, "pas de foyer de deux enfants à la cantine dans la ville"

    from importlib import import_module

    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    backend = settings.AUTHENTICATION_BACKENDS[0]
    pages = {
        "bare Django (« ok »)": [],
        "calendrier du mois": [],
        "Mes inscriptions": [],
        "Mon compte": [],
    }
    requetes = {}
    for inscription in choisies:
        user = inscription.famille.responsables.select_related("user").first().user
        # Signed in beforehand, as the sign-in view would (same session keys and hash).
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
        pages["bare Django (« ok »)"].append(("/bench/ok/", ""))  # anonymous: no query
        pages["calendrier du mois"].append(
            (f"/reservations/{inscription.pk}/{mois.year}/{mois.month}/", cookie)
        )
        pages["Mes inscriptions"].append(("/inscriptions/", cookie))
        pages["Mon compte"].append(("/compte/", cookie))

    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    for nom, cibles in pages.items():
        chemin, cookie = cibles[0]
        client.cookies.load(cookie)
        client.get(chemin)
        with CaptureQueriesContext(connection) as requetes_page:
            reponse = client.get(chemin)
        assert reponse.status_code == 200, (nom, reponse.status_code)
        requetes[nom] = len(requetes_page)
    return {"pages": pages, "requetes": requetes}


def remplir_le_mois(jour) -> None:
    """The canteens' days of that month booked up to their places, households in order (so
    the parents measured see booked days, and each day's count reads a full day)."""
    import calendar

    from inscriptions.models import Activite, Inscription
    from reservations.calendrier import Calendrier
    from reservations.models import Reservation

    debut = jour.replace(day=1)
    fin = jour.replace(day=calendar.monthrange(jour.year, jour.month)[1])
    if Reservation.objects.filter(date__range=(debut, fin)).count() > 1000:
        return
    nouvelles = []
    for activite in Activite.objects.filter(
        type="restauration", parametres_reservation__isnull=False
    ):
        cal = Calendrier.charger(activite, debut, fin)
        inscriptions = list(
            Inscription.objects.validees()
            .filter(activite=activite, date_debut__lte=debut, date_fin__gte=fin)
            .order_by("famille_id", "pk")
        )
        for d in (debut + datetime.timedelta(days=n) for n in range((fin - debut).days + 1)):
            if d > jour and not cal.motif_fermeture(d):
                nouvelles += [
                    Reservation(
                        inscription=i,
                        enfant_id=i.enfant_id,
                        activite=activite,
                        date=d,
                        source=Reservation.Source.SEMAINE_TYPE,
                    )
                    for i in inscriptions[: cal.places(d) or 100]
                ]
    # (bench data only: written directly, without the audit trail the services keep; the
    # demo's own bookings stay)
    Reservation.objects.bulk_create(nouvelles, batch_size=2000, ignore_conflicts=True)
    print(f"{len(nouvelles)} réservations ajoutées au mois mesuré", file=sys.stderr)


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    if sys.argv[1:2] == ["--prepare"]:
        print(json.dumps(preparer()))
        return

    debut = time.perf_counter()
    sortie = subprocess.run(  # noqa: S603
        [PYTHON, __file__, "--prepare"], env=ENV, check=True, stdout=subprocess.PIPE, text=True
    ).stdout
    prep = json.loads(sortie.strip().splitlines()[-1])
    print(f"Préparation (ville, connexions des parents) : {time.perf_counter() - debut:.1f} s")
    port = port_libre()
    serveur = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "portail.wsgi:application",
            "--workers=2",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=ENV,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        resultats = {}
        for nom, cibles in prep["pages"].items():
            resultats[nom] = charge(port, cibles)
    finally:
        serveur.terminate()
        serveur.wait(timeout=30)

    nu = resultats["bare Django (« ok »)"]["rps"] or float("nan")
    conn_max_age = os.environ.get("CONN_MAX_AGE", "60 (défaut)")
    print()
    print(
        f"PostgreSQL, gunicorn 2 workers sync, {CONNEXIONS} connexions, "
        f"CONN_MAX_AGE={conn_max_age}, ≤ {DUREE:.0f} s par page"
    )
    print()
    print("| page | req/s | p50 | p95 | p99 | ratio / Django nu | requêtes SQL | erreurs |")
    print("|---|---|---|---|---|---|---|---|")
    for nom, r in resultats.items():
        print(
            f"| {nom} | {r['rps']:.0f} | {r['p50']:.0f} ms | {r['p95']:.0f} ms | "
            f"{r['p99']:.0f} ms | {r['rps'] / nu:.3f}× | {prep['requetes'][nom]} | "
            f"{r['erreurs']} |"
        )


if __name__ == "__main__":
    main()
