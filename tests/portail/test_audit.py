"""The audit trail: every change, by a parent, staff or a job, says who, when and what."""

import datetime

from django.urls import reverse

from comptes.models import Facture, Paiement
from comptes.services import finances
from comptes.services.jetons import nouveau_jeton
from familles.models import Enfant, Famille
from portail.models import Demande
from reservations.models import Reservation
from tests.conftest import creer_enfant
from tests.familles.test_enfant_modifier import _donnees
from tests.familles.test_enfant_modifier import _url as _url_enfant
from tests.finances.aide import jour as _jour
from tests.finances.aide import tarif as _tarif
from tests.finances.conftest import *  # noqa: F403 - frozen clock, season, canteen

D = datetime.date


def test_a_parent_change_is_recorded_with_the_parent_and_the_field(client_parent, parent):
    enfant = creer_enfant(parent.famille)
    client_parent.post(_url_enfant(enfant), _donnees(enfant, ecole="Jaurès"))
    # The clock is frozen: order by id, not by date.
    creation, derniere = enfant.history.order_by("history_id")
    assert derniere.history_user == parent.user
    assert derniere.history_type == "~"
    changes = derniere.diff_against(creation).changes
    assert [(c.field, c.new) for c in changes] == [("ecole", "Jaurès")]


def test_adding_a_child_records_the_new_dependant_on_the_household(client_parent, parent):
    enfant = Enfant(prenom="Noé", nom="Martin", sexe="m", date_naissance=D(2019, 3, 2))
    from familles.services import ajouter_enfant

    ajouter_enfant(parent, enfant, [])
    trace = Famille.history.filter(id=parent.famille_id).latest()
    assert (trace.nombre_enfants_a_charge, trace.history_change_reason) == (1, "Enfant ajouté")


def test_bookings_made_in_bulk_are_recorded_with_the_parent(client_parent, parent, inscription):
    url = reverse("calendrier", args=[inscription.pk, 2026, 12])
    client_parent.post(
        url, {"affiches": ["2026-12-03", "2026-12-04"], "jours": ["2026-12-03", "2026-12-04"]}
    )
    assert Reservation.objects.count() == 2
    traces = Reservation.history.filter(history_type="+")
    assert traces.count() == 2
    assert {t.history_user for t in traces} == {parent.user}


def test_a_staff_decision_is_recorded_with_the_agent(client_agent, agent, parent):
    from familles.services import demander_modification_coordonnees

    valeurs = {c: getattr(parent, c) for c in parent.CHAMPS_COORDONNEES}
    demande = demander_modification_coordonnees(parent, {**valeurs, "adresse": "9 rue Neuve"})
    client_agent.post(reverse("admin:portail_demande_accepter", args=[demande.pk]))
    assert Demande.history.filter(id=demande.pk).latest().history_user == agent
    trace = parent.history.latest()
    assert (trace.history_user, trace.adresse) == (agent, "9 rue Neuve")


def test_a_job_is_recorded_without_a_user_and_says_which_job(inscription, cantine):
    _tarif(cantine)
    _jour(inscription, D(2026, 10, 1))
    finances.facturer_mois(D(2026, 10, 1))
    trace = Facture.history.get()
    assert trace.history_user is None
    assert trace.history_change_reason == "Facturation de 10/2026"


def test_staff_read_who_changed_what_on_the_admin_history_page(
    client_parent, client, agent, parent
):
    enfant = creer_enfant(parent.famille)
    client_parent.post(_url_enfant(enfant), _donnees(enfant, ecole="Jaurès"))
    client.force_login(agent)
    page = client.get(reverse("admin:familles_enfant_history", args=[enfant.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert f"Historique : {enfant}" in html
    assert "parent@example.org (famille)" in html
    assert "Jaurès" in html
    assert "Personnes autorisées" in html  # inline changes are on the same page


def test_an_old_version_can_be_read_but_not_restored(client_agent, parent):
    enfant = creer_enfant(parent.famille)
    enfant.prenom = "Zoé-Lou"
    enfant.save()
    ancienne = enfant.history.earliest()
    url = reverse("admin:familles_enfant_simple_history", args=[enfant.pk, ancienne.history_id])
    assert client_agent.get(url).status_code == 200
    data = {"prenom": "Zoé", "nom": enfant.nom, "sexe": "f", "date_naissance": "2018-05-04"}
    assert client_agent.post(url, data).status_code == 405
    enfant.refresh_from_db()
    assert enfant.prenom == "Zoé-Lou"


def test_a_payment_recorded_by_staff_in_the_admin_is_audited(client_agent, agent, parent):
    response = client_agent.post(
        reverse("admin:comptes_paiement_add"),
        {
            "famille": parent.famille.pk,
            "montant": "12,50",  # typed the French way
            "mode": "especes",
            "date": "27/11/2026",
            "jeton": nouveau_jeton(),
        },
    )
    assert response.status_code == 302
    trace = Paiement.history.get()
    assert (trace.history_type, trace.history_user, str(trace.montant)) == ("+", agent, "12.50")


def test_a_malformed_id_on_a_history_page_is_a_404(client_agent):
    for url in ("/gestion/familles/enfant/abc/history/", "/gestion/familles/enfant/abc/history/1/"):
        assert client_agent.get(url).status_code == 404
