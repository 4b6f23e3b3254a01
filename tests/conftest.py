"""Shared fixtures: the three users every view test needs (after healthchecks' BaseTestCase).

- `parent`: a Responsable of household A (the owner),
- `coparent`: the other Responsable of household A,
- `etranger`: the Responsable of household B (a stranger to A),
plus `agent`, a staff member of the town hall.
"""

import datetime
import itertools
import time
from unittest import mock

import pytest
from allauth.account.internal.flows.login import record_authentication
from allauth.account.models import EmailAddress
from django.db import connection
from django.test import Client, RequestFactory
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from comptes.models import User
from familles.models import Enfant, Famille, Rattachement, Responsable
from portail.roles import GESTIONNAIRE, groupe

MOT_DE_PASSE = "mot-de-passe-de-test-42"
_compteur = itertools.count(1)


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="PostgreSQL uniquement (passe PostgreSQL de la CI)")
    for item in items:
        if "postgresql" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _informations_commune_par_defaut():
    """Every test starts as a fresh database does: the town's details are the defaults,
    already in the cache (as after the first page of a running server), so query counts
    do not depend on which test ran first."""
    from django.core.cache import cache

    from portail.models import Actualite, InformationsCommune

    cache.set(InformationsCommune.CLE_CACHE, InformationsCommune(pk=1))
    cache.delete(Actualite.CLE_CACHE)  # the home page's news: read afresh in each test
    yield
    cache.delete(InformationsCommune.CLE_CACHE)
    cache.delete(Actualite.CLE_CACHE)


def marquer_double_authentification(client: Client, user: User) -> None:
    """The client's session has passed the second factor, as after a sign-in with the
    authenticator app (staff need it: comptes.middleware)."""
    requete = RequestFactory().get("/")
    requete.session = client.session
    record_authentication(requete, user, "mfa", type="totp")
    requete.session.save()


SECRET_TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def code_totp(secret: str = SECRET_TOTP, decalage: int = 0) -> str:
    """The authenticator app's current code for `secret` (e.g. after
    `allauth.mfa.totp.internal.auth.TOTP.activate(user, SECRET_TOTP)`), for tests that
    sign a staff member in for real (browser tests). `decalage`: periods of 30 s."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + decalage))


@pytest.fixture(autouse=True)
def _force_login_avec_double_authentification(monkeypatch):
    """`client.force_login` skips the sign-in altogether: for staff, it also skips the
    second factor (tests/comptes/test_mfa.py tests the real sign-in)."""
    force_login = Client.force_login

    def force_login_agent(self, user, backend=None):
        force_login(self, user, backend)
        if user.is_staff:
            marquer_double_authentification(self, user)

    monkeypatch.setattr(Client, "force_login", force_login_agent)


def creer_user(email: str, **extra) -> User:
    user = User.objects.create_user(email, MOT_DE_PASSE, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def creer_responsable(
    famille: Famille | None = None, email: str | None = None, **champs
) -> Responsable:
    n = next(_compteur)
    if famille is None:
        famille = Famille.objects.create(nom=f"Famille Test{n}")
    valeurs = {
        "civilite": "mme",
        "prenom": f"Prénom{n}",
        "nom": f"Nom{n}",
        "adresse": f"{n} rue de la Paix",
        "code_postal": "44000",
        "ville": "Nantes",
        "telephone_mobile": "06 12 34 56 78",
        **champs,
    }
    return Responsable.objects.create(
        user=creer_user(email or f"responsable{n}@example.org"), famille=famille, **valeurs
    )


def creer_enfant(famille: Famille, prenom: str = "Zoé", **champs) -> Enfant:
    valeurs = {"nom": "Test", "sexe": "f", "date_naissance": datetime.date(2018, 5, 4), **champs}
    enfant = Enfant.objects.create(prenom=prenom, **valeurs)
    Rattachement.objects.create(enfant=enfant, famille=famille)
    return enfant


@pytest.fixture
def parent(db) -> Responsable:
    return creer_responsable(email="parent@example.org", prenom="Camille", nom="Martin")


@pytest.fixture
def coparent(parent) -> Responsable:
    return creer_responsable(
        famille=parent.famille,
        email="coparent@example.org",
        civilite="m",
        prenom="Paul",
        nom="Martin",
    )


@pytest.fixture
def etranger(db) -> Responsable:
    return creer_responsable(email="etranger@example.org", prenom="Inès", nom="Autre")


def creer_agent(email: str, role: str = GESTIONNAIRE) -> User:
    """A staff member with one role (portail.roles)."""
    user = creer_user(email, is_staff=True)
    user.groups.add(groupe(role))
    return user


@pytest.fixture
def agent(db) -> User:
    return creer_agent("agent@example.org")


@pytest.fixture
def executer_taches(db):
    """Run the background tasks that are due, as `manage.py db_worker` does; returns how
    many ran. No request sends e-mail itself: a test reads `mail.outbox` after this.
    Tasks enqueued "after commit" exist only once the commit happened (in a test:
    `django_capture_on_commit_callbacks(execute=True)`)."""

    def executer() -> int:
        worker = Worker(
            queue_names=["*"],
            excluded_queue_names=[],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="tests",
        )
        deja_en_echec = set(DBTaskResult.objects.failed().values_list("pk", flat=True))
        # The worker shares the test's transaction: it must not close the connection.
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            worker.run()
        for echec in DBTaskResult.objects.failed().exclude(pk__in=deja_en_echec):
            pytest.fail(f"La tâche {echec.task_path} a échoué :\n{echec.traceback}")
        return worker._run_tasks

    return executer


@pytest.fixture
def client_parent(client, parent):
    client.force_login(parent.user)
    return client


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client
