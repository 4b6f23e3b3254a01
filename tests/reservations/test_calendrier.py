import datetime

import pytest
from django.urls import reverse

from portail.models import Demande
from reservations import calendrier, services
from reservations.models import Fermeture, Journee, Reservation, Vacances
from tests.html import champs_sans_label
from tests.reservations.conftest import inscrire

D = datetime.date


def _url(inscription, annee=2026, mois=12):
    return reverse("calendrier", args=[inscription.pk, annee, mois])


def test_it_checks_ownership(client, etranger, inscription):
    client.force_login(etranger.user)
    assert client.get(_url(inscription)).status_code == 404
    response = client.post(_url(inscription), {"jours": ["2026-12-03"]})
    assert response.status_code == 404
    assert not Reservation.objects.exists()


@pytest.mark.parametrize("vue", ["calendrier_courant", "calendrier"])
def test_an_id_beyond_64_bits_is_a_404(client_parent, inscription, vue):
    # (its reads are compiled once, portail/preparees.py: SQLite refused the value, a 500)
    pk = 2**63
    url = reverse(vue, args=[pk] if vue == "calendrier_courant" else [pk, 2026, 12])
    assert client_parent.get(url).status_code == 404
    if vue == "calendrier":
        assert client_parent.post(url, {"jours": ["2026-12-03"]}).status_code == 404
    assert not Reservation.objects.exists()


def test_it_opens_on_the_first_month_with_a_bookable_day(client_parent, inscription):
    # Frozen clock: Friday 27 November 10:00; Monday 30 is past the J-2 deadline.
    response = client_parent.get(reverse("calendrier_courant", args=[inscription.pk]))
    assert response["Location"] == _url(inscription, 2026, 12)
    html = client_parent.get(response["Location"]).content.decode()
    assert "Prochain jour réservable : mardi 1er décembre" in html
    # Booked already: the next day is the one to book.
    services.reserver(inscription, [D(2026, 12, 1)])
    html = client_parent.get(_url(inscription)).content.decode()
    assert "Prochain jour réservable : jeudi 3 décembre" in html


def test_the_redirect_reads_only_the_childs_bookings_besides_the_enrolment(
    client_parent, inscription, django_assert_num_queries
):
    url = reverse("calendrier_courant", args=[inscription.pk])
    client_parent.get(url)  # the month calendars are then kept in memory
    # session, user with responsable, the enrolment with its rules, the child's bookings
    with django_assert_num_queries(4):
        response = client_parent.get(url)
    assert response["Location"] == _url(inscription, 2026, 12)


def test_a_month_with_nothing_to_change_has_no_valider(client_parent, inscription):
    html = client_parent.get(_url(inscription, 2026, 11)).content.decode()
    assert "Aucun jour à réserver ce mois-ci." in html
    assert "Valider" not in html
    assert "Valider" in client_parent.get(_url(inscription)).content.decode()


def test_places_are_plain_words_with_a_count_only_when_few_remain(
    client_parent, inscription, cantine
):
    Journee.objects.create(activite=cantine, date=D(2026, 12, 3), places=6)
    Journee.objects.create(activite=cantine, date=D(2026, 12, 4), places=1)
    html = client_parent.get(_url(inscription)).content.decode()
    assert "jeudi 3 décembre 2026 : places disponibles" in html
    assert "mardi 1 décembre 2026 : plus que 2 places" in html
    assert "vendredi 4 décembre 2026 : plus qu&#x27;une place" in html
    assert " pl.<" not in html


def test_confirmations_name_the_days(client_parent, inscription):
    services.reserver(inscription, [D(2026, 12, 3)])
    response = client_parent.post(
        _url(inscription),
        {"affiches": ["2026-12-03", "2026-12-04"], "jours": ["2026-12-04"]},
        follow=True,
    )
    html = response.content.decode()
    assert "Vendredi 4 décembre réservé pour Léa. Jeudi 3 décembre annulé pour Léa." in html
    jours = ["2026-12-07", "2026-12-08", "2026-12-10", "2026-12-11", "2026-12-14", "2026-12-15"]
    response = client_parent.post(_url(inscription), {"jours": jours}, follow=True)
    assert "6 jours réservés pour Léa, du lundi 7 décembre au mardi 15 décembre." in (
        response.content.decode()
    )


def test_each_day_shows_its_state_with_a_readable_label(
    client_parent, parent, etranger, inscription, cantine
):
    for prenom in ("A", "B"):
        services.reserver(inscrire(etranger.famille, cantine, prenom), [D(2026, 12, 10)])
    services.reserver(inscription, [D(2026, 12, 3)])
    html = client_parent.get(_url(inscription)).content.decode()
    assert champs_sans_label(html) == []
    assert "jeudi 3 décembre 2026 : réservé" in html
    assert "jeudi 10 décembre 2026 : complet : liste d&#x27;attente" in html
    assert "mardi 1 décembre 2026 : plus que 2 places" in html
    assert "mercredi 2 décembre 2026 : pas d&#x27;accueil ce jour" in html
    assert "lundi 21 décembre 2026 : Vacances de Noël" in html
    assert "vendredi 25 décembre 2026 : férié : Noël" in html
    # Monday 30 November is past the J-2 deadline (frozen clock: Friday 27, 10:00).
    html_nov = client_parent.get(_url(inscription, 2026, 11)).content.decode()
    assert "lundi 30 novembre 2026 : date limite passée le jeudi 26 novembre à 23:59" in html_nov
    assert 'value="2026-11-30"' not in html_nov


def test_the_waiting_list_rank_moves_up_when_someone_ahead_leaves(
    client_parent, parent, etranger, inscription, cantine
):
    jour = D(2026, 12, 10)
    for prenom in ("A", "B"):  # the day's 2 places
        services.reserver(inscrire(etranger.famille, cantine, prenom), [jour])
    devant = inscrire(etranger.famille, cantine, "C")
    services.reserver(devant, [jour])
    services.reserver(inscription, [jour])
    assert "jeudi 10 décembre 2026 : liste d&#x27;attente, rang 2" in (
        client_parent.get(_url(inscription)).content.decode()
    )
    services.annuler(devant, [jour])
    assert "jeudi 10 décembre 2026 : liste d&#x27;attente, rang 1" in (
        client_parent.get(_url(inscription)).content.decode()
    )


def test_ticking_books_and_unticking_cancels_in_one_submission(client_parent, inscription):
    services.reserver(inscription, [D(2026, 12, 3)])
    response = client_parent.post(
        _url(inscription),
        {
            "affiches": ["2026-12-01", "2026-12-03", "2026-12-04"],
            "jours": ["2026-12-01", "2026-12-04"],
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Mardi 1er et vendredi 4 décembre réservés pour Léa." in html
    assert "Jeudi 3 décembre annulé pour Léa." in html
    etats = dict(Reservation.objects.filter(inscription=inscription).values_list("date", "etat"))
    assert etats == {
        D(2026, 12, 1): "reservee",
        D(2026, 12, 3): "annulee",
        D(2026, 12, 4): "reservee",
    }
    assert Demande.objects.filter(type=Demande.Type.RESERVATION).count() == 2


def test_a_forged_post_gets_a_reason_per_day_and_books_nothing_wrong(client_parent, inscription):
    response = client_parent.post(
        _url(inscription),
        {"jours": ["2026-12-02", "2026-12-25", "2026-11-30", "2026-12-04"]},
        follow=True,
    )
    html = response.content.decode()
    assert "Vendredi 4 décembre réservé pour Léa." in html
    assert "Lundi 30 novembre refusé (date limite passée le jeudi 26 novembre à 23:59)" in html
    assert list(Reservation.objects.values_list("date", flat=True)) == [D(2026, 12, 4)]


def test_a_malformed_date_changes_nothing(client_parent, inscription):
    response = client_parent.post(
        _url(inscription), {"jours": ["2026-12-04", "demain"]}, follow=True
    )
    assert "Une des dates envoyées n&#x27;est pas valide." in response.content.decode()
    assert not Reservation.objects.exists()


def test_a_double_submitted_form_books_once(client_parent, inscription):
    data = {"affiches": ["2026-12-04"], "jours": ["2026-12-04"]}
    client_parent.post(_url(inscription), data)
    response = client_parent.post(_url(inscription), data, follow=True)
    assert "Aucun changement : 1 jour déjà réservé." in response.content.decode()
    assert Reservation.objects.count() == 1


def test_a_pending_enrolment_has_no_calendar(client_parent, inscription):
    inscription.statut = inscription.Statut.EN_ATTENTE
    inscription.save()
    response = client_parent.get(_url(inscription), follow=True)
    assert "une fois l&#x27;inscription validée" in response.content.decode()


@pytest.mark.parametrize("nb_enfants", [1, 4])
def test_it_runs_a_constant_number_of_queries(
    client_parent, parent, cantine, django_assert_num_queries, nb_enfants
):
    inscriptions = [inscrire(parent.famille, cantine, f"E{i}") for i in range(nb_enfants)]
    for i in inscriptions:
        services.reserver(i, [D(2026, 12, 3), D(2026, 12, 4), D(2026, 12, 10)])
    # session, user with responsable (comptes/backends.py), the enrolment with its rules
    # and the household's other enrolments, vacances, fermetures, journées, places taken
    # and my bookings per day
    calendrier.vider_memoire()
    with django_assert_num_queries(7):
        response = client_parent.get(_url(inscriptions[0]))
    assert response.content.decode().count(": réservé") == 3
    # The same month again (for any child of any household): holidays, closures and
    # special days are kept in memory under the activity's calendar version.
    with django_assert_num_queries(4):
        response = client_parent.get(_url(inscriptions[0]))
    assert response.content.decode().count(": réservé") == 3


def test_a_closure_holidays_or_a_special_day_show_at_once(client_parent, inscription, cantine):
    """What the calendar keeps in memory is replaced as soon as staff change it, in this
    process and in every other one (the version is in the database row read with the
    enrolment)."""
    client_parent.get(_url(inscription))  # kept in memory
    fermeture = Fermeture.objects.create(
        activite=cantine, debut=D(2026, 12, 3), fin=D(2026, 12, 3), motif="Grève"
    )
    assert "jeudi 3 décembre 2026 : Grève" in client_parent.get(_url(inscription)).content.decode()
    fermeture.delete()
    html = client_parent.get(_url(inscription)).content.decode()
    assert "Grève" not in html
    Journee.objects.create(activite=cantine, date=D(2026, 12, 4), places=2)
    assert "vendredi 4 décembre 2026 : plus que 2 places" in (
        client_parent.get(_url(inscription)).content.decode()
    )
    Vacances.objects.create(
        periode=cantine.periode, nom="Vacances du maire", debut=D(2026, 12, 7), fin=D(2026, 12, 8)
    )
    html = client_parent.get(_url(inscription)).content.decode()
    assert "lundi 7 décembre 2026 : Vacances du maire" in html
    # Another process, which kept the month under the old version, reads it again: the
    # version it meets in the enrolment's row is new.
    ancienne = cantine.parametres_reservation.version_calendrier
    cantine.parametres_reservation.refresh_from_db()
    assert cantine.parametres_reservation.version_calendrier != ancienne


def test_a_confirmation_groups_the_days_by_month_and_says_each_outcome():
    from reservations import lecture

    bilan = services.Bilan(
        reserves=[D(2026, 12, 3), D(2026, 12, 1), D(2027, 1, 4)],
        a_valider=[D(2026, 12, 10)],
        attente=[(D(2026, 12, 11), 2)],
        refuses=[(D(2026, 12, 25), "férié : Noël")],
    )
    assert lecture.annonce_bilan(bilan, "Hugo") == (
        "Mardi 1er et jeudi 3 décembre, lundi 4 janvier réservés pour Hugo. "
        "Jeudi 10 décembre demandé pour Hugo, à valider par le service. "
        "Liste d'attente pour Hugo : vendredi 11 décembre (rang 2). "
        "Vendredi 25 décembre refusé (férié : Noël)."
    )
