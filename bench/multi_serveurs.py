"""Several servers, one database: nothing is kept in one process (issue #9, build 3).

    createdb -h 127.0.0.1 -U postgres portail_bench_multi
    flock /tmp/bench.lock .venv/bin/python bench/multi_serveurs.py

PostgreSQL only (DATABASE_URL, default: the local `portail_bench_multi` database). Runs
two gunicorn servers (DEBUG off, CACHE=database, one worker process each) on two
loopback ports and one background worker (`manage.py worker`), then shows, over HTTP:

1. a parent signs in on server A and, with the same cookie, books a day on server B
   (sessions in the database);
2. a password-reset e-mail asked on server B is sent by the worker (not by the request):
   it appears in the worker's output;
3. failed sign-ins on one account, alternating between A and B, are refused from the
   6th on (limit "5 per 5 minutes per account", counted in the shared cache: with a
   per-process cache each server would allow 5);
4. both servers answer /sante/ with the worker seen; bare Django ("ok" view) timed on
   each in the same run, next to the sign-in and booking requests.

Bounded: every request times out after 30 s, every wait is counted, the processes are
stopped at the end. Prints a Markdown table for docs/performance.md.
"""

import http.client
import http.cookies
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portail_bench_multi")
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "portail.settings",
    "DATABASE_URL": BASE,
    "DEBUG": "0",
    "SECRET_KEY": "bench-multi-secret-key-not-for-production-0123456789abcdefgh",
    "PORTAIL_URL": "https://portail.example.org",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "PORTAIL_BENCH": "1",
    "TRUSTED_PROXY_COUNT": "0",
    "CACHE": "database",
    "CONN_MAX_AGE": "60",
    # The worker prints the mails it sends: the bench reads them there.
    "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    # A town of 3 households from bench/rush.py (its builder), on this bench's database.
    "RUSH_PARENTS": "3",
    "RUSH_PLACES": "10",
}


def preparer() -> dict:
    """In its own process: migrate, the shared cache table, the small town, a clean slate."""
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ.update(ENV)
    import rush

    rush._django()
    from django.contrib.sessions.models import Session
    from django.core.cache import cache
    from django.core.management import call_command

    from comptes.models import Courriel, PoulsWorker
    from inscriptions.models import Activite, Inscription
    from reservations.models import Reservation

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    activite = Activite.objects.filter(nom=rush.ACTIVITE).first() or rush._construire()
    Reservation.objects.filter(activite=activite).delete()
    Session.objects.all().delete()
    Courriel.objects.all().delete()
    PoulsWorker.objects.all().delete()
    cache.clear()
    jour = rush._jours_ouverts(activite)[0]
    pk, email = (
        Inscription.objects.filter(activite=activite)
        .order_by("pk")
        .values_list("pk", "famille__responsables__user__email")
        .first()
    )
    autre = (
        Inscription.objects.filter(activite=activite)
        .order_by("pk")
        .values_list("famille__responsables__user__email", flat=True)[1]
    )
    return {
        "email": email,
        "autre": autre,
        "mot_de_passe": rush.MOT_DE_PASSE,
        "chemin": f"/reservations/{pk}/{jour.year}/{jour.month}/",
        "jour": jour.isoformat(),
        "inscription": pk,
    }


def compter_reservations(inscription: int, jour: str) -> int:
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ.update(ENV)
    import rush

    rush._django()
    from reservations.models import Reservation

    return Reservation.objects.actives().filter(inscription_id=inscription, date=jour).count()


class Navigateur:
    """One browser: cookies kept whichever server it talks to."""

    def __init__(self):
        self.cookies = http.cookies.SimpleCookie()

    def requete(self, port: int, methode: str, chemin: str, corps: dict | None = None):
        entetes = {
            # One public name for both servers, as behind a load balancer (allauth keys
            # the per-account limit on it: "127.0.0.1:port" would make two accounts).
            "Host": "127.0.0.1",
            "X-Forwarded-Proto": "https",
            "Cookie": "; ".join(f"{k}={m.value}" for k, m in self.cookies.items()),
        }
        donnees = None
        if corps is not None:
            entetes["Content-Type"] = "application/x-www-form-urlencoded"
            entetes["Origin"] = "https://127.0.0.1"
            entetes["Referer"] = f"https://127.0.0.1{chemin}"
            corps = {"csrfmiddlewaretoken": self.cookies["csrftoken"].value, **corps}
            donnees = urllib.parse.urlencode(corps, doseq=True)
        debut = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request(methode, chemin, body=donnees, headers=entetes)
            reponse = conn.getresponse()
            contenu = reponse.read().decode()
        finally:
            conn.close()
        ms = (time.perf_counter() - debut) * 1000
        for valeur in reponse.headers.get_all("Set-Cookie") or []:
            self.cookies.load(valeur)
        return reponse.status, contenu, ms


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _attendre(condition, essais: int = 60, pause: float = 0.5):
    for _ in range(essais):
        resultat = condition()
        if resultat:
            return resultat
        time.sleep(pause)
    return None


def _sante(port: int):
    try:
        statut, contenu, _ = Navigateur().requete(port, "GET", "/sante/")
    except OSError:
        return None
    return json.loads(contenu) if statut == 200 else None


def _etape(mode: str, *args) -> dict | int:
    sortie = subprocess.run(  # noqa: S603 (this script, fixed arguments)
        [sys.executable, __file__, mode, *args],
        env=ENV,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(sortie.stdout.strip().splitlines()[-1])


def _connexion(nav: Navigateur, port: int, email: str, mot_de_passe: str) -> tuple[str, float]:
    """'connecté', 'refusé' (wrong password) or 'bloqué' (rate limit), and the time."""
    _, _, ms1 = nav.requete(port, "GET", "/comptes/login/")
    statut, page, ms2 = nav.requete(
        port, "POST", "/comptes/login/", {"login": email, "password": mot_de_passe}
    )
    if statut == 302:
        return "connecté", ms1 + ms2
    bloque = statut == 429 or "Trop de tentatives de connexion" in page
    return ("bloqué" if bloque else "refusé"), ms1 + ms2


def _nu(port: int, n: int = 200) -> float:
    """Bare Django on this server, sequential requests: median in ms."""
    durees = sorted(Navigateur().requete(port, "GET", "/bench/ok/")[2] for _ in range(n))
    return durees[len(durees) // 2]


def main() -> None:
    if not BASE.startswith("postgres"):
        sys.exit(
            "bench/multi_serveurs.py montre plusieurs serveurs sur PostgreSQL : DATABASE_URL=postgres://…"
        )
    ville = _etape("--preparer")
    ports = {"A": _port_libre(), "B": _port_libre()}
    journal_worker = tempfile.NamedTemporaryFile("w+", prefix="worker-", suffix=".log")  # noqa: SIM115
    processus = [
        subprocess.Popen(  # noqa: S603 (fixed command)
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "portail.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                "1",
            ],
            cwd=ROOT,
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports.values()
    ]
    processus.append(
        subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--no-reload", "--interval", "0.2"],
            cwd=ROOT,
            env=ENV,
            stdout=journal_worker,
            stderr=subprocess.STDOUT,
        )
    )
    lignes = []
    try:
        for nom, port in ports.items():
            assert _attendre(lambda port=port: _sante(port)), f"le serveur {nom} ne répond pas"

        # 1. Signed in on A, booking on B.
        nav = Navigateur()
        etat, ms_connexion = _connexion(nav, ports["A"], ville["email"], ville["mot_de_passe"])
        assert etat == "connecté" and "sessionid" in nav.cookies, f"connexion sur A : {etat}"
        statut, page, ms_calendrier = nav.requete(ports["B"], "GET", ville["chemin"])
        assert statut == 200, f"calendrier sur B : {statut} (pas connecté ?)"
        statut, _, ms_reservation = nav.requete(
            ports["B"], "POST", ville["chemin"], {"jours": [ville["jour"]]}
        )
        reserve = _etape("--compter", str(ville["inscription"]), ville["jour"])
        assert statut == 302 and reserve == 1, f"réservation sur B : {statut}, {reserve}"

        # 2. Mail asked on B, sent by the worker.
        inconnu = Navigateur()
        inconnu.requete(ports["B"], "GET", "/comptes/password/reset/")
        statut, _, ms_oubli = inconnu.requete(
            ports["B"], "POST", "/comptes/password/reset/", {"email": ville["email"]}
        )
        assert statut == 302, f"mot de passe oublié sur B : {statut}"
        debut = time.perf_counter()

        def mail_parti():
            journal_worker.seek(0)
            return ville["email"] in journal_worker.read()

        assert _attendre(mail_parti, essais=100, pause=0.1), "aucun e-mail envoyé par le worker"
        delai_mail = time.perf_counter() - debut

        # 3. Failed sign-ins on one account, alternating servers.
        tentatives = []
        for n in range(8):
            serveur = "AB"[n % 2]
            etat, _ = _connexion(Navigateur(), ports[serveur], ville["autre"], "pas-le-bon")
            tentatives.append((serveur, etat))
        premier_refus = next((n + 1 for n, (_, e) in enumerate(tentatives) if e == "bloqué"), None)
        assert premier_refus == 6, f"limite non partagée : {tentatives}"

        # 4. Health and bare Django, same run.
        etats = {nom: _sante(port) for nom, port in ports.items()}
        assert all(e and e["worker"] == "ok" for e in etats.values()), etats
        nus = {nom: _nu(port) for nom, port in ports.items()}
        lignes = [
            ("connexion sur A (page + POST)", f"{ms_connexion:.0f} ms", "302, cookie de session"),
            ("calendrier du mois sur B, même cookie", f"{ms_calendrier:.0f} ms", "200, connecté"),
            ("réservation (POST) sur B", f"{ms_reservation:.0f} ms", "302, 1 réservation en base"),
            (
                "« mot de passe oublié » sur B",
                f"{ms_oubli:.0f} ms",
                "302, rien envoyé par la requête",
            ),
            ("e-mail envoyé par le worker", f"{delai_mail:.1f} s après", "visible dans sa sortie"),
            (
                "8 connexions ratées sur un compte, A puis B en alternance",
                "—",
                "bloquées à partir de la 6ᵉ : " + " ".join(f"{s}:{c}" for s, c in tentatives),
            ),
            ("/sante/ sur A et B", "—", f"base ok, worker {etats['A']['worker']}"),
            (
                "Django nu (vue « ok »), médiane de 200",
                f"A {nus['A']:.1f} ms, B {nus['B']:.1f} ms",
                "",
            ),
        ]
    finally:
        for p in processus:
            p.terminate()
        for p in processus:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        journal_worker.close()
    print("| étape (2 gunicorn + 1 worker, une base PostgreSQL) | durée | résultat |")
    print("|---|---|---|")
    for ligne in lignes:
        print("| " + " | ".join(ligne) + " |")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--preparer"]:
        print(json.dumps(preparer()))
    elif sys.argv[1:2] == ["--compter"]:
        print(json.dumps(compter_reservations(int(sys.argv[2]), sys.argv[3])))
    else:
        main()
