"""Staff in a browser: the dashboard leads to a queue, a decision takes one click (a reason
for a refusal), and the tablet attendance saves each tap, even when the network drops."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from django.utils import timezone

from familles.services import demander_modification_coordonnees
from portail.models import Demande
from reservations.models import Reservation
from tests.conftest import creer_agent
from tests.reservations.conftest import *  # noqa: F403 - horloge, cantine…
from tests.reservations.conftest import inscrire

pytestmark = pytest.mark.django_db(transaction=True)

GRAVES = {"serious", "critical"}


def _connecter(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)  # staff: the second factor is marked as passed
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def _sans_violation_grave(page) -> None:
    resultats = Axe().run(page)
    graves = [v["id"] for v in resultats.response["violations"] if v["impact"] in GRAVES]
    assert graves == [], resultats.generate_report()


@pytest.fixture
def deux_demandes(parent, coparent):
    demandes = []
    for responsable, adresse in ((parent, "9 rue Neuve"), (coparent, "3 place Haute")):
        valeurs = {c: getattr(responsable, c) for c in responsable.CHAMPS_COORDONNEES}
        demandes.append(
            demander_modification_coordonnees(responsable, {**valeurs, "adresse": adresse})
        )
    return demandes


@pytest.fixture
def a_la_cantine_aujourdhui(parent, cantine):
    """Friday 27 November 2026 (the frozen clock): Léa (allergic) and Hugo at the canteen."""
    reservations = []
    for prenom, allergies in (("Léa", "Arachide"), ("Hugo", "")):
        inscription = inscrire(parent.famille, cantine, prenom, allergies=allergies)
        reservations.append(
            Reservation.objects.create(
                inscription=inscription,
                enfant=inscription.enfant,
                activite=cantine,
                date=timezone.localdate(),
            )
        )
    return reservations


def test_dashboard_then_queue_then_decision(navigateur, live_server, deux_demandes):
    context = navigateur.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    _connecter(context, live_server, creer_agent("accueil@example.org"))
    page.goto(live_server.url + "/gestion/")
    _sans_violation_grave(page)
    page.get_by_role("link", name="2 Demandes : modification de coordonnées").click()
    page.wait_for_selector("#result_list")
    # The queue fits a 1280 px screen: nothing hidden to the right of the table.
    assert page.evaluate(
        "(() => { const r = document.querySelector('.results');"
        " return r.scrollWidth <= r.clientWidth; })()"
    )
    _sans_violation_grave(page)

    acceptee, refusee = deux_demandes
    page.get_by_role("button", name=f"Accepter : {acceptee.objet}").click()
    page.wait_for_selector(".messagelist .success")
    assert "1 demande acceptée ; la famille" in page.locator(".messagelist").inner_text()
    assert "type__exact=coordonnees" in page.url  # back on the same queue
    acceptee.refresh_from_db()
    assert acceptee.statut == Demande.Statut.ACCEPTEE

    page.get_by_role("link", name=f"Refuser : {refusee.objet}").click()
    page.get_by_label("Motif du refus (envoyé à la famille)").fill("Justificatif illisible")
    page.get_by_role("button", name="Refuser la demande").click()
    page.wait_for_selector(".messagelist .success")
    assert "Aucune demande" in page.content() or "0 demande" in page.content()
    refusee.refresh_from_db()
    assert (refusee.statut, refusee.reponse) == (
        Demande.Statut.REFUSEE,
        "Justificatif illisible",
    )
    context.close()


def test_tablet_attendance_saves_each_tap(navigateur, live_server, site, a_la_cantine_aujourdhui):
    lea, hugo = a_la_cantine_aujourdhui
    context = navigateur.new_context(viewport={"width": 800, "height": 1280}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    _connecter(context, live_server, creer_agent("animation@example.org"))
    page.goto(live_server.url + "/gestion/")
    page.get_by_role("link", name=f"Liste de la journée — {site.nom}").click()
    assert "Allergies : Arachide" in page.locator("#content").inner_text()
    _sans_violation_grave(page)
    page.goto(live_server.url + "/gestion/")
    page.get_by_role("link", name=f"Pointage — {site.nom}").click()
    page.get_by_label("Activité").select_option(label=f"Restauration scolaire — {site.nom}")
    page.get_by_role("button", name="Afficher").click()
    _sans_violation_grave(page)

    present = page.get_by_role("button", name="Présent : Léa Test")
    present.click()
    page.wait_for_selector(f"#r{lea.pk}.etat-present")
    assert present.get_attribute("aria-pressed") == "true"
    assert page.locator("#bilan-pointage strong").inner_text() == "1"
    lea.refresh_from_db()
    assert lea.etat == "present"

    # The network drops: the tap is not saved and says so; Léa's mark stays saved.
    context.set_offline(True)
    page.get_by_role("button", name="Absent : Hugo Test").click()
    page.wait_for_selector(f"#r{hugo.pk}.echec")
    assert "connexion perdue" in page.locator(f"#r{hugo.pk} .pointage-etat").inner_text()
    hugo.refresh_from_db()
    assert hugo.etat == "reservee"
    context.set_offline(False)
    page.get_by_role("button", name="Absent : Hugo Test").click()
    page.wait_for_selector(f"#r{hugo.pk}.etat-absent")
    hugo.refresh_from_db()
    assert hugo.etat == "absent"

    # Later, the page opens on the same site and activity, with the marks made.
    page.goto(live_server.url + "/gestion/reservations/reservation/pointage/")
    assert (
        page.get_by_role("button", name="Présent : Léa Test").get_attribute("aria-pressed")
        == "true"
    )
    assert (
        page.get_by_role("button", name="Absent : Hugo Test").get_attribute("aria-pressed")
        == "true"
    )
    context.close()
