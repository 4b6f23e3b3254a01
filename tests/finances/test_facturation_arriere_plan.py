"""Invoicing a month runs in the background worker, with its progress in the admin."""

import datetime
from datetime import date as D
from decimal import Decimal as E

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from comptes.models import CompteurFactures, Courriel, Facture, LigneFacture, TacheFacturation
from comptes.services import facturation, finances
from tests.conftest import creer_responsable
from tests.finances.aide import jour as _jour
from tests.finances.aide import tarif as _tarif
from tests.reservations.conftest import inscrire


@pytest.fixture
def octobre(parent, cantine, inscription):
    """Two households with canteen days in October 2026 (the clock is in November)."""
    _tarif(cantine)
    _jour(inscription, D(2026, 10, 1))
    _jour(inscription, D(2026, 10, 2))
    autre = creer_responsable()
    _jour(inscrire(autre.famille, cantine, "Autre"), D(2026, 10, 1))
    return cantine


def _lancer(client, mois="2026-10", capture=None):
    with capture(execute=True):
        return client.post(reverse("admin:comptes_facturer"), {"mois": mois})


def test_the_request_only_queues_the_run_and_the_worker_invoices(
    client_agent, octobre, django_capture_on_commit_callbacks, executer_taches
):
    response = _lancer(client_agent, capture=django_capture_on_commit_callbacks)
    tache = TacheFacturation.objects.get()
    assert response.url == reverse("admin:comptes_tachefacturation_change", args=[tache.pk])
    assert Facture.objects.count() == 0
    assert DBTaskResult.objects.filter(task_path="comptes.tasks.facturer").count() == 1
    page = client_agent.get(response.url).content.decode()
    assert "en attente du worker" in page
    assert '<meta http-equiv="refresh" content="3">' in page  # reloads itself, no script

    executer_taches()

    tache.refresh_from_db()
    assert tache.etat == TacheFacturation.Etat.TERMINEE
    assert (tache.familles_a_facturer, tache.familles_traitees, tache.factures) == (2, 2, 2)
    assert tache.total == E("13.50")
    assert Facture.objects.count() == 2 and LigneFacture.objects.count() == 3
    # Each family is told by e-mail, by a task of its own that the run queued.
    assert Courriel.objects.filter(sujet__contains="Votre facture").count() == 2
    page = client_agent.get(response.url).content.decode()
    assert 'value="100"' in page and "13,50\u00a0€" in page
    assert 'http-equiv="refresh"' not in page  # done: the page stops reloading
    liste = client_agent.get(reverse("admin:comptes_tachefacturation_changelist"))
    assert "10/2026" in liste.content.decode()


def test_a_second_run_of_the_month_is_refused_while_one_is_queued(
    client_agent, octobre, django_capture_on_commit_callbacks
):
    _lancer(client_agent, capture=django_capture_on_commit_callbacks)
    response = _lancer(client_agent, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "La facturation de 10/2026 est déjà en cours" in response.content.decode()
    assert TacheFacturation.objects.count() == 1
    assert DBTaskResult.objects.count() == 1


def test_a_month_not_over_is_refused_next_to_the_field(
    client_agent, octobre, django_capture_on_commit_callbacks
):
    response = _lancer(client_agent, "2026-11", capture=django_capture_on_commit_callbacks)
    assert "On ne facture qu&#x27;un mois terminé." in response.content.decode()
    assert TacheFacturation.objects.count() == 0 and DBTaskResult.objects.count() == 0


def test_progress_is_recorded_after_each_batch(octobre, monkeypatch):
    monkeypatch.setattr(finances, "FAMILLES_PAR_LOT", 1)
    etapes = []
    bilan = finances.facturer_mois(
        D(2026, 10, 1), progression=lambda fait, total, b: etapes.append((fait, total))
    )
    assert etapes == [(0, 2), (1, 2), (2, 2)]
    assert bilan["factures"] == 2
    assert sorted(Facture.objects.values_list("numero", flat=True)) == [
        "F2026-000001",
        "F2026-000002",
    ]


def test_an_interrupted_run_is_retried_later_and_finishes_the_rest(
    agent, octobre, monkeypatch, horloge, django_capture_on_commit_callbacks, executer_taches
):
    monkeypatch.setattr(finances, "FAMILLES_PAR_LOT", 1)
    lot_normal, appels = finances._facturer_lot, []

    def coupure_au_second_lot(*args):
        appels.append(1)
        if len(appels) == 2:
            raise OperationalError("server closed the connection unexpectedly")
        return lot_normal(*args)

    monkeypatch.setattr(finances, "_facturer_lot", coupure_au_second_lot)
    with django_capture_on_commit_callbacks(execute=True):
        tache = facturation.demander(D(2026, 10, 1), agent=agent)
    executer_taches()
    tache.refresh_from_db()
    assert tache.etat == TacheFacturation.Etat.EN_ATTENTE and tache.tentatives == 1
    assert "reprise automatique" in tache.erreur
    assert Facture.objects.count() == 1  # the first batch stays invoiced

    assert executer_taches() == 0  # retried after a delay, not at once
    horloge.shift(datetime.timedelta(minutes=2))
    executer_taches()
    tache.refresh_from_db()
    assert tache.etat == TacheFacturation.Etat.TERMINEE
    assert tache.factures == 2 and tache.familles_traitees == 2
    assert sorted(Facture.objects.values_list("numero", flat=True)) == [
        "F2026-000001",
        "F2026-000002",
    ]


def test_a_run_stuck_on_a_dead_worker_may_be_replaced(agent, octobre, horloge):
    ancienne = facturation.demander(D(2026, 10, 1), agent=agent)
    TacheFacturation.objects.filter(pk=ancienne.pk).update(etat="en_cours")
    with pytest.raises(finances.FinanceError):
        facturation.demander(D(2026, 10, 1), agent=agent)
    horloge.shift(facturation.INTERROMPUE_APRES + datetime.timedelta(minutes=1))
    nouvelle = facturation.demander(D(2026, 10, 1), agent=agent)
    ancienne.refresh_from_db()
    assert ancienne.etat == TacheFacturation.Etat.ECHEC and "Interrompue" in ancienne.erreur
    assert nouvelle.etat == TacheFacturation.Etat.EN_ATTENTE


def test_the_number_of_queries_does_not_grow_with_the_town(parent, cantine, inscription):
    """Set-based: reads and inserts by batch, whatever the number of households."""
    _tarif(cantine)
    _jour(inscription, D(2026, 10, 1))
    CompteurFactures.objects.create(annee=2026)  # as after the first invoice of the year
    with CaptureQueriesContext(connection) as une_famille:
        finances.facturer_mois(D(2026, 10, 1))
    for n in range(4):
        autre = creer_responsable()
        _jour(inscrire(autre.famille, cantine, f"Enfant{n}"), D(2026, 10, 1))
    with CaptureQueriesContext(connection) as quatre_familles:
        finances.facturer_mois(D(2026, 10, 1))  # the four not yet invoiced
    assert Facture.objects.count() == 5
    assert len(quatre_familles) == len(une_famille)


def test_invoices_of_a_run_are_in_the_audit_trail_in_the_name_of_who_asked(
    agent, octobre, django_capture_on_commit_callbacks, executer_taches
):
    with django_capture_on_commit_callbacks(execute=True):
        facturation.demander(D(2026, 10, 1), agent=agent)
    executer_taches()
    creations = Facture.history.filter(history_type="+")
    assert creations.count() == 2
    assert {(h.history_user, h.history_change_reason) for h in creations} == {
        (agent, "Facturation de 10/2026")
    }
