import datetime

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from comptes.errors import DomainError
from portail import services as portail_services
from portail.models import Demande
from reservations import services
from reservations.models import Fermeture, Journee, ParametresReservation, Reservation
from tests.reservations.conftest import inscrire

D = datetime.date
Etat = Reservation.Etat
# Frozen on Friday 27 November 2026, 10:00 (Paris). J-2 23:59 without week-ends:
# Monday 30/11 closed on Thursday 26/11 23:59; Tuesday 1/12 closes on Friday 27/11 23:59.


def _etats(inscription):
    return dict(
        Reservation.objects.actives().filter(inscription=inscription).values_list("date", "etat")
    )


def test_days_are_booked_and_recorded_in_the_timeline(parent, inscription):
    bilan = services.reserver(inscription, [D(2026, 12, 1), D(2026, 12, 3)], demandeur=parent)
    assert bilan.reserves == [D(2026, 12, 1), D(2026, 12, 3)]
    assert _etats(inscription) == {D(2026, 12, 1): Etat.RESERVEE, D(2026, 12, 3): Etat.RESERVEE}
    demande = Demande.objects.get(type=Demande.Type.RESERVATION)
    assert demande.statut == Demande.Statut.ACCEPTEE
    assert "2 jours réservés" in demande.objet


def test_each_refused_day_says_why_and_nothing_else_changes(inscription):
    bilan = services.reserver(
        inscription,
        [
            D(2026, 11, 30),  # past the deadline (Thursday 26 at 23:59)
            D(2026, 12, 2),  # Wednesday: no canteen
            D(2026, 12, 21),  # Christmas holidays
            D(2026, 11, 20),  # past
            D(2026, 12, 4),  # fine
        ],
    )
    assert bilan.reserves == [D(2026, 12, 4)]
    assert dict(bilan.refuses) == {
        D(2026, 11, 30): "date limite passée le jeudi 26 novembre à 23:59",
        D(2026, 12, 2): "fermé (pas d'accueil ce jour)",
        D(2026, 12, 21): "fermé (Vacances de Noël)",
        D(2026, 11, 20): "jour passé",
    }
    assert bilan.resume().startswith("1 jour réservé, 4 refusés (")
    assert "30/11 : date limite passée le jeudi 26 novembre à 23:59" in bilan.resume()


def test_the_summary_reads_like_the_town_wants(inscription, parent, etranger, cantine):
    for prenom in ("A", "B"):
        services.reserver(inscrire(etranger.famille, cantine, prenom), [D(2026, 12, 10)])
    bilan = services.reserver(
        inscription, [D(2026, 12, 3), D(2026, 12, 4), D(2026, 12, 10), D(2026, 11, 30)]
    )
    assert bilan.resume() == (
        "2 jours réservés, 1 en liste d'attente, "
        "1 refusé (30/11 : date limite passée le jeudi 26 novembre à 23:59)"
    )


def test_closed_days_from_the_admin_and_public_holidays(inscription, cantine):
    Fermeture.objects.create(
        activite=cantine, debut=D(2026, 12, 10), fin=D(2026, 12, 11), motif="Grève du personnel"
    )
    Journee.objects.create(
        activite=cantine, date=D(2026, 12, 14), fermee=True, motif="Sortie scolaire"
    )
    bilan = services.reserver(inscription, [D(2026, 12, 10), D(2026, 12, 14), D(2027, 5, 6)])
    assert dict(bilan.refuses) == {
        D(2026, 12, 10): "fermé (Grève du personnel)",
        D(2026, 12, 14): "fermé (Sortie scolaire)",
        D(2027, 5, 6): "fermé (férié : Ascension)",
    }


def test_a_full_day_puts_the_child_on_the_waiting_list_with_a_rank(parent, etranger, cantine):
    inscriptions = [inscrire(parent.famille, cantine, p) for p in ("Un", "Deux", "Trois")]
    inscriptions.append(inscrire(etranger.famille, cantine, "Quatre"))
    bilans = [services.reserver(i, [D(2026, 12, 3)]) for i in inscriptions]
    assert [b.reserves for b in bilans[:2]] == [[D(2026, 12, 3)], [D(2026, 12, 3)]]
    assert bilans[2].attente == [(D(2026, 12, 3), 1)]
    assert bilans[3].attente == [(D(2026, 12, 3), 2)]
    assert Reservation.objects.confirmees().filter(date=D(2026, 12, 3)).count() == 2


def test_a_cancellation_promotes_the_first_in_line_and_emails_that_family(
    parent, etranger, cantine, django_capture_on_commit_callbacks, executer_taches, mailoutbox
):
    a, b = inscrire(parent.famille, cantine, "Un"), inscrire(parent.famille, cantine, "Deux")
    attente1 = inscrire(etranger.famille, cantine, "Trois")
    attente2 = inscrire(etranger.famille, cantine, "Quatre")
    for i in (a, b, attente1, attente2):
        services.reserver(i, [D(2026, 12, 3)])
    with django_capture_on_commit_callbacks(execute=True):
        bilan = services.annuler(a, [D(2026, 12, 3)])
    executer_taches()
    assert bilan.annules == [D(2026, 12, 3)]
    assert _etats(attente1) == {D(2026, 12, 3): Etat.RESERVEE}
    assert _etats(attente2) == {D(2026, 12, 3): Etat.ATTENTE}
    assert [m.to for m in mailoutbox] == [["etranger@example.org"]]
    assert "Place obtenue : Trois" in mailoutbox[0].subject
    assert Demande.objects.filter(famille=etranger.famille, objet__contains="place obtenue")


def test_cancelling_after_the_deadline_is_refused(inscription):
    services.reserver(inscription, [D(2026, 12, 1)])
    Reservation.objects.create(
        inscription=inscription,
        enfant=inscription.enfant,
        activite=inscription.activite,
        date=D(2026, 11, 30),
    )
    bilan = services.annuler(inscription, [D(2026, 11, 30), D(2026, 12, 1)])
    assert bilan.annules == [D(2026, 12, 1)]
    assert bilan.refuses == [
        (D(2026, 11, 30), "date limite d'annulation passée le jeudi 26 novembre à 23:59")
    ]
    assert _etats(inscription) == {D(2026, 11, 30): Etat.RESERVEE}


def test_the_manager_may_forbid_cancellations(inscription, cantine):
    services.reserver(inscription, [D(2026, 12, 10)])
    ParametresReservation.objects.filter(activite=cantine).update(annulation_autorisee=False)
    bilan = services.annuler(inscription, [D(2026, 12, 10)])
    assert bilan.refuses == [(D(2026, 12, 10), "annulation non permise pour cette activité")]
    assert _etats(inscription) == {D(2026, 12, 10): Etat.RESERVEE}
    # Staff still can.
    assert services.annuler(inscription, [D(2026, 12, 10)], par_le_service=True).annules


def test_a_double_submission_books_once_and_says_so(inscription):
    services.reserver(inscription, [D(2026, 12, 3)])
    bilan = services.reserver(inscription, [D(2026, 12, 3)])
    assert bilan.deja == [D(2026, 12, 3)]
    assert bilan.resume() == "1 jour déjà réservé"
    assert Reservation.objects.filter(inscription=inscription).count() == 1
    assert Demande.objects.filter(type=Demande.Type.RESERVATION).count() == 1


def test_the_database_refuses_a_second_active_booking(inscription):
    services.reserver(inscription, [D(2026, 12, 3)])
    with pytest.raises(IntegrityError):
        Reservation.objects.create(
            inscription=inscription,
            enfant=inscription.enfant,
            activite=inscription.activite,
            date=D(2026, 12, 3),
        )


def test_days_outside_the_enrolment_dates_are_refused(parent, cantine):
    inscription = inscrire(parent.famille, cantine)
    inscription.date_fin = D(2026, 12, 5)
    inscription.save()
    bilan = services.reserver(inscription, [D(2026, 12, 4), D(2026, 12, 7)])
    assert bilan.refuses == [(D(2026, 12, 7), "hors des dates de l'inscription")]


def test_bookings_open_only_on_a_validated_enrolment(inscription):
    inscription.statut = inscription.Statut.EN_ATTENTE
    inscription.save()
    with pytest.raises(DomainError, match="une fois l'inscription validée"):
        services.reserver(inscription, [D(2026, 12, 3)])
    assert not Reservation.objects.exists()


def test_staff_validation_makes_each_submission_a_request(parent, agent, inscription, cantine):
    ParametresReservation.objects.filter(activite=cantine).update(validation_requise=True)
    bilan = services.reserver(inscription, [D(2026, 12, 3), D(2026, 12, 4)], demandeur=parent)
    assert bilan.a_valider == [D(2026, 12, 3), D(2026, 12, 4)]
    demande = Demande.objects.get(type=Demande.Type.RESERVATION)
    assert demande.est_en_attente
    portail_services.accepter_demande(demande.pk, agent)
    assert set(_etats(inscription).values()) == {Etat.RESERVEE}


def test_refusing_a_booking_request_frees_the_places(parent, etranger, agent, cantine):
    ParametresReservation.objects.filter(activite=cantine).update(
        validation_requise=True, places_par_jour=1
    )
    a = inscrire(parent.famille, cantine, "Un")
    b = inscrire(etranger.famille, cantine, "Deux")
    services.reserver(a, [D(2026, 12, 3)])
    services.reserver(b, [D(2026, 12, 3)])
    assert _etats(b) == {D(2026, 12, 3): Etat.ATTENTE}
    demande = Demande.objects.get(inscription=a, type=Demande.Type.RESERVATION)
    portail_services.refuser_demande(demande.pk, agent, "Pas de place en cuisine")
    assert _etats(a) == {}
    # The freed place goes to the first in line, still subject to staff validation.
    assert _etats(b) == {D(2026, 12, 3): Etat.DEMANDEE}
    assert Demande.objects.get(inscription=b, statut=Demande.Statut.EN_ATTENTE)


def test_attendance_is_marked_by_staff_on_the_day(agent, inscription, horloge):
    services.reserver(inscription, [D(2026, 12, 3), D(2026, 12, 4)])
    ids = list(Reservation.objects.values_list("pk", flat=True))
    horloge.move_to(datetime.datetime(2026, 12, 3, 17, tzinfo=datetime.UTC))
    faits, erreurs = services.pointer(ids, Etat.PRESENT, agent)
    assert faits == 1
    assert "le jour même ou après" in erreurs[0]
    assert _etats(inscription)[D(2026, 12, 3)] == Etat.PRESENT
    # Attendance marked: the parent can no longer cancel that day.
    assert services.annuler(inscription, [D(2026, 12, 3)], par_le_service=True).refuses


class TestSemaineType:
    def test_the_preview_lists_booked_and_skipped_dates_with_reasons(self, inscription):
        lignes = services.apercu_semaine_type(
            inscription, [0, 3], "toutes", D(2026, 11, 30), D(2026, 12, 24)
        )
        issues = {ligne["date"]: (ligne["issue"], ligne["motif"]) for ligne in lignes}
        assert issues[D(2026, 11, 30)] == (
            "ignore",
            "date limite passée le jeudi 26 novembre à 23:59",
        )
        assert issues[D(2026, 12, 3)] == ("reserve", "")
        assert issues[D(2026, 12, 21)] == ("ignore", "fermé (Vacances de Noël)")
        assert len(lignes) == 8
        assert not Reservation.objects.exists()

    def test_every_other_week_for_alternating_custody_across_new_year(self, inscription):
        # 2026 has 53 ISO weeks: the rhythm must not break on 4 January 2027.
        a = services.dates_semaine_type([0], "une_sur_deux", D(2026, 12, 7), D(2027, 1, 31))
        b = services.dates_semaine_type([0], "une_sur_deux_decalee", D(2026, 12, 7), D(2027, 1, 31))
        assert a == [D(2026, 12, 7), D(2026, 12, 21), D(2027, 1, 4), D(2027, 1, 18)]
        assert b == [D(2026, 12, 14), D(2026, 12, 28), D(2027, 1, 11), D(2027, 1, 25)]

    def test_applying_books_a_whole_year_in_one_go_and_stores_the_pattern(
        self, parent, cantine, inscription
    ):
        court = inscrire(parent.famille, cantine, "Court")
        with CaptureQueriesContext(connection) as deux_semaines:
            services.appliquer_semaine_type(
                court, [0, 1, 3, 4], "toutes", D(2026, 12, 1), D(2026, 12, 14)
            )
        with CaptureQueriesContext(connection) as une_annee:
            bilan = services.appliquer_semaine_type(
                inscription, [0, 1, 3, 4], "toutes", D(2026, 12, 1), D(2027, 7, 3)
            )

        # Bulk operations: as many reads for a year as for two weeks, and the inserts
        # batched (SQLite caps the variables of one statement, PostgreSQL does not).
        def lectures(ctx):
            return [q for q in ctx.captured_queries if q["sql"].startswith("SELECT")]

        assert len(lectures(une_annee)) == len(lectures(deux_semaines))
        # SQLite: rows per INSERT = 999 variables / columns; a booking and its history row
        # are ~15 and ~20 columns wide, so a year takes a few more INSERTs, never one per day.
        assert len(une_annee) <= len(deux_semaines) + 4
        assert len(bilan.reserves) > 100
        assert not bilan.refuses
        assert all(d.weekday() in (0, 1, 3, 4) for d in bilan.reserves)
        assert inscription.semaine_type.jours == [0, 1, 3, 4]
        again = services.appliquer_semaine_type(
            inscription, [0, 1, 3, 4], "toutes", D(2026, 12, 1), D(2027, 7, 3)
        )
        assert len(again.deja) == len(bilan.reserves)
        assert not again.reserves

    def test_dates_outside_the_enrolment_are_refused(self, inscription):
        with pytest.raises(DomainError, match="comprises dans celles de l'inscription"):
            services.apercu_semaine_type(inscription, [0], "toutes", D(2026, 12, 1), D(2027, 9, 1))
        with pytest.raises(DomainError, match="Cochez au moins un jour"):
            services.appliquer_semaine_type(
                inscription, [], "toutes", D(2026, 12, 1), D(2027, 1, 1)
            )
        assert not Reservation.objects.exists()


def test_closing_a_booked_day_cancels_it_and_tells_the_family(
    parent, inscription, cantine, django_capture_on_commit_callbacks, executer_taches, mailoutbox
):
    services.reserver(inscription, [D(2026, 12, 10), D(2026, 12, 11)])
    Fermeture.objects.create(
        activite=cantine, debut=D(2026, 12, 10), fin=D(2026, 12, 10), motif="Grève"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.annuler_les_jours_fermes(cantine) == 1
    executer_taches()
    assert _etats(inscription) == {D(2026, 12, 11): Etat.RESERVEE}
    assert "fermé le jeudi 10 décembre" in mailoutbox[0].subject
    assert Demande.objects.filter(objet__contains="10/12 annulé (fermeture)").exists()


def test_added_places_go_to_the_waiting_list_first(parent, etranger, cantine):
    premiers = [inscrire(parent.famille, cantine, p) for p in ("A", "B", "C")]
    for i in premiers:
        services.reserver(i, [D(2026, 12, 3)])
    assert _etats(premiers[2]) == {D(2026, 12, 3): Etat.ATTENTE}
    ParametresReservation.objects.filter(activite=cantine).update(places_par_jour=3)
    nouveau = inscrire(etranger.famille, cantine, "Nouveau")
    # Before staff run the promotion, a newcomer still queues behind the waiting child.
    assert services.reserver(nouveau, [D(2026, 12, 3)]).attente == [(D(2026, 12, 3), 2)]
    assert services.promouvoir_les_listes_d_attente(cantine) == 1
    assert _etats(premiers[2]) == {D(2026, 12, 3): Etat.RESERVEE}
    assert _etats(nouveau) == {D(2026, 12, 3): Etat.ATTENTE}


def test_a_waiting_list_can_be_left_even_when_cancelling_is_forbidden(parent, etranger, cantine):
    ParametresReservation.objects.filter(activite=cantine).update(
        annulation_autorisee=False, places_par_jour=0
    )
    attente = inscrire(parent.famille, cantine)
    services.reserver(attente, [D(2026, 12, 3)])
    assert services.annuler(attente, [D(2026, 12, 3)]).annules == [D(2026, 12, 3)]


def test_cancelling_days_awaiting_validation_closes_the_request(parent, inscription, cantine):
    ParametresReservation.objects.filter(activite=cantine).update(validation_requise=True)
    services.reserver(inscription, [D(2026, 12, 3)], demandeur=parent)
    demande = Demande.objects.get(type=Demande.Type.RESERVATION)
    services.annuler(inscription, [D(2026, 12, 3)])
    demande.refresh_from_db()
    assert not demande.est_en_attente
    assert "Sans objet" in demande.reponse


def test_a_start_in_the_past_is_refused_for_a_pattern(inscription):
    with pytest.raises(DomainError, match="ne peut pas être passée"):
        services.apercu_semaine_type(inscription, [0], "toutes", D(2026, 9, 7), D(2026, 12, 1))


def test_far_away_forged_dates_are_refused_without_loading_them(
    inscription, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        bilan = services.reserver(inscription, [D(1, 1, 1), D(9999, 12, 31)])
    assert {m for _, m in bilan.refuses} == {"hors des dates de l'inscription"}


def test_staff_unenrol_a_child_and_the_waiting_list_moves_up(
    parent,
    etranger,
    agent,
    cantine,
    django_capture_on_commit_callbacks,
    executer_taches,
    mailoutbox,
):
    ParametresReservation.objects.filter(activite=cantine).update(places_par_jour=1)
    partant = inscrire(parent.famille, cantine, "Partant")
    suivant = inscrire(etranger.famille, cantine, "Suivant")
    services.reserver(partant, [D(2026, 12, 3), D(2026, 12, 4)])
    services.reserver(suivant, [D(2026, 12, 3)])
    with django_capture_on_commit_callbacks(execute=True):
        services.desinscrire(partant, agent, "Déménagement")
    executer_taches()
    partant.refresh_from_db()
    assert partant.statut == "annulee"
    assert _etats(partant) == {}
    assert _etats(suivant) == {D(2026, 12, 3): Etat.RESERVEE}
    assert any("Fin d'inscription" in m.subject for m in mailoutbox)
