"""Shared fixtures: the three users every view test needs (after healthchecks' BaseTestCase).

- `parent`: a Responsable of household A (the owner),
- `coparent`: the other Responsable of household A,
- `etranger`: the Responsable of household B (a stranger to A),
plus `agent`, a staff member of the town hall.
"""

import datetime
import itertools

import pytest
from allauth.account.models import EmailAddress
from django.db import connection

from comptes.models import User
from familles.models import Enfant, Famille, Rattachement, Responsable
from portail.roles import assurer_groupe_gestionnaires

MOT_DE_PASSE = "mot-de-passe-de-test-42"
_compteur = itertools.count(1)


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="PostgreSQL uniquement (passe PostgreSQL de la CI)")
    for item in items:
        if "postgresql" in item.keywords:
            item.add_marker(skip)


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


@pytest.fixture
def agent(db) -> User:
    user = creer_user("agent@example.org", is_staff=True)
    user.groups.add(assurer_groupe_gestionnaires())
    return user


@pytest.fixture
def client_parent(client, parent):
    client.force_login(parent.user)
    return client


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client
