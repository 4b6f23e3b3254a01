"""The custody share of each household's link (Rattachement): which days it covers."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from familles.models import Rattachement
from tests.conftest import creer_enfant

pytestmark = pytest.mark.django_db


def _lien(parent, **champs) -> Rattachement:
    enfant = creer_enfant(parent.famille, prenom="Chloé")
    lien = enfant.rattachements.get()
    for nom, valeur in champs.items():
        setattr(lien, nom, valeur)
    return lien


def test_alternate_weeks_follow_the_iso_week_number_across_a_53_week_year(parent):
    lien = _lien(parent, garde=Rattachement.Garde.SEMAINES, semaines="impaires")
    # 2026 has an ISO week 53 (28 Dec – 3 Jan), odd, followed by week 1 of 2027, odd too.
    assert datetime.date(2026, 12, 28).isocalendar().week == 53
    assert lien.a_la_garde(datetime.date(2026, 12, 28))
    assert lien.a_la_garde(datetime.date(2027, 1, 4))
    assert not lien.a_la_garde(datetime.date(2026, 12, 21))  # week 52
    assert lien.description_garde == "semaines impaires"


def test_weekday_split_covers_only_the_households_weekdays(parent):
    lien = _lien(parent, garde=Rattachement.Garde.JOURS, jours=[0, 1])
    lundi = datetime.date(2026, 12, 7)
    assert [lien.a_la_garde(lundi + datetime.timedelta(days=i)) for i in range(5)] == [
        True,
        True,
        False,
        False,
        False,
    ]
    assert lien.description_garde == "le lundi et le mardi"


def test_a_free_share_covers_every_day_and_says_nothing(parent):
    lien = _lien(parent)
    assert lien.garde == Rattachement.Garde.LIBRE
    assert lien.a_la_garde(datetime.date(2026, 12, 9))
    assert lien.description_garde == ""


@pytest.mark.parametrize(
    ("champs", "champ_en_erreur"),
    [
        ({"garde": "semaines", "semaines": ""}, "semaines"),
        ({"garde": "jours", "jours": []}, "jours"),
        ({"garde": "jours", "jours": [7]}, "jours"),
        ({"garde": "jours", "jours": ["lundi"]}, "jours"),
    ],
)
def test_an_incomplete_share_is_refused_in_french(parent, champs, champ_en_erreur):
    lien = _lien(parent, **champs)
    with pytest.raises(ValidationError) as erreur:
        lien.full_clean()
    assert champ_en_erreur in erreur.value.message_dict


def test_clean_drops_the_fields_of_another_share(parent):
    lien = _lien(parent, garde="libre", semaines="paires", jours=[2])
    lien.full_clean()
    assert (lien.semaines, lien.jours) == ("", [])
