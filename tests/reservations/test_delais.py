"""Deadline rules around midnight, week-ends and public holidays."""

import datetime

import pytest

from reservations.delais import RegleDelai
from tests.inscriptions.conftest import PARIS

D = datetime.date


def _a(jour, h, m=0):
    return datetime.datetime(jour.year, jour.month, jour.day, h, m, tzinfo=PARIS)


J2 = RegleDelai("jours", jours=2, heure=datetime.time(23, 59), sans_weekend=True, sans_feries=True)


def test_j2_on_a_wednesday_is_monday_2359():
    assert J2.limite(D(2026, 12, 2)) == _a(D(2026, 11, 30), 23, 59)


def test_week_ends_are_not_counted():
    # Monday 7 December: Friday 4 (J-1), Thursday 3 (J-2).
    assert J2.limite(D(2026, 12, 7)) == _a(D(2026, 12, 3), 23, 59)


def test_week_ends_counted_when_the_manager_says_so():
    regle = RegleDelai(
        "jours", jours=2, heure=datetime.time(23, 59), sans_weekend=False, sans_feries=False
    )
    assert regle.limite(D(2026, 12, 7)) == _a(D(2026, 12, 5), 23, 59)


def test_public_holidays_are_not_counted():
    # Friday 13 November 2026: Thursday 12 (J-1), Wednesday 11 is Armistice, Tuesday 10 (J-2).
    assert J2.limite(D(2026, 11, 13)) == _a(D(2026, 11, 10), 23, 59)


@pytest.mark.parametrize(
    ("moment", "depasse"),
    [
        (_a(D(2026, 11, 30), 23, 58), False),
        (_a(D(2026, 11, 30), 23, 59) + datetime.timedelta(seconds=59), False),
        (_a(D(2026, 12, 1), 0, 0), True),
        (_a(D(2026, 12, 1), 0, 1), True),
    ],
)
def test_the_deadline_holds_to_the_minute_around_midnight(moment, depasse):
    assert J2.depasse(D(2026, 12, 2), moment) is depasse


def test_midnight_in_paris_is_not_midnight_utc():
    # 23:30 in Paris on Monday is 22:30 UTC: still in time for Wednesday.
    utc = datetime.datetime(2026, 11, 30, 22, 30, tzinfo=datetime.UTC)
    assert not J2.depasse(D(2026, 12, 2), utc)
    assert J2.depasse(D(2026, 12, 2), utc + datetime.timedelta(hours=1, minutes=30))


def test_thursday_noon_for_the_following_week():
    regle = RegleDelai("hebdo", heure=datetime.time(12, 0), jour_semaine=3)
    # Wednesday 9 December: deadline Thursday 3 December at noon.
    assert regle.limite(D(2026, 12, 9)) == _a(D(2026, 12, 3), 12)
    assert regle.limite(D(2026, 12, 7)) == _a(D(2026, 12, 3), 12)
    assert regle.limite(D(2026, 12, 13)) == _a(D(2026, 12, 3), 12)
    assert regle.limite(D(2026, 12, 14)) == _a(D(2026, 12, 10), 12)


def test_rules_read_as_the_town_writes_them():
    assert J2.en_clair() == "J-2 à 23:59, week-ends et jours fériés non comptés"
    hebdo = RegleDelai("hebdo", heure=datetime.time(12, 0), jour_semaine=3)
    assert hebdo.en_clair() == "le jeudi 12:00 de la semaine précédente"
