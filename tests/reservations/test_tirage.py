"""Opening by lottery: requests made during the window are drawn at its close
(reservations/tirage.py). The clock is frozen on Friday 27 November 2026, 10:00 (Paris):
the window runs 8:30–12:00 that morning, for the Christmas holiday days 21–23 December."""

import datetime
import threading
import time

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from comptes.models import Courriel
from inscriptions.models import Activite
from portail.models import Demande
from reservations import services, tirage
from reservations.models import (
    Journee,
    ModeOuverture,
    ParametresReservation,
    Reservation,
    Tirage,
    Vacances,
)
from tests.conftest import creer_responsable
from tests.inscriptions.conftest import PARIS
from tests.reservations.conftest import inscrire

D = datetime.date
Etat = Reservation.Etat
LUNDI, MARDI, MERCREDI = D(2026, 12, 21), D(2026, 12, 22), D(2026, 12, 23)
OUVERTURE = datetime.datetime(2026, 11, 27, 8, 30, tzinfo=PARIS)
CLOTURE = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=PARIS)


@pytest.fixture
def loisirs(creer_activite, periode):
    """Holiday day-camp, 2 places a day, opened by lottery."""
    activite = creer_activite(
        nom="Accueil de loisirs des vacances", type=Activite.Type.LOISIRS_VACANCES
    )
    ParametresReservation.objects.create(
        activite=activite,
        jours_ouverture=[0, 1, 2, 3, 4],
        pendant=ParametresReservation.Pendant.VACANCES,
        places_par_jour=2,
        mode_ouverture=ModeOuverture.TIRAGE,
    )
    Vacances.objects.create(
        periode=periode, nom="Vacances de Noël", debut=D(2026, 12, 19), fin=D(2027, 1, 3)
    )
    return activite


@pytest.fixture
def ouverture(loisirs) -> Tirage:
    return Tirage.objects.create(
        activite=loisirs,
        premier_jour=LUNDI,
        dernier_jour=D(2027, 1, 1),
        ouverture=OUVERTURE,
        cloture=CLOTURE,
    )


def _familles(activite, n: int, enfants: int = 1):
    """n households (each with one parent) and their children's enrolments."""
    familles = []
    for i in range(n):
        responsable = creer_responsable()
        familles.append(
            [
                inscrire(responsable.famille, activite, prenom=f"Enfant{i}-{e}")
                for e in range(enfants)
            ]
        )
    return familles


def _graine_pour(ordre_voulu: list[int]) -> str:
    """A seed that draws the households in this order (found by trying seeds in turn)."""
    for n in range(100_000):
        if tirage.ordre_tire(f"graine-{n}", ordre_voulu) == ordre_voulu:
            return f"graine-{n}"
    raise AssertionError("aucune graine trouvée")


def _tirer(ouverture, horloge, **kwargs) -> bool:
    horloge.move_to(CLOTURE)
    ouverture.refresh_from_db()
    return tirage.tirer(ouverture, **kwargs)


def _etat(inscription, jour=LUNDI):
    r = Reservation.objects.actives().get(inscription=inscription, date=jour)
    return r.etat, r.rang_attente


def test_a_request_in_the_window_holds_no_place_until_the_draw(parent, loisirs, ouverture):
    inscription = inscrire(parent.famille, loisirs)
    bilan = services.reserver(inscription, [LUNDI, MARDI], demandeur=parent)
    assert bilan.tirage == [LUNDI, MARDI]
    assert bilan.resume() == "2 demandes pour le tirage au sort"
    assert _etat(inscription) == (Etat.TIRAGE, None)
    assert not Reservation.objects.confirmees().exists()
    # Withdrawn before the draw: nothing left to draw for that day.
    services.annuler(inscription, [MARDI])
    assert not Reservation.objects.actives().filter(date=MARDI).exists()


def test_more_requests_than_places_go_in_drawn_order(loisirs, ouverture, horloge):
    familles = _familles(loisirs, 5)
    for (inscription,) in familles:
        services.reserver(inscription, [LUNDI])
    ids = [inscription.famille_id for (inscription,) in familles]
    # A seed that draws them in the reverse of their request order: time does not count.
    graine = _graine_pour(list(reversed(ids)))

    assert _tirer(ouverture, horloge, graine=graine)

    premier_arrive, deuxieme, troisieme, quatrieme, dernier_arrive = (f[0] for f in familles)
    assert _etat(dernier_arrive) == (Etat.RESERVEE, None)
    assert _etat(quatrieme) == (Etat.RESERVEE, None)
    assert _etat(troisieme) == (Etat.ATTENTE, 1)
    assert _etat(deuxieme) == (Etat.ATTENTE, 2)
    assert _etat(premier_arrive) == (Etat.ATTENTE, 3)
    ouverture.refresh_from_db()
    assert ouverture.ordre == list(reversed(ids))
    assert ouverture.graine == graine
    # Set-based writes, audited like any other change.
    assert Reservation.history.filter(history_change_reason="Tirage au sort").count() == 5


def test_siblings_are_drawn_together_and_never_split(loisirs, ouverture, horloge):
    Journee.objects.create(activite=loisirs, date=LUNDI, places=3)
    (a1, a2), (b1, b2), (c1, _) = _familles(loisirs, 3, enfants=2)
    for inscription in (a1, a2, b1, b2, c1):
        services.reserver(inscription, [LUNDI])
    graine = _graine_pour([a1.famille_id, b1.famille_id, c1.famille_id])

    _tirer(ouverture, horloge, graine=graine)

    # A's two children take 2 of the 3 places; B's two do not both fit in the one left,
    # so both wait, one after the other; the last place goes on to C.
    assert _etat(a1)[0] == _etat(a2)[0] == Etat.RESERVEE
    assert {_etat(b1), _etat(b2)} == {(Etat.ATTENTE, 1), (Etat.ATTENTE, 2)}
    assert _etat(c1) == (Etat.RESERVEE, None)


def test_the_draw_is_reproducible_from_its_seed(loisirs, ouverture, horloge, client_agent):
    for (inscription,) in _familles(loisirs, 4):
        services.reserver(inscription, [LUNDI, MARDI])
    _tirer(ouverture, horloge)
    ouverture.refresh_from_db()

    assert len(ouverture.graine) == 32  # secrets.token_hex(16)
    assert tirage.ordre_tire(ouverture.graine, ouverture.participants) == ouverture.ordre
    verification = tirage.verifier(ouverture)
    assert verification["ordre_identique"] and verification["lignes_identiques"]
    # The staff's read-only page says so, and changes nothing.
    avant = list(Reservation.objects.values_list("pk", "etat", "rang_attente").order_by("pk"))
    reponse = client_agent.get(reverse("admin:reservations_tirage_verifier", args=[ouverture.pk]))
    contenu = reponse.content.decode()
    assert "<strong>identique</strong> à l'ordre enregistré" in contenu
    assert "<strong>identique</strong> aux résultats enregistrés" in contenu
    assert ouverture.graine in contenu
    assert (
        list(Reservation.objects.values_list("pk", "etat", "rang_attente").order_by("pk")) == avant
    )
    # A record altered afterwards no longer matches its seed: the page would say so.
    ouverture.ordre = list(reversed(ouverture.ordre))
    assert not tirage.verifier(ouverture)["ordre_identique"]


def test_the_admin_shows_the_draw(loisirs, ouverture, horloge, client_agent):
    ((inscription,),) = _familles(loisirs, 1)
    services.reserver(inscription, [LUNDI])
    _tirer(ouverture, horloge)
    ouverture.refresh_from_db()
    reponse = client_agent.get(reverse("admin:reservations_tirage_change", args=[ouverture.pk]))
    contenu = reponse.content.decode()
    assert reponse.status_code == 200
    assert ouverture.graine in contenu
    assert inscription.enfant.prenom in contenu and "place" in contenu


def test_a_request_outside_the_window_is_first_come(parent, loisirs, ouverture, horloge):
    inscription = inscrire(parent.famille, loisirs)
    horloge.move_to(OUVERTURE - datetime.timedelta(minutes=1))
    bilan = services.reserver(inscription, [LUNDI])
    assert bilan.refuses == [(LUNDI, "tirage au sort : demandes à partir du 27/11/2026 à 08:30")]
    # After the close, until the draw has run: nobody slips in first.
    horloge.move_to(CLOTURE)
    bilan = services.reserver(inscription, [LUNDI])
    assert bilan.refuses[0][1].startswith("tirage au sort en cours")
    assert not Reservation.objects.exists()

    (autre,), (troisieme,) = _familles(loisirs, 2)
    # Two requests in the window fill the day; a third household asks after the draw.
    horloge.move_to(OUVERTURE)
    services.reserver(inscription, [LUNDI])
    services.reserver(autre, [LUNDI])
    _tirer(ouverture, horloge)
    horloge.move_to(CLOTURE + datetime.timedelta(minutes=5))
    bilan = services.reserver(troisieme, [LUNDI, MARDI])
    assert bilan.reserves == [MARDI]  # first come on a day nobody drew
    assert bilan.attente == [(LUNDI, 1)]
    assert _etat(troisieme) == (Etat.ATTENTE, 1)


def test_staff_booking_for_a_family_is_not_held_by_the_lottery(parent, loisirs, ouverture):
    inscription = inscrire(parent.famille, loisirs)
    bilan = services.reserver(inscription, [LUNDI], par_le_service=True)
    assert bilan.reserves == [LUNDI]


def test_first_come_stays_the_default(parent, loisirs, ouverture):
    ParametresReservation.objects.filter(activite=loisirs).update(
        mode_ouverture=ModeOuverture.PREMIER_ARRIVE
    )
    inscription = inscrire(parent.famille, loisirs)
    assert services.reserver(inscription, [LUNDI]).reserves == [LUNDI]


def test_a_draw_runs_once(
    loisirs, ouverture, horloge, executer_taches, django_capture_on_commit_callbacks
):
    familles = _familles(loisirs, 3)
    for (inscription,) in familles:
        services.reserver(inscription, [LUNDI])
    with django_capture_on_commit_callbacks(execute=True):
        tirage.programmer(ouverture)  # as the admin does when the manager saves it
    assert executer_taches() == 0  # due at the close only
    assert Reservation.objects.filter(etat=Etat.TIRAGE).count() == 3

    horloge.move_to(CLOTURE)
    assert executer_taches() == 1
    ouverture.refresh_from_db()
    assert ouverture.tire_le is not None and ouverture.tache.startswith("tâche ")
    premier = (ouverture.graine, ouverture.ordre, ouverture.resultats)
    etats = sorted(Reservation.objects.values_list("pk", "etat", "rang_attente"))

    # Again by hand, by the cron command, by the admin action: nothing changes.
    assert tirage.tirer(ouverture) is False
    call_command("tirer_au_sort")
    ouverture.refresh_from_db()
    assert (ouverture.graine, ouverture.ordre, ouverture.resultats) == premier
    assert sorted(Reservation.objects.values_list("pk", "etat", "rang_attente")) == etats
    assert Demande.objects.filter(objet__contains=": tirage au sort, ").count() == 3


def test_the_cron_command_draws_a_lottery_whose_task_was_lost(loisirs, ouverture, horloge):
    ((inscription,),) = _familles(loisirs, 1)
    services.reserver(inscription, [LUNDI])
    horloge.move_to(CLOTURE)
    call_command("tirer_au_sort")
    assert _etat(inscription) == (Etat.RESERVEE, None)


def test_each_family_is_told_by_email_queued_not_sent(
    loisirs, ouverture, horloge, executer_taches, django_capture_on_commit_callbacks
):
    (premiere,), (seconde,), (troisieme,) = _familles(loisirs, 3)
    for inscription in (premiere, seconde, troisieme):
        services.reserver(inscription, [LUNDI])
    graine = _graine_pour([premiere.famille_id, seconde.famille_id, troisieme.famille_id])
    with django_capture_on_commit_callbacks(execute=True):
        _tirer(ouverture, horloge, graine=graine)
    assert mail.outbox == []  # queued in the outbox, sent by the worker
    assert Courriel.objects.count() == 3
    executer_taches()
    assert len(mail.outbox) == 3
    par_destinataire = {m.to[0]: m.body for m in mail.outbox}
    email = troisieme.famille.responsables.get().user.email
    assert "liste d'attente, rang 1" in par_destinataire[email]
    email = premiere.famille.responsables.get().user.email
    assert "lundi 21 décembre : place obtenue" in par_destinataire[email]


def test_a_waiting_list_already_there_keeps_its_turn(loisirs, ouverture, horloge):
    (ancien,), (nouveau,) = _familles(loisirs, 2)
    # Booked by staff before the lottery (e.g. a priority family): full day, one waiting.
    Journee.objects.create(activite=loisirs, date=LUNDI, places=1)
    services.reserver(inscrire(creer_responsable().famille, loisirs), [LUNDI], par_le_service=True)
    services.reserver(ancien, [LUNDI], par_le_service=True)
    Reservation.objects.filter(inscription=ancien).update(rang_attente=4)  # a gap
    services.reserver(nouveau, [LUNDI])
    _tirer(ouverture, horloge)
    assert _etat(ancien) == (Etat.ATTENTE, 1)
    assert _etat(nouveau) == (Etat.ATTENTE, 2)


def test_a_day_closed_before_the_draw_cancels_its_requests(parent, loisirs, ouverture, horloge):
    inscription = inscrire(parent.famille, loisirs)
    services.reserver(inscription, [LUNDI, MARDI])
    Journee.objects.update_or_create(
        activite=loisirs, date=MARDI, defaults={"fermee": True, "motif": "Grève"}
    )
    _tirer(ouverture, horloge)
    assert _etat(inscription) == (Etat.RESERVEE, None)
    assert Reservation.objects.get(date=MARDI).etat == Etat.ANNULEE


def test_bookings_needing_validation_become_requests_to_staff(parent, loisirs, ouverture, horloge):
    ParametresReservation.objects.filter(activite=loisirs).update(validation_requise=True)
    inscription = inscrire(parent.famille, loisirs)
    services.reserver(inscription, [LUNDI, MERCREDI])
    _tirer(ouverture, horloge)
    assert _etat(inscription) == (Etat.DEMANDEE, None)
    demande = Reservation.objects.get(date=LUNDI).demande
    assert demande.statut == Demande.Statut.EN_ATTENTE
    assert "2 jours obtenus" in demande.objet


def test_the_calendar_tells_the_family_when_the_draw_is(
    client_parent, parent, loisirs, ouverture, horloge
):
    inscription = inscrire(parent.famille, loisirs)
    url = reverse("calendrier", args=[inscription.pk, 2026, 12])
    horloge.move_to(OUVERTURE - datetime.timedelta(hours=1))
    contenu = client_parent.get(url).content.decode()
    assert "tirage au sort (demandes à partir du 27/11/2026 à 08:30)" in contenu
    assert 'value="2026-12-21"' not in contenu  # not bookable yet
    horloge.move_to(OUVERTURE)
    contenu = client_parent.get(url).content.decode()
    assert "vos demandes seront tirées au sort le 27/11/2026 à 12:00" in contenu
    assert "tirage au sort" in contenu
    client_parent.post(url, {"jours": ["2026-12-21"], "affiches": ["2026-12-21"]}, follow=True)
    assert _etat(inscription) == (Etat.TIRAGE, None)
    contenu = client_parent.get(url).content.decode()
    assert "demande pour le tirage au sort" in contenu


def test_the_draw_must_come_before_the_first_day(loisirs):
    from reservations.admin_tirage import TirageForm

    form = TirageForm(
        data={
            "premier_jour": "2026-12-21",
            "dernier_jour": "2026-12-23",
            "ouverture": "2026-12-20 08:30",
            "cloture": "2026-12-21 12:00",
        },
        instance=Tirage(activite=loisirs),
    )
    assert not form.is_valid()
    assert form.errors["cloture"] == ["Le tirage doit avoir lieu avant le premier jour concerné."]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_request_recorded_while_the_draw_starts_is_drawn_too(loisirs, ouverture):
    """A request made at 11:59:59 still committing when the draw starts at 12:00: the
    draw waits for it on the day's lock and draws it (never left undrawn)."""
    ((inscription,),) = _familles(loisirs, 1)
    tient_le_jour, erreurs = threading.Event(), []

    def pause():
        tient_le_jour.set()
        time.sleep(1)  # the draw starts meanwhile and must wait for this booking

    def demander():
        try:
            services.reserver(
                inscription, [LUNDI], maintenant=CLOTURE - datetime.timedelta(seconds=1)
            )
        except Exception as exc:  # noqa: BLE001 - any failure is reported
            erreurs.append(exc)
        finally:
            connection.close()

    ancien, services._apres_comptage = services._apres_comptage, pause
    try:
        fil = threading.Thread(target=demander)
        fil.start()
        assert tient_le_jour.wait(timeout=30)
        assert tirage.tirer(ouverture, maintenant=CLOTURE)
        fil.join()
    finally:
        services._apres_comptage = ancien
    assert erreurs == []
    assert _etat(inscription) == (Etat.RESERVEE, None)
    assert not Reservation.objects.filter(etat=Etat.TIRAGE).exists()


def _formulaire_activite(client, activite) -> tuple[dict, str]:
    """The activity's admin form as shown (every inline), and the lotteries' prefix."""
    reponse = client.get(reverse("admin:inscriptions_activite_change", args=[activite.pk]))
    data = {}

    def copier(form, prefixe):
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value is None or value is False:
                continue
            if isinstance(value, list):
                data[prefixe + name] = [str(v) for v in value]
            elif isinstance(value, datetime.datetime):
                local = timezone.localtime(value)
                data[f"{prefixe}{name}_0"] = local.date().isoformat()
                data[f"{prefixe}{name}_1"] = local.strftime("%H:%M:%S")
            else:
                data[prefixe + name] = str(getattr(value, "pk", value))

    copier(reponse.context["adminform"].form, "")
    for inline in reponse.context["inline_admin_formsets"]:
        fs = inline.formset
        data.update({f"{fs.prefix}-{k}": v for k, v in fs.management_form.initial.items()})
        for i, form in enumerate(fs.forms):
            copier(form, f"{fs.prefix}-{i}-")
    prefixe = next(
        i.formset.prefix
        for i in reponse.context["inline_admin_formsets"]
        if i.formset.model is Tirage
    )
    return data, prefixe


def test_the_manager_sets_a_lottery_on_the_activity_and_the_draw_is_scheduled(
    client_agent, loisirs, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    data, prefixe = _formulaire_activite(client_agent, loisirs)
    data[f"{prefixe}-TOTAL_FORMS"] = "1"
    data.update(
        {
            f"{prefixe}-0-premier_jour": "2026-12-21",
            f"{prefixe}-0-dernier_jour": "2026-12-24",
            f"{prefixe}-0-ouverture_0": "2026-12-01",
            f"{prefixe}-0-ouverture_1": "08:30:00",
            f"{prefixe}-0-cloture_0": "2026-12-01",
            f"{prefixe}-0-cloture_1": "12:00:00",
        }
    )
    url = reverse("admin:inscriptions_activite_change", args=[loisirs.pk])
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client_agent.post(url, data)
    assert reponse.status_code == 302, reponse.context["errors"]
    ouverture = Tirage.objects.get(activite=loisirs)
    assert ouverture.cloture == datetime.datetime(2026, 12, 1, 12, tzinfo=PARIS)
    tache = DBTaskResult.objects.get(task_path="reservations.tasks.tirer_au_sort")
    assert tache.run_after == ouverture.cloture and tache.args_kwargs["args"] == [ouverture.pk]

    # A second lottery on the same days is refused, with a French message; nothing written.
    data, prefixe = _formulaire_activite(client_agent, loisirs)
    data[f"{prefixe}-TOTAL_FORMS"] = "2"
    data.update(
        {
            f"{prefixe}-1-premier_jour": "2026-12-24",
            f"{prefixe}-1-dernier_jour": "2026-12-31",
            f"{prefixe}-1-ouverture_0": "2026-12-02",
            f"{prefixe}-1-ouverture_1": "08:30:00",
            f"{prefixe}-1-cloture_0": "2026-12-02",
            f"{prefixe}-1-cloture_1": "12:00:00",
        }
    )
    reponse = client_agent.post(url, data)
    assert reponse.status_code == 200
    assert "ne peuvent pas porter sur les mêmes jours" in reponse.content.decode()
    assert Tirage.objects.count() == 1


def test_the_draw_runs_a_constant_number_of_queries(loisirs, horloge):
    """As many SQL statements for 2 households as for 6 (set-based writes)."""
    from django.test.utils import CaptureQueriesContext

    comptes = []
    for n, jours in ((2, (LUNDI, MARDI)), (6, (D(2026, 12, 28), D(2026, 12, 29)))):
        horloge.move_to(OUVERTURE)
        ouverture = Tirage.objects.create(
            activite=loisirs,
            premier_jour=jours[0],
            dernier_jour=jours[1],
            ouverture=OUVERTURE,
            cloture=CLOTURE,
        )
        for inscriptions in _familles(loisirs, n, enfants=2):
            for inscription in inscriptions:
                services.reserver(inscription, list(jours))
        horloge.move_to(CLOTURE)
        with CaptureQueriesContext(connection) as requetes:
            assert tirage.tirer(ouverture)
        comptes.append(len(requetes))
    assert comptes[0] == comptes[1], comptes
    assert not Reservation.objects.filter(etat=Etat.TIRAGE).exists()


def test_once_requests_are_open_only_the_draw_time_may_change(ouverture):
    from reservations.admin_tirage import TirageForm

    def modifier(**champs):
        valeurs = {
            "premier_jour": "2026-12-21",
            "dernier_jour": "2027-01-01",
            "ouverture": "2026-11-27 08:30",
            "cloture": "2026-11-27 12:00",
            **champs,
        }
        return TirageForm(data=valeurs, instance=Tirage.objects.get(pk=ouverture.pk))

    form = modifier(premier_jour="2026-12-22")
    assert not form.is_valid()
    assert form.non_field_errors() == [
        "Les demandes sont ouvertes : seule la date du tirage peut encore changer."
    ]
    assert modifier(cloture="2026-11-27 12:30").is_valid()


def test_the_semaine_type_preview_says_which_days_go_to_the_draw(
    client_parent, parent, loisirs, ouverture
):
    inscription = inscrire(parent.famille, loisirs)
    donnees = {
        "jours": ["0", "1"],
        "frequence": "toutes",
        "debut": "2026-12-21",
        "fin": "2026-12-29",
    }
    url = reverse("semaine_type", args=[inscription.pk])
    html = client_parent.post(url, {**donnees, "apercu": ""}).content.decode()
    # Mondays and Tuesdays from 21/12 to 29/12: all four in the lottery's days.
    assert "4 pour le tirage au sort" in html
    assert "sera demandé pour le tirage au sort" in html
    client_parent.post(url, {**donnees, "confirmer": ""})
    assert Reservation.objects.filter(etat=Etat.TIRAGE).count() == 4


def test_the_admin_action_gives_the_draw_to_the_worker(
    loisirs, ouverture, horloge, client_agent, executer_taches, django_capture_on_commit_callbacks
):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
    from django.urls import reverse

    ((inscription,),) = _familles(loisirs, 1)
    services.reserver(inscription, [LUNDI])
    horloge.move_to(CLOTURE)
    with django_capture_on_commit_callbacks(execute=True):
        client_agent.post(
            reverse("admin:reservations_tirage_changelist"),
            {"action": "tirer_maintenant", ACTION_CHECKBOX_NAME: [ouverture.pk]},
        )
    # Nothing drawn inside the staff member's request…
    assert _etat(inscription)[0] == Etat.TIRAGE
    executer_taches()
    # …the worker draws.
    assert _etat(inscription) == (Etat.RESERVEE, None)
