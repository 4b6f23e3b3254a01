import datetime

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from inscriptions import services
from inscriptions.models import Activite, Inscription
from portail.models import Demande
from tests.conftest import creer_enfant

URL = reverse("admin:inscriptions_inscription_changelist")
DEBUT, FIN = datetime.date(2026, 12, 1), datetime.date(2027, 7, 3)


def _demande(parent, activite, prenom="Léa", **champs):
    enfant = creer_enfant(parent.famille, prenom=prenom, **champs)
    return services.demander_inscription(parent, enfant, activite, DEBUT, FIN)


def test_parents_cannot_reach_it(client_parent):
    assert client_parent.get(URL).status_code == 302


def test_the_list_opens_on_what_is_left_to_decide(client_agent, parent, agent, creer_activite):
    activite = creer_activite(capacite=30)
    attente = _demande(parent, activite, prenom="Attente")
    validee = _demande(parent, activite, prenom="Validee")
    services.valider_inscription(validee.pk, agent)
    html = client_agent.get(URL).content.decode()
    assert "Inscriptions à traiter" in html
    assert "Attente" in html and "Validee" not in html
    assert "1 / 30" in html  # enrolled against the maximum
    assert "Validee" in client_agent.get(URL + "?statut=toutes").content.decode()
    assert attente.pk


def test_bulk_validation_reports_what_did_not_fit(client_agent, parent, creer_activite):
    activite = creer_activite(capacite=1)
    a, b = _demande(parent, activite, "Un"), _demande(parent, activite, "Deux")
    response = client_agent.post(
        URL, {"action": "valider", ACTION_CHECKBOX_NAME: [a.pk, b.pk]}, follow=True
    )
    html = response.content.decode()
    assert "1 inscription validée ;" in html
    assert "est complète" in html
    assert Inscription.objects.validees().count() == 1


def test_refusing_requires_a_reason_then_tells_the_family(
    client_agent, parent, activite, django_capture_on_commit_callbacks, executer_taches, mailoutbox
):
    inscription = _demande(parent, activite)
    response = client_agent.post(URL, {"action": "refuser", ACTION_CHECKBOX_NAME: [inscription.pk]})
    assert "Motif du refus" in response.content.decode()
    response = client_agent.post(
        URL,
        {
            "action": "refuser",
            ACTION_CHECKBOX_NAME: [inscription.pk],
            "confirmer": "1",
            "motif": "",
        },
    )
    assert "Indiquez le motif du refus" in response.content.decode()
    inscription.refresh_from_db()
    assert inscription.statut == Inscription.Statut.EN_ATTENTE
    with django_capture_on_commit_callbacks(execute=True):
        client_agent.post(
            URL,
            {
                "action": "refuser",
                ACTION_CHECKBOX_NAME: [inscription.pk],
                "confirmer": "1",
                "motif": "Hors secteur scolaire",
            },
        )
    executer_taches()
    inscription.refresh_from_db()
    assert (inscription.statut, inscription.motif_refus) == (
        Inscription.Statut.REFUSEE,
        "Hors secteur scolaire",
    )
    assert Demande.objects.get(inscription=inscription).reponse == "Hors secteur scolaire"
    assert "Hors secteur scolaire" in mailoutbox[0].body


def test_validating_a_preinscription(client_agent, parent, creer_activite):
    creche = creer_activite(
        nom="Multi-accueil",
        type=Activite.Type.PETITE_ENFANCE,
        preinscription=True,
        age_minimum_mois=2,
        age_maximum_mois=35,
    )
    cantine = creer_activite(nom="Cantine")
    bebe = _demande(parent, creche, "Bébé", date_naissance=datetime.date(2026, 5, 1))
    grand = _demande(parent, cantine, "Grand")
    response = client_agent.post(
        URL,
        {"action": "valider_preinscription", ACTION_CHECKBOX_NAME: [bebe.pk, grand.pk]},
        follow=True,
    )
    assert "pas une préinscription en attente" in response.content.decode()
    bebe.refresh_from_db()
    grand.refresh_from_db()
    assert bebe.statut == Inscription.Statut.VALIDEE
    assert grand.statut == Inscription.Statut.EN_ATTENTE


def test_the_activity_list_shows_enrolled_against_places(
    client_agent, parent, agent, creer_activite
):
    activite = creer_activite(capacite=12)
    services.valider_inscription(_demande(parent, activite).pk, agent)
    html = client_agent.get(reverse("admin:inscriptions_activite_changelist")).content.decode()
    assert "1 / 12" in html


def test_staff_cannot_edit_dates_around_the_rules(client_agent, parent, activite):
    inscription = _demande(parent, activite)
    url = reverse("admin:inscriptions_inscription_change", args=[inscription.pk])
    client_agent.post(url, {"date_debut": "2020-01-01", "date_fin": "9999-12-31"})
    inscription.refresh_from_db()
    assert (inscription.date_debut, inscription.date_fin) == (DEBUT, FIN)


def test_the_list_runs_the_same_queries_whatever_the_catalogue(
    client_agent, parent, creer_activite
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _demande(parent, creer_activite(nom="A0"), prenom="Un")
    with CaptureQueriesContext(connection) as petit:
        client_agent.get(URL)
    for i in range(1, 6):
        _demande(parent, creer_activite(nom=f"A{i}"), prenom=f"E{i}")
    with CaptureQueriesContext(connection) as grand:
        client_agent.get(URL)
    assert len(grand) == len(petit)
