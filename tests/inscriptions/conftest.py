import datetime
import zoneinfo

import pytest
import time_machine

from inscriptions.models import Activite, Periode, Site

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
MAINTENANT = datetime.datetime(2026, 11, 27, 10, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def horloge():
    """Every enrolment test runs on Friday 27 November 2026, 10:00 in Paris."""
    with time_machine.travel(MAINTENANT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def periode(db) -> Periode:
    return Periode.objects.create(
        nom="Année scolaire 2026-2027",
        debut=datetime.date(2026, 9, 1),
        fin=datetime.date(2027, 7, 3),
    )


@pytest.fixture
def site(db) -> Site:
    return Site.objects.create(nom="École Jules Ferry")


@pytest.fixture
def creer_activite(periode, site):
    def creer(**champs) -> Activite:
        valeurs = {
            "nom": "Restauration scolaire",
            "type": Activite.Type.RESTAURATION,
            "site": site,
            "periode": periode,
            "ouverture_inscriptions": datetime.datetime(2026, 5, 1, 8, tzinfo=PARIS),
            "fermeture_inscriptions": datetime.datetime(2027, 6, 15, 23, tzinfo=PARIS),
            "validation": Activite.Validation.MANUELLE,
            **champs,
        }
        return Activite.objects.create(**valeurs)

    return creer


@pytest.fixture
def activite(creer_activite) -> Activite:
    return creer_activite()
