"""Issue 11: the child's file pages (fiche sanitaire, autorisations) and the kitchen
count pass axe, with and without errors, on a phone and a desktop screen."""

import datetime
import os

import pytest
from axe_playwright_python.sync_playwright import Axe

from familles.models import TypeAutorisation
from reservations import services
from reservations.models import ParametresReservation
from tests.conftest import creer_user
from tests.e2e.test_accessibilite import GRAVES, _connecter, _verifier
from tests.e2e.test_accessibilite import ecran as ecran  # the fixture
from tests.reservations.conftest import *  # noqa: F403 - horloge, cantine, inscription…
from tests.reservations.conftest import inscrire

pytestmark = pytest.mark.django_db(transaction=True)

# PORTAIL_CAPTURES=var/captures: screenshots to look at (not needed by the assertions).
CAPTURES = os.environ.get("PORTAIL_CAPTURES")


def _capturer(page, nom):
    if CAPTURES:
        os.makedirs(CAPTURES, exist_ok=True)
        page.screenshot(path=f"{CAPTURES}/{nom}.png", full_page=True)


def test_the_childs_file_pages(ecran, telephone, live_server, parent, creer_activite):
    # A browser test empties the tables after it: the migration's rows may be gone.
    sortie, _ = TypeAutorisation.objects.get_or_create(
        nom="Sortie seul(e)", defaults={"avec_heure": True}
    )
    cantine = creer_activite(nom="Restauration scolaire", fiche_sanitaire_exigee=True)
    ParametresReservation.objects.create(activite=cantine, jours_ouverture=[0, 1, 3, 4])
    enfant = inscrire(parent.famille, cantine, allergies="Arachide").enfant
    pages = [f"/famille/enfants/{enfant.pk}/fiche-sanitaire/"]
    pages.append(f"/famille/enfants/{enfant.pk}/autorisations/")
    _connecter(ecran, live_server, parent.user)
    _verifier(ecran, live_server, ["/famille/", *pages])
    # With errors: no certification ticked, an hour missing.
    ecran.goto(live_server.url + pages[0])
    ecran.get_by_role("button", name="Certifier et enregistrer").click()
    ecran.wait_for_selector("#resume-erreurs")
    _capturer(ecran, "fiche-erreurs-1280")
    ecran.goto(live_server.url + pages[1])
    ecran.locator(f"#id_type_{sortie.pk}_0").check()
    ecran.get_by_role("button", name="Enregistrer mes réponses").click()
    ecran.wait_for_selector("#resume-erreurs")
    _capturer(ecran, "autorisations-erreurs-1280")
    graves = [v["id"] for v in Axe().run(ecran).response["violations"] if v["impact"] in GRAVES]
    assert graves == []
    _connecter(telephone, live_server, parent.user)
    for i, chemin in enumerate(["/famille/", *pages]):
        telephone.goto(live_server.url + chemin)
        largeur = telephone.evaluate("document.documentElement.scrollWidth")
        assert largeur <= 360, chemin
        _capturer(telephone, f"page{i}-360")


def test_the_kitchen_count_page(ecran, live_server, parent, cantine):
    services.reserver(inscrire(parent.famille, cantine), [datetime.date(2026, 12, 3)])
    _connecter(ecran, live_server, creer_user("chef@example.org", is_staff=True, is_superuser=True))
    url = "/gestion/reservations/reservation/repas/"
    _verifier(ecran, live_server, [url, f"{url}?debut=2026-11-30&jours=7"])
    _capturer(ecran, "repas-1280")
    liste = f"/gestion/reservations/reservation/liste-du-jour/?activite={cantine.pk}"
    ecran.goto(live_server.url + liste + "&date=2026-12-03")
    _capturer(ecran, "liste-du-jour-1280")
