"""Issue #9, goal 2: the booking POST's reads compiled once per process (portail/preparees.py)
give what the plain querysets give, for any number of days and each call's own values."""

import datetime

import pytest
from django.db.models import Count, Max, Q
from django.urls import reverse

from comptes.services import tarifs
from reservations import calendrier, services
from reservations.models import Fermeture, ParametresReservation, Reservation, Vacances
from tests.conftest import creer_responsable
from tests.finances.aide import tarif
from tests.reservations.conftest import inscrire

D = datetime.date
Etat = Reservation.Etat
JOURS = [D(2026, 12, 3), D(2026, 12, 4), D(2026, 12, 7), D(2026, 12, 8), D(2026, 12, 10)]


def _etat_simple(activite, jours, enfant=None):
    """The grouped read as it was written before it was prepared."""
    mesures = {
        "occupees": Count("pk", filter=Q(etat__in=Reservation.ETATS_OCCUPANT_UNE_PLACE)),
        "file": Count("pk", filter=Q(etat=Etat.ATTENTE)),
        "dernier": Max("rang_attente"),
    }
    if enfant is not None:
        mesures["foyer"] = Max("inscription__famille_id", filter=Q(enfant=enfant))
    occupees, attente, foyers = {}, {}, {}
    for ligne in (
        Reservation.objects.actives()
        .filter(activite=activite, date__in=jours)
        .values("date")
        .annotate(**mesures)
        .order_by()
    ):
        if ligne["occupees"]:
            occupees[ligne["date"]] = ligne["occupees"]
        if ligne["file"]:
            attente[ligne["date"]] = (ligne["file"], ligne["dernier"])
        if ligne.get("foyer") is not None:
            foyers[ligne["date"]] = ligne["foyer"]
    return occupees, attente, foyers


@pytest.fixture
def jours_occupes(cantine):
    """Three children on the first days (2 places: one waits), one on the fourth."""
    inscriptions = [inscrire(creer_responsable().famille, cantine, f"E{i}") for i in range(3)]
    for inscription in inscriptions:
        services.reserver(inscription, JOURS[:3])
    services.reserver(inscriptions[0], [JOURS[3]])
    return inscriptions


def test_the_days_counts_match_the_plain_query_for_any_number_of_days(cantine, jours_occupes):
    enfant = jours_occupes[2].enfant
    assert _etat_simple(cantine, JOURS[3:])[1] == {}  # (one child: nobody waits)
    assert _etat_simple(cantine, JOURS[:3], enfant)[1] == dict.fromkeys(JOURS[:3], (1, 1))
    for n in range(1, len(JOURS) + 1):
        for qui in (None, enfant, jours_occupes[0].enfant):
            assert services._etat_des_jours(cantine, JOURS[:n], qui) == _etat_simple(
                cantine, JOURS[:n], qui
            )
    # more days than are prepared: the plain queryset, the same answer
    beaucoup = [D(2026, 11, 1) + datetime.timedelta(days=n) for n in range(40)]
    assert services._etat_des_jours(cantine, beaucoup, enfant) == _etat_simple(
        cantine, beaucoup, enfant
    )
    assert services._etat_des_jours(cantine, [], enfant) == ({}, {}, {})


def test_the_childs_days_split_by_household_match_the_plain_query(cantine, jours_occupes, parent):
    inscription = jours_occupes[0]
    miens, autres = services.jours_du_foyer(inscription, set(JOURS))
    assert miens == set(JOURS[:4]) and autres == set()
    # another household's enrolment of the same child (garde alternée) sees them as theirs
    autre = inscrire(parent.famille, cantine)
    autre.enfant = inscription.enfant
    assert services.jours_du_foyer(autre, JOURS[2:]) == (set(), set(JOURS[2:4]))
    assert services.jours_du_foyer(inscription, set()) == (set(), set())


def test_the_calendar_reads_match_the_plain_queries(cantine, periode):
    Fermeture.objects.create(activite=cantine, debut=D(2026, 12, 7), fin=D(2026, 12, 8), motif="X")
    for debut, fin in ((D(2026, 12, 1), D(2026, 12, 31)), (D(2026, 12, 1), D(2026, 12, 5))):
        cal = calendrier.Calendrier.charger(cantine, debut, fin, journees={})
        assert cal.parametres.pk == ParametresReservation.objects.get(activite=cantine).pk
        assert [v.pk for v in cal.vacances] == [
            v.pk
            for v in Vacances.objects.filter(
                periode_id=cantine.periode_id, fin__gte=debut, debut__lte=fin
            )
        ]
        assert [f.pk for f in cal.fermetures] == [
            f.pk for f in Fermeture.objects.filter(activite=cantine, fin__gte=debut, debut__lte=fin)
        ]
    assert len(calendrier.Calendrier.charger(cantine, D(2026, 12, 1), D(2026, 12, 31)).vacances)
    assert not calendrier.Calendrier.charger(cantine, D(2026, 12, 1), D(2026, 12, 5)).fermetures
    ParametresReservation.objects.filter(activite=cantine).delete()
    with pytest.raises(ParametresReservation.DoesNotExist):
        calendrier.Calendrier.charger(cantine, D(2026, 12, 1), D(2026, 12, 31))


def test_the_tariff_reads_match_the_plain_queries(parent, etranger, inscription):
    from comptes.models import QuotientFamilial, TrancheTarif

    le_tarif = tarif(inscription.activite, unite="repas")
    for famille, valeur in ((parent.famille, "650"), (parent.famille, "900")):
        QuotientFamilial.objects.create(
            famille=famille, valeur=valeur, source="caf", depuis=D(2026, 9, 1)
        )
    inscription.activite.refresh_from_db()
    for famille in (parent.famille, etranger.famille):
        t = tarifs.tarification(famille, inscription.activite)
        assert [q.pk for q in t.quotients] == [
            q.pk
            for q in QuotientFamilial.objects.filter(famille=famille).order_by(
                "-depuis", "-cree_le"
            )
        ]
        assert [x.pk for x in t.tranches] == [
            x.pk for x in TrancheTarif.objects.filter(tarif=le_tarif).order_by("qf_min")
        ]
    assert tarifs.tarification(parent.famille, inscription.activite).quotients


def test_a_booking_post_on_a_strangers_enrolment_is_a_404(client_parent, etranger, cantine):
    autre = inscrire(etranger.famille, cantine, "Autre")
    url = reverse("calendrier", args=[autre.pk, 2026, 12])
    response = client_parent.post(url, {"jours": ["2026-12-03"]})
    assert response.status_code == 404
    assert not Reservation.objects.exists()
