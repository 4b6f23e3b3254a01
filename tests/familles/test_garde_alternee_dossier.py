"""Garde alternée: the child's file is shared. A change by either household is traced and
shown to both on Ma famille, « par vous » or « par l'autre foyer », never with the other
parent's name or contact."""

import datetime
import html

import pytest
import time_machine
from django.urls import reverse

from familles.models import Enfant, Rattachement
from tests.conftest import creer_enfant, creer_responsable

URL = reverse("ma_famille")


@pytest.fixture(autouse=True)
def horloge():
    with time_machine.travel(datetime.datetime(2026, 12, 1, 8, tzinfo=datetime.UTC)) as t:
        yield t


@pytest.fixture
def a(db):
    return creer_responsable(
        email="pere.zephyr@example.org",
        prenom="Marc",
        nom="Zephyrinos",
        telephone_mobile="0671829304",
    )


@pytest.fixture
def b(db):
    return creer_responsable(email="mere@example.org", prenom="Julie", nom="Bernard")


@pytest.fixture
def lea(a, b) -> Enfant:
    enfant = creer_enfant(a.famille, prenom="Léa", nom="Durand", ecole="École Jules Ferry")
    Rattachement.objects.create(enfant=enfant, famille=b.famille)
    return enfant


def _modifier(client, enfant, **changements):
    donnees = {
        "prenom": enfant.prenom,
        "nom": enfant.nom,
        "sexe": enfant.sexe,
        "date_naissance": enfant.date_naissance.isoformat(),
        "ecole": enfant.ecole,
        "classe": enfant.classe,
        "personnes-TOTAL_FORMS": "1",
        "personnes-INITIAL_FORMS": "0",
        "personnes-MIN_NUM_FORMS": "0",
        "personnes-MAX_NUM_FORMS": "1000",
        **changements,
    }
    response = client.post(reverse("enfant_modifier", args=[enfant.pk]), donnees)
    assert response.status_code == 302, response.content.decode()


def _page(client, responsable) -> str:
    client.force_login(responsable.user)
    return html.unescape(client.get(URL).content.decode())


def test_a_change_by_one_household_is_shown_to_both(client, a, b, lea, horloge):
    horloge.move_to(datetime.datetime(2026, 12, 3, 14, 5, tzinfo=datetime.UTC))
    client.force_login(a.user)
    _modifier(client, lea, ecole="École des Deux-Maisons")
    page_b = _page(client, b)
    assert "École des Deux-Maisons" in page_b
    assert "Dernière modification le 3 décembre 2026 à 15:05 par l'autre foyer." in page_b
    assert "Zephyrinos" not in page_b and "pere.zephyr" not in page_b
    assert "06 71 82 93 04" not in page_b and "0671829304" not in page_b
    page_a = _page(client, a)
    assert "Dernière modification le 3 décembre 2026 à 15:05 par vous." in page_a


def test_authorised_persons_added_by_the_other_household_are_traced(client, a, b, lea, horloge):
    horloge.move_to(datetime.datetime(2026, 12, 4, 9, 0, tzinfo=datetime.UTC))
    client.force_login(b.user)
    _modifier(
        client,
        lea,
        **{
            "personnes-0-prenom": "Mamie",
            "personnes-0-nom": "Bernard",
            "personnes-0-lien": "grand-mère",
            "personnes-0-telephone": "06 11 11 11 11",
        },
    )
    page_a = _page(client, a)
    assert "Mamie Bernard" in page_a
    assert "Dernière modification le 4 décembre 2026 à 10:00 par l'autre foyer." in page_a


def test_a_change_by_the_service_says_so(client, a, agent, lea, horloge):
    horloge.move_to(datetime.datetime(2026, 12, 5, 8, 0, tzinfo=datetime.UTC))
    lea.allergies = "Arachide"
    lea._history_user = agent
    lea.save()
    assert "Dernière modification le 5 décembre 2026 à 09:00 par le service." in _page(client, a)
