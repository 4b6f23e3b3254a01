"""Querysets compiled once per process (portail/preparees.py): the same rows and objects as
the plain queryset, for each call's own values."""

import datetime

import pytest
from django.db.models import Count

from comptes.models import User
from familles.models import Enfant, Famille
from portail.preparees import Preparee, PrepareeParNombre
from tests.conftest import creer_enfant, creer_responsable

AVEC_FOYER = Preparee(
    lambda user_id: User.objects.select_related("responsable__famille").filter(pk=user_id), int
)


def test_it_gives_the_objects_of_the_queryset_with_their_related_ones(
    parent, etranger, django_assert_num_queries
):
    with django_assert_num_queries(1):
        (user,) = AVEC_FOYER(parent.user.pk)
        assert user.responsable.famille.nom == parent.famille.nom  # (read with the user)
    attendu = User.objects.select_related("responsable__famille").get(pk=parent.user.pk)
    assert user.pk == attendu.pk and user.email == attendu.email
    assert user.responsable.pk == attendu.responsable.pk
    # The next call puts its own value in the kept SQL.
    (autre,) = AVEC_FOYER(etranger.user.pk)
    assert autre.pk == etranger.user.pk and autre.responsable.famille.pk == etranger.famille.pk
    assert AVEC_FOYER(-1) == []
    # (an id no 64-bit column holds matches nothing, as with the ORM: no query at all)
    with django_assert_num_queries(0):
        assert AVEC_FOYER(2**63) == [] and AVEC_FOYER(-(2**63) - 1) == []
    # (a string id, as a session may hold it, is turned into the declared int)
    assert [u.pk for u in AVEC_FOYER(str(parent.user.pk))] == [parent.user.pk]


def _enfants_nes_entre(famille_id, debut, fin):
    return (
        Enfant.objects.filter(
            rattachements__famille_id=famille_id, date_naissance__range=(debut, fin)
        )
        .values_list("prenom", "date_naissance")
        .annotate(n=Count("pk"))
        .order_by("prenom")
    )


ENFANTS_NES_ENTRE = Preparee(_enfants_nes_entre, int, datetime.date, datetime.date)


def test_values_list_rows_with_dates_match_the_queryset(parent):
    D = datetime.date
    creer_enfant(parent.famille, prenom="Anna", date_naissance=D(2018, 3, 1))
    creer_enfant(parent.famille, prenom="Boris", date_naissance=D(2020, 6, 1))
    autre = creer_responsable(email="autre@example.org")
    creer_enfant(autre.famille, prenom="Carla", date_naissance=D(2019, 1, 1))
    for famille in (parent.famille, autre.famille):
        for debut, fin in ((D(2017, 1, 1), D(2021, 1, 1)), (D(2019, 1, 1), D(2021, 1, 1))):
            attendu = list(_enfants_nes_entre(famille.pk, debut, fin))
            assert ENFANTS_NES_ENTRE(famille.pk, debut, fin) == attendu
    assert ENFANTS_NES_ENTRE(parent.famille.pk, D(2019, 1, 1), D(2021, 1, 1)) == [
        ("Boris", D(2020, 6, 1), 1)
    ]


def test_a_value_the_sql_does_not_carry_is_refused(db):
    # (a builder that ignores one of its values would silently reuse the first call's)
    ignore = Preparee(lambda famille_id, autre: Famille.objects.filter(pk=famille_id), int, int)
    with pytest.raises(ValueError, match="absentes"):
        ignore(1, 2)
    with pytest.raises(TypeError):
        AVEC_FOYER(1, 2)


def test_flat_values_are_the_querysets(parent, etranger):
    prenoms = Preparee(
        lambda famille_id: (
            Enfant.objects.filter(rattachements__famille_id=famille_id)
            .order_by("prenom")
            .values_list("prenom", flat=True)
        ),
        int,
    )
    creer_enfant(parent.famille, prenom="Yann")
    creer_enfant(parent.famille, prenom="Alix")
    creer_enfant(etranger.famille, prenom="Bob")
    assert prenoms(parent.famille.pk) == ["Alix", "Yann"]
    assert prenoms(etranger.famille.pk) == ["Bob"]


def test_a_datetime_for_a_date_is_refused(parent):
    with pytest.raises(TypeError, match="date attendue"):
        ENFANTS_NES_ENTRE(
            parent.famille.pk, datetime.datetime(2020, 1, 1, 12, 0), datetime.date(2021, 1, 1)
        )


def test_aware_datetimes_are_put_in_place_and_naive_ones_refused(parent, etranger):
    inscrits_avant = Preparee(
        lambda moment: User.objects.filter(date_joined__lt=moment).order_by("pk"),
        datetime.datetime,
    )
    User.objects.filter(pk=parent.user.pk).update(
        date_joined=datetime.datetime(2020, 1, 1, 8, tzinfo=datetime.UTC)
    )
    User.objects.filter(pk=etranger.user.pk).update(
        date_joined=datetime.datetime(2024, 1, 1, 8, tzinfo=datetime.UTC)
    )
    for moment in (
        datetime.datetime(2020, 1, 1, 8, 0, 1, tzinfo=datetime.UTC),
        datetime.datetime(2020, 1, 1, 8, 0, 0, tzinfo=datetime.UTC),
        datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC),
    ):
        attendu = list(User.objects.filter(date_joined__lt=moment).order_by("pk"))
        assert inscrits_avant(moment) == attendu
    assert inscrits_avant(datetime.datetime(2022, 1, 1, tzinfo=datetime.UTC)) == [parent.user]
    with pytest.raises(TypeError, match="fuseau"):
        inscrits_avant(datetime.datetime(2022, 1, 1))
    with pytest.raises(TypeError, match="fuseau"):
        inscrits_avant(datetime.date(2022, 1, 1))


def test_a_list_of_values_is_prepared_per_length(parent):
    D = datetime.date
    for prenom, jour in (
        ("Anna", D(2018, 3, 1)),
        ("Boris", D(2020, 6, 1)),
        ("Carla", D(2021, 1, 1)),
    ):
        creer_enfant(parent.famille, prenom=prenom, date_naissance=jour)

    def nes_ces_jours(famille_id, jours):
        return (
            Enfant.objects.filter(rattachements__famille_id=famille_id, date_naissance__in=jours)
            .order_by("prenom")
            .values_list("prenom", flat=True)
        )

    nes = PrepareeParNombre(nes_ces_jours, int, nombre_max=2)
    famille = parent.famille.pk
    assert nes(famille, [D(2020, 6, 1)]) == ["Boris"]
    assert nes(famille, [D(2018, 3, 1)]) == ["Anna"]  # (the same length: its own value)
    assert nes(famille, [D(2021, 1, 1), D(2018, 3, 1), D(2021, 1, 1)]) == ["Anna", "Carla"]
    trois = [D(2021, 1, 1), D(2018, 3, 1), D(2020, 6, 1)]  # beyond nombre_max: plain queryset
    assert nes(famille, trois) == list(nes_ces_jours(famille, trois)) == ["Anna", "Boris", "Carla"]
    assert nes(famille, []) == []
    assert nes(-1, [D(2020, 6, 1)]) == []
    assert sorted(nes._par_nombre) == [1, 2]
