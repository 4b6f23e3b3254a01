"""Opening day: 2 500 signed-in parents book within the first minute (issue #9, goal 2).

    flock /tmp/bench.lock .venv/bin/python bench/rush.py

One command, PostgreSQL only (DATABASE_URL, default: the local `portail_bench_rush`
database, created if missing). Steps, each in its own process:

1. the town (built once, in bulk): RUSH_PARENTS households (default 2 500), one child
   each with a validated enrolment on one "Ruée" activity of RUSH_PLACES places a day
   (default 1 000). Each parent books two of three days (D1+D2, D2+D3 or D1+D3), so
   every day gets ~1 667 requests for 1 000 places: waiting lists happen. Earlier runs'
   bookings, sessions and mails are wiped first;
2. gunicorn (DEBUG off, CONN_MAX_AGE=60) on a free loopback port: RUSH_WORKERS workers
   (default 2, one per core) of RUSH_THREADS threads (default 4): a booking waiting on
   its day's lock blocks one thread, not a whole worker;
3. sign-in, measured: the first RUSH_CONNEXIONS_HTTP parents (default 100) sign in
   through the real login page (password hashed with the production hasher, about
   0.4 s of CPU each: the whole town signing in the same minute is not the goal); the
   others get their session row written directly, as the sign-in view would;
4. bare Django: an "ok" view at 16 connections (≤ 10 s, ≤ 3 000 requests), same server;
5. the rush, from a separate process: each parent starts at a random instant of the
   first RUSH_FENETRE seconds (default 60, seeded), opens the month calendar, books
   (POST), reads the summary (the page it is sent back to); at most RUSH_CONNEXIONS
   (default 64) parents at once; stopped after RUSH_DUREE_MAX seconds (default 240).
   An error is any status other than 200/302, a network error, or a summary that does
   not say "réservé" / "liste d'attente" (e.g. "réessayez");
6. the database afterwards: confirmed ≤ places on every day, waiting-list ranks 1..k
   without gaps, one active booking per child and day, two days per parent served;
   then staff close the last day (goal 3: its ~1 667 bookings cancelled, timelines
   written, e-mails queued), timed and counted, and rolled back.

Prints a Markdown table for docs/performance.md ("Jour d'ouverture — la ruée").
"""

import datetime
import http.client
import http.cookies
import json
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PARENTS = int(os.environ.get("RUSH_PARENTS", "2500"))
PLACES = int(os.environ.get("RUSH_PLACES", "1000"))
CONNEXIONS_HTTP = int(os.environ.get("RUSH_CONNEXIONS_HTTP", "100"))
FENETRE = float(os.environ.get("RUSH_FENETRE", "60"))
CONNEXIONS = int(os.environ.get("RUSH_CONNEXIONS", "64"))
DUREE_MAX = float(os.environ.get("RUSH_DUREE_MAX", "240"))
WORKERS = int(os.environ.get("RUSH_WORKERS", "2"))
THREADS = int(os.environ.get("RUSH_THREADS", "4"))
MOT_DE_PASSE = "Ruee-du-matin-2026"
ACTIVITE = "Ruée — accueil de loisirs"
BASE = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portail_bench_rush")

ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "portail.settings",
    "DATABASE_URL": BASE,
    "DEBUG": "0",
    "SECRET_KEY": "bench-rush-secret-key-not-for-production-0123456789abcdefgh",
    "PORTAIL_URL": "https://portail.example.org",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "PORTAIL_BENCH": "1",
    "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
    # Parents come from many addresses: the load says which in X-Forwarded-For.
    "TRUSTED_PROXY_COUNT": "1",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
}


def _django():
    sys.path.insert(0, str(ROOT))
    os.environ.update(ENV)
    import django

    django.setup()


# --- 1. the town (Django process) -----------------------------------------------------


def _jours_ouverts(activite) -> list[datetime.date]:
    from reservations.calendrier import Calendrier

    debut = datetime.date.today() + datetime.timedelta(days=7)
    cal = Calendrier.charger(activite, debut, debut + datetime.timedelta(days=30))
    jours = [debut + datetime.timedelta(days=n) for n in range(30)]
    return [j for j in jours if not cal.motif_fermeture(j)][:3]


def _construire():
    from django.db import transaction

    with transaction.atomic():
        return _construire_ville()


def _construire_ville():
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from comptes.models import User
    from familles.models import Enfant, Famille, Rattachement, Responsable
    from inscriptions.models import Activite, Inscription, Periode, Site
    from reservations.models import ParametresReservation

    aujourd_hui = datetime.date.today()
    maintenant = timezone.now()
    periode = Periode.objects.create(
        nom="Ruée (banc d'essai)",
        debut=aujourd_hui - datetime.timedelta(days=30),
        fin=aujourd_hui + datetime.timedelta(days=300),
    )
    site = Site.objects.create(nom="Centre de loisirs de la Ruée")
    activite = Activite.objects.create(
        nom=ACTIVITE,
        type=Activite.Type.LOISIRS_VACANCES,
        site=site,
        periode=periode,
        ouverture_inscriptions=maintenant - datetime.timedelta(days=60),
        fermeture_inscriptions=maintenant + datetime.timedelta(days=200),
    )
    ParametresReservation.objects.create(
        activite=activite,
        jours_ouverture=list(range(7)),
        pendant=ParametresReservation.Pendant.TOUJOURS,
        places_par_jour=PLACES,
        reservation_jours=1,
        reservation_sans_weekend=False,
        reservation_sans_feries=False,
    )
    mot_de_passe = make_password(MOT_DE_PASSE)  # the production hasher, hashed once
    for debut in range(0, PARENTS, 1000):
        indices = range(debut, min(PARENTS, debut + 1000))
        familles = Famille.objects.bulk_create(
            [Famille(nom=f"Famille Ruée {i}", code_postal="44000", ville="Nantes") for i in indices]
        )
        users = User.objects.bulk_create(
            [User(email=f"ruee{i}@example.org", password=mot_de_passe) for i in indices]
        )
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users]
        )
        Responsable.objects.bulk_create(
            [
                Responsable(
                    user=u,
                    famille=f,
                    civilite="mme",
                    nom=f"Ruée{i}",
                    prenom="Camille",
                    adresse="1 place de la Mairie",
                    code_postal="44000",
                    ville="Nantes",
                    telephone_mobile="06 12 34 56 78",
                )
                for i, u, f in zip(indices, users, familles, strict=True)
            ]
        )
        enfants = Enfant.objects.bulk_create(
            [
                Enfant(
                    nom=f"Ruée{i}", prenom="Léo", sexe="g", date_naissance=datetime.date(2018, 5, 1)
                )
                for i in indices
            ]
        )
        Rattachement.objects.bulk_create(
            [Rattachement(enfant=e, famille=f) for e, f in zip(enfants, familles, strict=True)]
        )
        Inscription.objects.bulk_create(
            [
                Inscription(
                    enfant=e,
                    famille=f,
                    activite=activite,
                    date_debut=periode.debut,
                    date_fin=periode.fin,
                    statut=Inscription.Statut.VALIDEE,
                    cree_le=maintenant,
                    decidee_le=maintenant,
                )
                for e, f in zip(enfants, familles, strict=True)
            ]
        )
    return activite


def preparer() -> dict:
    _django()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from comptes.models import Courriel
    from inscriptions.models import Activite, Inscription
    from portail.models import Demande
    from reservations.models import Journee, ParametresReservation, Reservation

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    debut = time.perf_counter()
    activite = Activite.objects.filter(nom=ACTIVITE).first() or _construire()
    construction = time.perf_counter() - debut
    ParametresReservation.objects.filter(activite=activite).update(places_par_jour=PLACES)
    # A clean opening: earlier runs' bookings, timelines, day rows, sessions and mails go.
    Reservation.objects.filter(activite=activite).delete()
    Demande.objects.filter(inscription__activite=activite).delete()
    Journee.objects.filter(activite=activite).delete()
    Session.objects.all().delete()
    Courriel.objects.all().delete()
    jours = _jours_ouverts(activite)
    assert len(jours) == 3, jours
    inscriptions = list(
        Inscription.objects.filter(activite=activite)
        .select_related("famille")
        .order_by("pk")
        .values_list("pk", "famille__responsables__user__email", "famille__responsables__user")
    )[:PARENTS]
    paires = [(jours[0], jours[1]), (jours[1], jours[2]), (jours[0], jours[2])]
    parents = [
        {
            "email": email,
            "user": user,
            "chemin": f"/reservations/{pk}/{jours[0].year}/{jours[0].month}/",
            "jours": [j.isoformat() for j in paires[n % 3]],
        }
        for n, (pk, email, user) in enumerate(inscriptions)
    ]

    # SQL statements of one booking POST (then undone: the rush starts from nothing).
    from comptes.models import User

    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    client.force_login(User.objects.get(pk=parents[0]["user"]))
    client.get(parents[0]["chemin"])
    Journee.objects.bulk_create([Journee(activite=activite, date=j) for j in jours])
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.post(parents[0]["chemin"], {"jours": parents[0]["jours"]})
    assert reponse.status_code == 302, reponse.status_code
    Reservation.objects.filter(activite=activite).delete()
    Demande.objects.filter(inscription__activite=activite).delete()
    Journee.objects.filter(activite=activite).delete()
    Session.objects.all().delete()

    # Parents past the first CONNEXIONS_HTTP: signed in beforehand, as the view would.
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore
    users = {u.pk: u for u in User.objects.filter(pk__in=[p["user"] for p in parents])}
    debut = time.perf_counter()
    expire = timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    lignes = []
    for p in parents[CONNEXIONS_HTTP:]:
        user = users[p["user"]]
        cle = secrets.token_hex(16)  # 32 characters of [0-9a-f], like Django's keys
        donnees = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        lignes.append(
            Session(session_key=cle, session_data=store().encode(donnees), expire_date=expire)
        )
        p["cookie"] = f"{settings.SESSION_COOKIE_NAME}={cle}"
    Session.objects.bulk_create(lignes, batch_size=1000)
    sessions_directes = time.perf_counter() - debut
    return {
        "parents": parents,
        "jours": [j.isoformat() for j in jours],
        "requetes_post": len(requetes),
        "construction": construction,
        "sessions_directes": sessions_directes,
        "cookie": settings.SESSION_COOKIE_NAME,
    }


# --- HTTP, from the load process -----------------------------------------------------------


class Navigateur:
    """One parent's browser: cookies kept, one connection per request (like pages.py)."""

    def __init__(self, port: int, ip: str, cookie: str = ""):
        self.port, self.ip = port, ip
        self.cookies = http.cookies.SimpleCookie(cookie)

    def requete(self, methode: str, chemin: str, corps: dict | None = None):
        entetes = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.ip,
            "Cookie": "; ".join(f"{k}={m.value}" for k, m in self.cookies.items()),
        }
        donnees = None
        if corps is not None:
            entetes["Content-Type"] = "application/x-www-form-urlencoded"
            entetes["Origin"] = f"https://127.0.0.1:{self.port}"
            entetes["X-CSRFToken"] = self.cookies["csrftoken"].value
            donnees = urllib.parse.urlencode(corps, doseq=True)
        debut = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(methode, chemin, body=donnees, headers=entetes)
            reponse = conn.getresponse()
            contenu = reponse.read()
        finally:
            conn.close()
        ms = (time.perf_counter() - debut) * 1000
        for valeur in reponse.headers.get_all("Set-Cookie") or []:
            self.cookies.load(valeur)
        return reponse.status, reponse.getheader("Location"), contenu, ms


def _centiles(durees: list[float]) -> dict:
    durees = sorted(durees)

    def c(p):
        return durees[min(len(durees) - 1, int(len(durees) * p))] if durees else 0.0

    return {
        "n": len(durees),
        "p50": statistics.median(durees) if durees else 0.0,
        "p95": c(0.95),
        "p99": c(0.99),
    }


def _ip(n: int) -> str:
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


def connexions(port: int, parents: list[dict]) -> dict:
    """3. The first parents sign in through the login page (8 at a time)."""
    durees, erreurs, verrou = [], [], threading.Lock()

    def connecter(n_parent):
        n, parent = n_parent
        nav = Navigateur(port, _ip(n))
        statut, _, _, ms1 = nav.requete("GET", "/comptes/login/")
        csrf = nav.cookies["csrftoken"].value if "csrftoken" in nav.cookies else ""
        statut, lieu, _, ms2 = nav.requete(
            "POST",
            "/comptes/login/",
            {"login": parent["email"], "password": MOT_DE_PASSE, "csrfmiddlewaretoken": csrf},
        )
        with verrou:
            if statut == 302 and "sessionid" in nav.cookies:
                durees.append(ms1 + ms2)
                parent["cookie"] = f"sessionid={nav.cookies['sessionid'].value}"
            else:
                erreurs.append(statut)

    debut = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(connecter, enumerate(parents)))
    ecoule = time.perf_counter() - debut
    return {**_centiles(durees), "duree": ecoule, "erreurs": len(erreurs), "parents": parents}


def nu(port: int) -> dict:
    """4. Bare Django at 16 connections: at most 10 s and 3 000 requests."""
    durees, erreurs, verrou, restant = [], [], threading.Lock(), [3000]
    fin = time.perf_counter() + 10

    def fil():
        nav = Navigateur(port, "10.255.0.1")
        while time.perf_counter() < fin:
            with verrou:
                if restant[0] <= 0:
                    return
                restant[0] -= 1
            statut, _, _, ms = nav.requete("GET", "/bench/ok/")
            with verrou:
                (durees if statut == 200 else erreurs).append(ms)

    debut = time.perf_counter()
    fils = [threading.Thread(target=fil) for _ in range(16)]
    for f in fils:
        f.start()
    for f in fils:
        f.join()
    return {**_centiles(durees), "rps": len(durees) / (time.perf_counter() - debut)}


# The confirmation names the days: "Lundi 14 et mardi 15 décembre réservés pour Léa",
# "Liste d'attente pour Léa : …" (reservations/lecture.py, annonce_bilan).
RESUME = re.compile(r"(réservés? pour|[Ll]iste d(&#x27;|')attente)")


def ruee(port: int, parents: list[dict]) -> dict:
    """5. Every parent arrives in the first FENETRE seconds: calendar, booking, summary."""
    rng = random.Random(2026)
    departs = sorted((rng.uniform(0, FENETRE), n) for n in range(len(parents)))
    mesures = {"calendrier": [], "réservation": [], "résumé": []}
    erreurs, retards, verrou = [], [], threading.Lock()
    debut = time.perf_counter()
    limite = debut + DUREE_MAX
    servis = [0]

    def parcours(depart_n):
        depart, n = depart_n
        attente = debut + depart - time.perf_counter()
        if attente > 0:
            time.sleep(attente)
        if time.perf_counter() > limite:
            return
        parent = parents[n]
        nav = Navigateur(port, _ip(n), parent["cookie"])
        etape = "calendrier"
        try:
            statut, _, _, ms_cal = nav.requete("GET", parent["chemin"])
            if statut != 200:
                raise ValueError(f"calendrier {statut}")
            etape = "réservation"
            statut, lieu, _, ms_post = nav.requete(
                "POST", parent["chemin"], {"jours": parent["jours"]}
            )
            if statut != 302:
                raise ValueError(f"réservation {statut}")
            etape = "résumé"
            statut, _, contenu, ms_res = nav.requete("GET", lieu)
            if statut != 200 or not RESUME.search(contenu.decode()):
                raise ValueError(f"résumé {statut} sans « réservé » ni « liste d'attente »")
        except (OSError, ValueError, KeyError) as exc:
            with verrou:
                erreurs.append(f"{etape}: {exc}")
            return
        with verrou:
            mesures["calendrier"].append(ms_cal)
            mesures["réservation"].append(ms_post)
            mesures["résumé"].append(ms_res)
            retards.append(max(0.0, time.perf_counter() - debut - depart))
            servis[0] += 1

    with ThreadPoolExecutor(CONNEXIONS) as pool:
        list(pool.map(parcours, departs))
    ecoule = time.perf_counter() - debut
    tous = mesures["calendrier"] + mesures["réservation"] + mesures["résumé"]
    return {
        "duree": ecoule,
        "servis": servis[0],
        "erreurs": len(erreurs),
        "exemples": erreurs[:5],
        "rps": len(tous) / ecoule,
        "post_s": len(mesures["réservation"]) / ecoule,
        "parcours_max_s": max(retards) if retards else 0.0,
        "toutes": _centiles(tous),
        **{nom: _centiles(d) for nom, d in mesures.items()},
    }


# --- 6. the database afterwards (Django process) ------------------------------------------


def verifier() -> dict:
    _django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # others' migrations may have landed meanwhile
    from django.db.models import Count, Max, Min, Q

    from inscriptions.models import Activite
    from reservations.models import Reservation

    Etat = Reservation.Etat
    activite = Activite.objects.get(nom=ACTIVITE)
    par_jour = list(
        Reservation.objects.filter(activite=activite)
        .values("date")
        .annotate(
            confirmees=Count("pk", filter=Q(etat__in=Reservation.ETATS_OCCUPANT_UNE_PLACE)),
            attente=Count("pk", filter=Q(etat=Etat.ATTENTE)),
            rang_min=Min("rang_attente"),
            rang_max=Max("rang_attente"),
            rangs_distincts=Count("rang_attente", distinct=True),
        )
        .order_by("date")
    )
    doublons = (
        Reservation.objects.actives()
        .filter(activite=activite)
        .values("enfant", "date")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    return {
        "fermetures": [
            _fermer(activite, par_jour[-1]["date"], 600),
            _fermer(activite, par_jour[-1]["date"]),
        ],
        "jours": [
            {
                **{k: v for k, v in j.items() if k != "date"},
                "date": j["date"].isoformat(),
                "places_ok": j["confirmees"] <= PLACES,
                "rangs_ok": j["attente"] == 0
                or (j["rang_min"] == 1 and j["rang_max"] == j["attente"] == j["rangs_distincts"]),
            }
            for j in par_jour
        ],
        "doublons": doublons,
        "actives": Reservation.objects.actives().filter(activite=activite).count(),
    }


def _fermer(activite, jour, garder: int | None = None) -> dict:
    """Goal 3: staff close the last day after the rush (its bookings and waiting list;
    `garder`: only that many of them, the others cancelled beforehand), measured in this
    process, then rolled back so that the run can be checked again."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from comptes.models import Courriel
    from reservations import services
    from reservations.models import Fermeture, Reservation

    class Annuler(Exception):
        pass

    mesure = {}
    try:
        with transaction.atomic():
            if garder is not None:
                actives = Reservation.objects.actives().filter(activite=activite, date=jour)
                surplus = actives.order_by("-pk").values_list("pk", flat=True)[
                    : max(0, actives.count() - garder)
                ]
                Reservation.objects.filter(pk__in=list(surplus)).update(
                    etat=Reservation.Etat.ANNULEE, rang_attente=None
                )
            Fermeture.objects.create(activite=activite, debut=jour, fin=jour, motif="Grève")
            debut = time.perf_counter()
            with CaptureQueriesContext(connection) as requetes:
                mesure["annulees"] = services.annuler_les_jours_fermes(activite)
            mesure["duree"] = time.perf_counter() - debut
            mesure["requetes"] = len(requetes)
            mesure["courriels"] = Courriel.objects.count()
            mesure["restantes"] = Reservation.objects.actives().filter(date=jour).count()
            raise Annuler
    except Annuler:
        pass
    return mesure


# --- orchestration -------------------------------------------------------------------------


def _etape(mode: str, entree=None, timeout=None, *args) -> dict:
    sortie = subprocess.run(  # noqa: S603 - this script, fixed arguments
        [PYTHON, __file__, mode, *map(str, args)],
        input=json.dumps(entree) if entree is not None else "",
        env=ENV,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        timeout=timeout,
    ).stdout
    return json.loads(sortie.strip().splitlines()[-1])


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _base_de_donnees() -> None:
    nom = urllib.parse.urlparse(BASE).path.lstrip("/")
    if not BASE.startswith("postgres"):
        sys.exit("bench/rush.py mesure PostgreSQL : DATABASE_URL=postgres://…")
    subprocess.run(  # noqa: S603
        ["createdb", "-h", "127.0.0.1", "-U", "postgres", nom],  # noqa: S607
        stderr=subprocess.DEVNULL,
        check=False,
    )


def main() -> None:
    modes = {"--preparer": preparer, "--verifier": verifier}
    if sys.argv[1:2] and sys.argv[1] in modes:
        print(json.dumps(modes[sys.argv[1]]()))
        return
    charges = {"--connexions": connexions, "--nu": nu, "--ruee": ruee}
    if sys.argv[1:2] and sys.argv[1] in charges:
        port = int(sys.argv[2])
        entree = sys.stdin.read()
        args = [json.loads(entree)] if entree else []
        print(json.dumps(charges[sys.argv[1]](port, *args)))
        return

    _base_de_donnees()
    debut = time.perf_counter()
    prep = _etape("--preparer")
    print(
        f"Ville : {len(prep['parents'])} foyers (construite en {prep['construction']:.1f} s), "
        f"préparée en {time.perf_counter() - debut:.1f} s ; jours {', '.join(prep['jours'])}"
    )
    port = _port_libre()
    serveur = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "portail.wsgi:application",
            f"--workers={WORKERS}",
            f"--threads={THREADS}",
            "--worker-class=gthread",
            f"--bind=127.0.0.1:{port}",
            "--backlog=2048",
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
        parents = prep["parents"]
        cx = _etape("--connexions", parents[:CONNEXIONS_HTTP], 600, port)
        parents[:CONNEXIONS_HTTP] = cx.pop("parents")
        base = _etape("--nu", None, 120, port)
        rush = _etape("--ruee", parents, DUREE_MAX + 120, port)
    finally:
        serveur.terminate()
        serveur.wait(timeout=30)

    print()
    print(
        f"PostgreSQL, gunicorn {WORKERS} workers × {THREADS} threads (gthread), "
        f"CONN_MAX_AGE={ENV['CONN_MAX_AGE']}, {len(parents)} parents arrivant sur "
        f"{FENETRE:.0f} s, ≤ {CONNEXIONS} à la fois, arrêt à {DUREE_MAX:.0f} s"
    )
    print()
    print("| mesure | débit | p50 | p95 | p99 | erreurs |")
    print("|---|---|---|---|---|---|")
    print(
        f"| Django nu (« ok », 16 connexions) | {base['rps']:.0f} req/s | {base['p50']:.0f} ms | "
        f"{base['p95']:.0f} ms | {base['p99']:.0f} ms | — |"
    )
    print(
        f"| connexion par la page (GET + POST, {cx['n']} parents, 8 à la fois) | "
        f"{cx['n'] / cx['duree']:.1f} connexions/s | {cx['p50']:.0f} ms | {cx['p95']:.0f} ms | "
        f"{cx['p99']:.0f} ms | {cx['erreurs']} |"
    )
    print(
        f"| sessions écrites directement ({len(parents) - CONNEXIONS_HTTP} parents) | "
        f"{prep['sessions_directes']:.1f} s | — | — | — | — |"
    )
    for nom in ("calendrier", "réservation", "résumé", "toutes"):
        r = rush[nom]
        debit = f"{rush['post_s']:.1f} POST/s" if nom == "réservation" else ""
        if nom == "toutes":
            debit = f"{rush['rps']:.0f} req/s"
        print(
            f"| ruée : {nom} ({r['n']}) | {debit} | {r['p50']:.0f} ms | {r['p95']:.0f} ms | "
            f"{r['p99']:.0f} ms | {rush['erreurs'] if nom == 'toutes' else ''} |"
        )
    print()
    print(
        f"Parents servis : {rush['servis']}/{len(parents)} en {rush['duree']:.1f} s (dernier "
        f"parcours fini {rush['parcours_max_s']:.1f} s après son arrivée) ; requêtes SQL par "
        f"réservation (POST) : {prep['requetes_post']}"
    )
    if rush["exemples"]:
        print("Exemples d'erreurs :", "; ".join(rush["exemples"]))
    sys.stdout.flush()
    verif = _etape("--verifier")
    for j in verif["jours"]:
        print(
            f"- {j['date']} : {j['confirmees']} confirmées / {PLACES} places "
            f"({'ok' if j['places_ok'] else 'DÉPASSÉ'}), {j['attente']} en liste d'attente, "
            f"rangs {'1..k sans trou' if j['rangs_ok'] else 'FAUX'}"
        )
    for f in verif["fermetures"]:
        print(
            f"- fermeture du dernier jour par le service : {f['annulees']} réservations "
            f"annulées en {f['duree']:.2f} s, {f['requetes']} requêtes SQL, {f['courriels']} "
            f"courriels mis en file (aucun envoyé), {f['restantes']} restantes (puis retour "
            "arrière)"
        )
    print(
        f"- une seule réservation active par enfant et jour : "
        f"{'oui' if verif['doublons'] == 0 else 'NON (' + str(verif['doublons']) + ')'} ; "
        f"{verif['actives']} réservations actives pour {2 * rush['servis']} jours demandés "
        f"par les parents servis"
    )


if __name__ == "__main__":
    main()
