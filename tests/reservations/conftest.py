import datetime

import pytest

from inscriptions.models import Inscription
from reservations.models import ParametresReservation, Vacances
from tests.conftest import creer_enfant
from tests.inscriptions.conftest import *  # noqa: F403 - shared fixtures (frozen clock…)

D = datetime.date


@pytest.fixture
def cantine(creer_activite, periode):
    """Mon/Tue/Thu/Fri in school time, 2 places a day, J-2 23:59 without week-ends/holidays."""
    activite = creer_activite(nom="Restauration scolaire")
    ParametresReservation.objects.create(
        activite=activite, jours_ouverture=[0, 1, 3, 4], places_par_jour=2
    )
    Vacances.objects.create(
        periode=periode, nom="Vacances de Noël", debut=D(2026, 12, 19), fin=D(2027, 1, 3)
    )
    return activite


def inscrire(famille, activite, prenom="Léa", **champs) -> Inscription:
    enfant = creer_enfant(famille, prenom=prenom, **champs)
    return Inscription.objects.create(
        enfant=enfant,
        famille=famille,
        activite=activite,
        date_debut=D(2026, 9, 1),
        date_fin=D(2027, 7, 3),
        statut=Inscription.Statut.VALIDEE,
    )


@pytest.fixture
def inscription(parent, cantine) -> Inscription:
    return inscrire(parent.famille, cantine)
