"""Garde alternée (issue #10, part 1): one child, two households, each enrolled in its
own name. One child is at most once a day and activity, whoever booked: the other
household's day is refused by the server whatever the page showed, shown on the calendar
without any detail, and skipped by the semaine type."""

import contextlib
import datetime
import threading

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.urls import reverse

from familles.models import Rattachement
from inscriptions.models import Inscription
from portail.models import Demande
from reservations import calendrier, ical, planning, services
from reservations.models import FluxCalendrier, Journee, Reservation, SemaineType
from tests.conftest import creer_responsable
from tests.reservations.conftest import inscrire

D = datetime.date
Etat = Reservation.Etat
JEUDI_3, VENDREDI_4 = D(2026, 12, 3), D(2026, 12, 4)  # ISO week 49 (odd)
JEUDI_10 = D(2026, 12, 10)  # ISO week 50 (even)


@pytest.fixture
def pere(db):
    return creer_responsable(
        email="pere@example.org", civilite="m", prenom="Marc", nom="Dupuis", ville="Rezé"
    )


@pytest.fixture
def chez_maman(parent, cantine) -> Inscription:
    """Léa, enrolled by her mother's household (the `parent` fixture): even weeks."""
    inscription = inscrire(parent.famille, cantine)
    Rattachement.objects.filter(enfant=inscription.enfant).update(
        garde=Rattachement.Garde.SEMAINES, semaines=Rattachement.Semaines.PAIRES
    )
    return inscription


@pytest.fixture
def chez_papa(chez_maman, pere, cantine) -> Inscription:
    """The same child attached to her father's household (odd weeks), enrolled there too."""
    Rattachement.objects.create(
        enfant=chez_maman.enfant,
        famille=pere.famille,
        garde=Rattachement.Garde.SEMAINES,
        semaines=Rattachement.Semaines.IMPAIRES,
    )
    return Inscription.objects.create(
        enfant=chez_maman.enfant,
        famille=pere.famille,
        activite=cantine,
        date_debut=chez_maman.date_debut,
        date_fin=chez_maman.date_fin,
        statut=Inscription.Statut.VALIDEE,
    )


def _url(inscription, annee=2026, mois=12):
    return reverse("calendrier", args=[inscription.pk, annee, mois])


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _etat_du_jour(jour):
    return list(
        Reservation.objects.actives()
        .filter(date=jour)
        .values_list("inscription__famille__nom", "etat")
    )


# --- the server refuses the other household's day ------------------------------------


def test_a_forged_post_of_the_other_households_day_changes_nothing(
    client, pere, chez_maman, chez_papa
):
    services.reserver(chez_papa, [JEUDI_3])
    avant = _etat_du_jour(JEUDI_3)
    client.force_login(chez_maman.famille.responsables.get().user)
    # The page never offered the day: the mother's browser sends it anyway.
    response = client.post(_url(chez_maman), {"jours": [JEUDI_3.isoformat()]})
    assert _messages(response) == ["Le jeudi 3 décembre est réservé par l'autre foyer."]
    assert _etat_du_jour(JEUDI_3) == avant
    assert not Reservation.objects.filter(inscription=chez_maman).exists()
    assert not chez_maman.famille.demandes.exists()  # nothing on her timeline either


def test_the_other_days_of_the_submission_are_still_booked(client, chez_maman, chez_papa):
    services.reserver(chez_papa, [JEUDI_3, VENDREDI_4])
    client.force_login(chez_maman.famille.responsables.get().user)
    response = client.post(_url(chez_maman), {"jours": ["2026-12-03", "2026-12-04", "2026-12-10"]})
    (message,) = _messages(response)
    assert "Jeudi 10 décembre réservé pour Léa." in message
    assert "Les jeudi 3 et vendredi 4 décembre sont réservés par l'autre foyer." in message
    assert list(
        Reservation.objects.filter(inscription=chez_maman).values_list("date", flat=True)
    ) == [JEUDI_10]


def test_the_message_names_the_days_or_counts_them():
    assert services.message_autre_foyer([D(2026, 12, 1)]) == (
        "Le mardi 1er décembre est réservé par l'autre foyer."
    )
    assert services.message_autre_foyer([D(2027, 1, 4), D(2026, 12, 31)]) == (
        "Les jeudi 31 décembre, lundi 4 janvier sont réservés par l'autre foyer."
    )
    jours = [D(2026, 12, 1) + datetime.timedelta(days=7 * i) for i in range(6)]
    assert services.message_autre_foyer(jours) == (
        "6 jours sont réservés par l'autre foyer, du mardi 1er décembre au mardi 5 janvier."
    )


def test_a_forged_cancellation_of_the_other_households_day_changes_nothing(
    client, chez_maman, chez_papa
):
    services.reserver(chez_papa, [JEUDI_3])
    client.force_login(chez_maman.famille.responsables.get().user)
    # "Shown ticked, now unticked": a cancellation, had the day been hers.
    response = client.post(_url(chez_maman), {"affiches": ["2026-12-03"]})
    assert _messages(response) == ["Vous n'avez coché ni décoché aucun jour."]
    # The service itself refuses it too (any other path).
    bilan = services.annuler(chez_maman, [JEUDI_3])
    assert bilan.autre_foyer == [JEUDI_3] and not bilan.annules
    assert Reservation.objects.get(date=JEUDI_3).etat == Etat.RESERVEE


@pytest.mark.parametrize("etat", [Etat.ATTENTE, Etat.ABSENCE_SIGNALEE, Etat.DEMANDEE])
def test_the_other_households_waiting_list_or_absence_holds_the_day_too(
    chez_maman, chez_papa, etat
):
    reservation = Reservation.objects.create(
        inscription=chez_papa,
        enfant=chez_papa.enfant,
        activite=chez_papa.activite,
        date=JEUDI_3,
        etat=etat,
        rang_attente=1 if etat == Etat.ATTENTE else None,
    )
    bilan = services.reserver(chez_maman, [JEUDI_3])
    assert bilan.autre_foyer == [JEUDI_3]
    assert not bilan.a_change
    assert Reservation.objects.actives().get(date=JEUDI_3) == reservation


def test_the_capacity_counts_the_child_once(chez_maman, chez_papa, cantine):
    """One place that day: the father books it; the mother's household is refused with the
    other-household message, not put on the waiting list behind her own daughter."""
    Journee.objects.create(activite=cantine, date=JEUDI_3, places=1)
    assert services.reserver(chez_papa, [JEUDI_3]).reserves == [JEUDI_3]
    bilan = services.reserver(chez_maman, [JEUDI_3])
    assert bilan.autre_foyer == [JEUDI_3]
    assert not bilan.attente
    assert Reservation.objects.actives().filter(date=JEUDI_3).count() == 1
    # And a stranger's child still joins the waiting list as usual.
    autre = inscrire(creer_responsable().famille, cantine, "Hugo")
    assert services.reserver(autre, [JEUDI_3]).attente == [(JEUDI_3, 1)]


def test_staff_booking_for_a_household_is_refused_the_other_households_day(
    chez_maman, chez_papa, agent
):
    services.reserver(chez_papa, [JEUDI_3])
    bilan = services.reserver(chez_maman, [JEUDI_3], par=agent, par_le_service=True)
    assert bilan.autre_foyer == [JEUDI_3]
    assert Reservation.objects.actives().filter(date=JEUDI_3).count() == 1


def test_staff_see_which_household_booked_and_are_warned_on_the_other_ones_day(
    client_agent, pere, chez_maman, chez_papa
):
    services.reserver(chez_papa, [JEUDI_3])
    html = client_agent.get(reverse("admin:reservations_reservation_changelist")).content
    assert pere.famille.nom in html.decode()
    response = client_agent.post(
        reverse("admin:inscriptions_inscription_changelist") + "?statut=toutes",
        {
            "action": "reserver_pour_la_famille",
            ACTION_CHECKBOX_NAME: [chez_maman.pk],
            "confirmer": "1",
            "debut": "2026-12-03",
            "fin": "2026-12-04",
            "jours": ["3", "4"],
        },
        follow=True,
    )
    (message,) = list(get_messages(response.wsgi_request))
    assert message.level_tag == "warning"
    assert "1 jour réservé, 1 jour réservé par l'autre foyer (03/12)" in message.message
    assert Reservation.objects.get(date=JEUDI_3).inscription == chez_papa


def test_a_booking_that_slips_past_the_check_becomes_the_french_message(
    chez_maman, chez_papa, monkeypatch
):
    """The database constraint is the last guard: a stale read (the other household's
    booking committed after it) ends in the same words, nothing written, never a 500."""
    services.reserver(chez_papa, [JEUDI_3])
    lire = services._etat_des_jours
    monkeypatch.setattr(services, "_etat_des_jours", lambda *a, **k: (*lire(*a, **k)[:2], {}))
    with pytest.raises(services.ReservationError) as exc:
        services.reserver(chez_maman, [JEUDI_3, VENDREDI_4])
    assert exc.value.message == (
        "Le jeudi 3 décembre est réservé par l'autre foyer. Rien n'a été enregistré."
    )
    assert not Reservation.objects.filter(inscription=chez_maman).exists()
    assert not chez_maman.famille.demandes.exists()


# --- the calendar ----------------------------------------------------------------------


def test_the_calendar_shows_the_other_households_day_without_detail(
    client, pere, chez_maman, chez_papa
):
    services.reserver(chez_maman, [JEUDI_10])
    client.force_login(pere.user)
    html = client.get(_url(chez_papa)).content.decode()
    assert "jeudi 10 décembre 2026 : réservé par l&#x27;autre foyer" in html
    assert 'class="jour jour-autre_foyer"' in html
    assert 'value="2026-12-10"' not in html  # neither bookable nor cancellable
    assert "Réservé par l'autre foyer : ni réservable ni annulable ici." in html
    mere = chez_maman.famille.responsables.get()
    for detail in (mere.prenom, mere.nom, mere.telephone_mobile, mere.adresse):
        assert detail not in html
    # The mother sees her own booking as hers: cancellable.
    client.force_login(mere.user)
    html = client.get(_url(chez_maman)).content.decode()
    assert 'name="jours" value="2026-12-10" id="j-2026-12-10" checked' in html
    assert "autre foyer" not in html.split("<tbody>")[1].split("</tbody>")[0]


def test_the_calendar_says_the_households_weeks_and_hints_the_others(
    client, pere, chez_maman, chez_papa
):
    client.force_login(pere.user)
    html = client.get(_url(chez_papa)).content.decode()
    assert "Vos semaines de garde : semaines impaires." in html
    # Week 50 is the mother's: hinted, still bookable (parents swap weeks).
    cellule = html.split('value="2026-12-10"')[0].rsplit("<td", 1)[1]
    assert "hors-garde" in cellule
    assert 'name="jours" value="2026-12-10"' in html
    assert "jeudi 10 décembre 2026 : plus que 2 places (hors de vos semaines de garde)" in html
    assert "Hors de vos semaines de garde : réservable quand même" in html
    cellule = html.split('value="2026-12-03"')[0].rsplit("<td", 1)[1]
    assert "hors-garde" not in cellule


def test_a_weekday_split_is_said_in_words(client, pere, chez_maman, chez_papa):
    Rattachement.objects.filter(famille=pere.famille).update(
        garde=Rattachement.Garde.JOURS, semaines="", jours=[0, 1]
    )
    client.force_login(pere.user)
    html = client.get(_url(chez_papa)).content.decode()
    assert "Vos jours de garde : le lundi et le mardi." in html
    assert "Hors de vos jours de garde" in html


def test_a_household_without_a_split_sees_no_custody_sentence(client_parent, inscription):
    html = client_parent.get(_url(inscription)).content.decode()
    assert "de garde" not in html
    assert "hors-garde" not in html


def test_the_calendar_keeps_its_query_counts_for_two_households(
    client, pere, chez_maman, chez_papa, django_assert_num_queries
):
    services.reserver(chez_maman, [JEUDI_10])
    services.reserver(chez_papa, [JEUDI_3])
    client.force_login(pere.user)
    # session, user with responsable, the enrolment with its rules, the household's link
    # and the other enrolments, vacances, fermetures, journées, places taken and the
    # child's bookings (with the household that made each) per day
    calendrier.vider_memoire()
    with django_assert_num_queries(7):
        html = client.get(_url(chez_papa)).content.decode()
    assert html.count(": réservé par l&#x27;autre foyer") == 1
    with django_assert_num_queries(4):
        html = client.get(_url(chez_papa)).content.decode()
    assert html.count(": réservé par l&#x27;autre foyer") == 1
    assert 'id="j-2026-12-03" checked' in html  # his own day, cancellable


# --- semaine type ----------------------------------------------------------------------


def test_iso_parity_follows_the_week_number_across_week_53():
    """2026 has 53 ISO weeks: W53 (28 Dec–3 Jan) is odd and so is W1 of 2027 (4 Jan)."""
    lundis = services.dates_semaine_type(
        [0], SemaineType.Frequence.SEMAINES_IMPAIRES, D(2026, 12, 14), D(2027, 1, 24)
    )
    # W51, W53, W1 (two odd weeks in a row), W3
    assert lundis == [D(2026, 12, 14), D(2026, 12, 28), D(2027, 1, 4), D(2027, 1, 18)]
    lundis = services.dates_semaine_type(
        [0], SemaineType.Frequence.SEMAINES_PAIRES, D(2026, 12, 14), D(2027, 1, 24)
    )
    assert lundis == [D(2026, 12, 21), D(2027, 1, 11)]  # W52, W2
    # "Une semaine sur deux" counts from the first week instead: W51, W53, W2.
    lundis = services.dates_semaine_type(
        [0], SemaineType.Frequence.UNE_SUR_DEUX, D(2026, 12, 14), D(2027, 1, 24)
    )
    assert lundis == [D(2026, 12, 14), D(2026, 12, 28), D(2027, 1, 11)]


def test_applying_odd_weeks_books_w53_and_w1(chez_papa, cantine):
    parametres = cantine.parametres_reservation
    parametres.pendant = parametres.Pendant.TOUJOURS  # open during the holidays
    parametres.save()
    cantine.periode.vacances.all().delete()
    bilan = services.appliquer_semaine_type(
        chez_papa, [0, 1], SemaineType.Frequence.SEMAINES_IMPAIRES, D(2026, 12, 21), D(2027, 1, 12)
    )
    assert bilan.reserves == [D(2026, 12, 28), D(2026, 12, 29), D(2027, 1, 4), D(2027, 1, 5)]
    assert SemaineType.objects.get().frequence == "semaines_impaires"


def test_the_form_offers_and_preselects_the_households_weeks(client, pere, chez_papa):
    client.force_login(pere.user)
    html = client.get(reverse("semaine_type", args=[chez_papa.pk])).content.decode()
    assert "Mes semaines de garde (semaines impaires)" in html
    choix = html.split('value="semaines_impaires"')[1].split(">")[0]
    assert "checked" in choix
    assert "Semaines paires (numéros de semaine ISO)" in html  # the other parity stays


def test_without_a_split_by_weeks_nothing_is_preselected_as_mine(client_parent, inscription):
    html = client_parent.get(reverse("semaine_type", args=[inscription.pk])).content.decode()
    assert "Mes semaines de garde" not in html
    assert "checked" in html.split('value="toutes"')[1].split(">")[0]


def test_preview_and_result_count_the_other_households_days(client, pere, chez_maman, chez_papa):
    # The mother swapped: she has the father's Thursday 3 (week 49, his).
    services.reserver(chez_maman, [JEUDI_3])
    client.force_login(pere.user)
    url = reverse("semaine_type", args=[chez_papa.pk])
    donnees = {
        "jours": ["3", "4"],
        "frequence": "semaines_impaires",
        "debut": "2026-12-01",
        "fin": "2026-12-18",
    }
    html = client.post(url, {**donnees, "apercu": ""}).content.decode()
    # Weeks 49 and 51: Thu 3, Fri 4, Thu 17, Fri 18.
    assert "3 dates à réserver" in html
    assert "1 réservée par l'autre foyer (ignorée)" in html
    assert "ignoré : réservé par l'autre foyer" in html
    response = client.post(url, {**donnees, "confirmer": ""}, follow=True)
    (message,) = _messages(response)
    assert "3 jours réservés" in message
    assert "1 jour réservé par l'autre foyer (03/12)" in message
    assert sorted(
        Reservation.objects.filter(inscription=chez_papa).values_list("date", flat=True)
    ) == [VENDREDI_4, D(2026, 12, 17), D(2026, 12, 18)]
    assert Reservation.objects.get(date=JEUDI_3).inscription == chez_maman


# --- iCal feed and planning PDF: the household's own bookings only ---------------------


def test_feed_and_planning_show_only_the_households_own_bookings(pere, chez_maman, chez_papa):
    services.reserver(chez_maman, [JEUDI_10])
    services.reserver(chez_papa, [JEUDI_3])
    FluxCalendrier.objects.create(famille=pere.famille, jeton="x" * 43)
    flux = ical.agenda_famille(pere.famille).decode()
    assert flux.count("BEGIN:VEVENT") == 1
    assert "DTSTART;VALUE=DATE:20261203" in flux
    assert "20261210" not in flux
    for enfant in (None, chez_papa.enfant):
        contexte = planning.contexte(pere.famille, 2026, 12, enfant)
        jours = {c.date for s in contexte["semaines"] for c in s if c.date and c.lignes}
        assert jours == {JEUDI_3}


# --- the race: both households post the same day at once (PostgreSQL, real threads) ----


def _les_deux_foyers_en_meme_temps(clients_et_urls) -> list[list[str]]:
    """Each household's browser posts Thursday 3 at the same instant; every thread is held
    between the count and the insert, as a slow server would. Returns each one's messages."""
    depart = threading.Barrier(len(clients_et_urls))
    apres_comptage = threading.Barrier(len(clients_et_urls))
    resultats, erreurs = {}, []

    def pause():
        # With the lock on, the other one waits on it: the barrier times out, go on.
        with contextlib.suppress(threading.BrokenBarrierError):
            apres_comptage.wait(timeout=0.5)

    def poster(i, client, url):
        try:
            depart.wait()
            response = client.post(url, {"jours": [JEUDI_3.isoformat()]})
            assert response.status_code == 302
            resultats[i] = _messages(response)
        except Exception as exc:  # noqa: BLE001 - any failure (a 500) is reported
            erreurs.append(exc)
        finally:
            connection.close()

    ancien = services._apres_comptage
    services._apres_comptage = pause
    try:
        threads = [
            threading.Thread(target=poster, args=(i, client, url))
            for i, (client, url) in enumerate(clients_et_urls)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        services._apres_comptage = ancien
    assert erreurs == []
    return [resultats[i] for i in range(len(clients_et_urls))]


def _clients(pere, chez_maman, chez_papa):
    mere, papa = Client(), Client()
    mere.force_login(chez_maman.famille.responsables.get().user)
    papa.force_login(pere.user)
    return [(mere, _url(chez_maman)), (papa, _url(chez_papa))]


def _un_seul_gagnant(messages_par_foyer) -> str:
    """Exactly one booking; the other household told why; returns the loser's message."""
    assert Reservation.objects.actives().filter(date=JEUDI_3).count() == 1
    gagnant = Reservation.objects.actives().get(date=JEUDI_3).inscription.famille_id
    for messages_recus in messages_par_foyer:
        (message,) = messages_recus
        if message.startswith("Jeudi 3 décembre réservé pour Léa"):
            continue
        assert message.startswith("Le jeudi 3 décembre est réservé par l'autre foyer.")
    assert sum(m[0].startswith("Le jeudi 3") for m in messages_par_foyer) == 1
    assert Demande.objects.filter(famille_id=gagnant).count() == 1
    assert Demande.objects.count() == 1  # the loser's timeline has nothing
    return next(m[0] for m in messages_par_foyer if m[0].startswith("Le jeudi 3"))


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_both_households_posting_the_same_day_at_once_book_it_once(pere, chez_maman, chez_papa):
    perdant = _un_seul_gagnant(
        _les_deux_foyers_en_meme_temps(_clients(pere, chez_maman, chez_papa))
    )
    # The lock made the second wait and then see the first one's booking: the check said it.
    assert perdant == "Le jeudi 3 décembre est réservé par l'autre foyer."


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_without_the_day_lock_the_constraint_decides_in_the_same_words(
    pere, chez_maman, chez_papa, monkeypatch
):
    """The lock off, both count no booking and both insert: the unique constraint refuses
    the second, which gets the same French message (not a 500) and writes nothing."""
    monkeypatch.setattr(services, "VERROUILLER", False)
    # The day's row exists (else creating it would queue the second behind the first).
    Journee.objects.create(activite=chez_papa.activite, date=JEUDI_3)
    perdant = _un_seul_gagnant(
        _les_deux_foyers_en_meme_temps(_clients(pere, chez_maman, chez_papa))
    )
    # (the constraint's path: the whole submission was rolled back, and it says so)
    assert perdant == (
        "Le jeudi 3 décembre est réservé par l'autre foyer. Rien n'a été enregistré."
    )
