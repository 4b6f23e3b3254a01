"""PostgreSQL stops under a running server: parents get the French 503 page, /sante/
says so to the load balancer, and when PostgreSQL is back the same server process
serves again by itself (its persistent connection is checked and replaced).

The test builds its own throwaway cluster (initdb on a free port under /tmp, as the
postgres user when run as root), so it never touches the CI's server."""

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.postgresql


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _binaires() -> Path:
    dossiers = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    if not dossiers:
        pytest.skip("initdb introuvable (paquet postgresql)")
    return Path(dossiers[-1])


class Grappe:
    """A PostgreSQL cluster of our own: initdb, start, stop, start again."""

    def __init__(self):
        self.bin = _binaires()
        self.port = _port_libre()
        self.dossier = Path(tempfile.mkdtemp(prefix="portail-pg-"))
        self.comme_postgres = os.geteuid() == 0
        if self.comme_postgres:
            shutil.chown(self.dossier, "postgres", "postgres")

    def _lancer(self, *commande: str) -> None:
        if self.comme_postgres:
            commande = ("runuser", "-u", "postgres", "--", *commande)
        subprocess.run(commande, check=True, capture_output=True, timeout=60)

    def initialiser(self) -> None:
        self._lancer(
            str(self.bin / "initdb"),
            "-D",
            str(self.dossier / "data"),
            "-A",
            "trust",
            "-U",
            "postgres",
        )

    def demarrer(self) -> None:
        options = f"-p {self.port} -k {self.dossier} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._lancer(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.dossier / "data"),
            "-o",
            options,
            "-l",
            str(self.dossier / "journal.log"),
            "-w",
            "-t",
            "30",
            "start",
        )

    def arreter(self, mode: str = "fast") -> None:
        self._lancer(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.dossier / "data"),
            "-m",
            mode,
            "-w",
            "-t",
            "30",
            "stop",
        )

    def detruire(self) -> None:
        with contextlib.suppress(Exception):
            self.arreter("immediate")
        shutil.rmtree(self.dossier, ignore_errors=True)


@pytest.fixture
def grappe():
    grappe = Grappe()
    try:
        grappe.initialiser()
        grappe.demarrer()
        yield grappe
    finally:
        grappe.detruire()


def _env(grappe: Grappe) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "CACHE")}
    return {
        **env,
        "PORTAIL_TESTING": "1",  # production code paths, without collectstatic or secrets
        "DEBUG": "0",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{grappe.port}/postgres",
        "CONN_MAX_AGE": "60",  # the persistent connection must be replaced by itself
        "ALLOWED_HOSTS": "127.0.0.1",
    }


def _manage(env: dict, *args: str) -> str:
    resultat = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    return resultat.stdout


def _get(url: str, cookie: str = "") -> tuple[int, str, dict]:
    requete = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    try:
        with _OUVREUR.open(requete, timeout=15) as reponse:
            return reponse.status, reponse.read().decode(), dict(reponse.headers)
    except urllib.error.HTTPError as erreur:
        return erreur.code, erreur.read().decode(), dict(erreur.headers)


SESSION = """
from django.test import Client
from comptes.models import User
user = User.objects.create_user("parent@example.org", "mot-de-passe-de-test-42")
client = Client()
client.force_login(user)
print(client.cookies["sessionid"].value)
"""


class _SansRedirection(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect to the sign-in page is an answer too


_OUVREUR = urllib.request.build_opener(_SansRedirection)


def test_parents_get_a_french_503_while_postgresql_is_down_and_it_recovers_alone(grappe):
    env = _env(grappe)
    _manage(env, "migrate", "--noinput", "-v", "0")
    cookie = "sessionid=" + _manage(env, "shell", "-v", "0", "-c", SESSION).strip()
    port = _port_libre()
    serveur = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "portail.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(60):  # bounded wait for the server
            with contextlib.suppress(OSError):
                if _get(f"{base}/sante/")[0] == 200:
                    break
            time.sleep(0.5)
        assert _get(f"{base}/sante/")[0] == 200
        avant = _get(f"{base}/tableau-de-bord/", cookie)[0]
        assert avant < 500

        grappe.arreter()
        statut, page, entetes = _get(f"{base}/tableau-de-bord/", cookie)
        assert statut == 503
        assert "Service momentanément indisponible" in page
        assert entetes["Retry-After"] == "30"
        assert _get(f"{base}/sante/")[0] == 503

        grappe.demarrer()  # no restart of the web server
        assert _get(f"{base}/sante/")[0] == 200
        assert _get(f"{base}/tableau-de-bord/", cookie)[0] == avant  # still signed in
    finally:
        serveur.terminate()
        serveur.wait(timeout=15)
