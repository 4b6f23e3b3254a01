"""The booking calendar on a 360 px phone (folded menu, sticky "Valider" bar, tap targets),
on a wide screen, without JavaScript, and the month's planning PDF."""

import datetime
import io
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from pypdf import PdfReader

from reservations import services
from reservations.models import ParametresReservation, Reservation
from tests.conftest import MOT_DE_PASSE
from tests.e2e.conftest import se_connecter
from tests.inscriptions.conftest import *  # noqa: F403 - creer_activite, horloge…
from tests.reservations.conftest import inscrire

pytestmark = pytest.mark.django_db(transaction=True)

D = datetime.date
ARTEFACTS = Path(settings.BASE_DIR) / "var" / "artifacts"


@pytest.fixture
def inscription(parent, creer_activite):
    cantine = creer_activite(nom="Restauration scolaire")
    ParametresReservation.objects.create(
        activite=cantine, jours_ouverture=[0, 1, 3, 4], places_par_jour=10
    )
    return inscrire(parent.famille, cantine, "Hugo", sexe="m")


def _capture(page, nom: str, full_page: bool = True) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / nom), full_page=full_page)


def test_the_phone_calendar_folds_the_menu_and_keeps_valider_at_hand(
    telephone, live_server, inscription
):
    # Frozen clock: Friday 27 November 2026; Monday 30 is past the J-2 deadline.
    se_connecter(telephone, live_server, "parent@example.org", MOT_DE_PASSE)
    telephone.goto(f"{live_server.url}/reservations/{inscription.pk}/")
    assert telephone.url.endswith(f"/reservations/{inscription.pk}/2026/12/")
    assert "Prochain jour réservable : mardi 1er décembre" in telephone.inner_text("main")
    _capture(telephone, "calendrier-360.png", full_page=False)  # what the screen shows

    # The sections hide behind "Menu", which opens with the keyboard.
    navigation = telephone.get_by_role("navigation", name="Rubriques du portail")
    lien = navigation.get_by_role("link", name="Mon compte")
    assert not lien.is_visible()
    telephone.keyboard.press("Tab")  # the skip link
    telephone.keyboard.press("Tab")  # the header's title
    while telephone.evaluate("document.activeElement.tagName") != "SUMMARY":
        telephone.keyboard.press("Tab")
    telephone.keyboard.press("Enter")
    assert lien.is_visible()
    assert lien.bounding_box()["height"] >= 44
    graves = [
        f"{v['id']} : {v['help']}"
        for v in Axe().run(telephone).response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert graves == []
    telephone.keyboard.press("Enter")  # folds it again
    assert not lien.is_visible()

    # Every day to tick is a tap target of at least 44 px; so is the button.
    hauteurs = telephone.eval_on_selector_all(
        "label.case-jour", "ls => ls.map(l => l.getBoundingClientRect().height)"
    )
    assert hauteurs and min(hauteurs) >= 44
    bouton = telephone.locator("#bouton-valider")
    assert bouton.bounding_box()["height"] >= 44

    # The bar stays at the bottom of the screen and counts the changes.
    for jour in ("2026-12-01", "2026-12-03"):
        telephone.locator(f"label[for='j-{jour}']").click()
    assert bouton.inner_text() == "Valider (2 changements)"
    telephone.locator("label[for='j-2026-12-10']").scroll_into_view_if_needed()
    _capture(telephone, "calendrier-360-selection.png", full_page=False)
    # (the table's top at the top of the screen: the page's head — rules, price, next day —
    # may take the whole first screen of a phone)
    telephone.locator("table.calendrier").evaluate("t => t.scrollIntoView()")
    boite = bouton.bounding_box()
    assert 740 - 120 < boite["y"] + boite["height"] <= 740
    assert telephone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    bouton.click()
    telephone.wait_for_selector(".alert-success")
    assert "Mardi 1er et jeudi 3 décembre réservés pour Hugo" in (
        telephone.locator(".alert-success").inner_text()
    )
    assert Reservation.objects.actives().filter(inscription=inscription).count() == 2


def test_the_wide_calendar_shows_the_menu_unfolded(navigateur, live_server, inscription):
    context = navigateur.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    se_connecter(page, live_server, "parent@example.org", MOT_DE_PASSE)
    page.goto(f"{live_server.url}/reservations/{inscription.pk}/2026/12/")
    navigation = page.get_by_role("navigation", name="Rubriques du portail")
    assert navigation.get_by_role("link", name="Mon compte").is_visible()
    assert not navigation.get_by_text("Menu", exact=True).is_visible()
    _capture(page, "calendrier-1280.png")
    context.close()


def test_the_calendar_works_without_javascript(navigateur, live_server, inscription):
    context = navigateur.new_context(
        viewport={"width": 360, "height": 740}, locale="fr-FR", java_script_enabled=False
    )
    page = context.new_page()
    se_connecter(page, live_server, "parent@example.org", MOT_DE_PASSE)
    page.goto(f"{live_server.url}/reservations/{inscription.pk}/2026/12/")
    navigation = page.get_by_role("navigation", name="Rubriques du portail")
    navigation.get_by_text("Menu", exact=True).click()
    assert navigation.get_by_role("link", name="Mon compte").is_visible()
    page.locator("label[for='j-2026-12-04']").click()
    bouton = page.locator("#bouton-valider")
    assert bouton.inner_text() == "Valider"
    bouton.click()
    page.wait_for_selector(".alert-success")
    assert "Vendredi 4 décembre réservé pour Hugo" in page.locator(".alert-success").inner_text()
    # Nothing left to change in November: no "Valider" there.
    page.goto(f"{live_server.url}/reservations/{inscription.pk}/2026/11/")
    assert page.locator("#bouton-valider").count() == 0
    context.close()


def test_the_planning_pdf_is_linked_from_the_calendar(telephone, live_server, inscription):
    services.reserver(inscription, [D(2026, 12, 3), D(2026, 12, 4)])
    se_connecter(telephone, live_server, "parent@example.org", MOT_DE_PASSE)
    telephone.goto(f"{live_server.url}/reservations/{inscription.pk}/2026/12/")
    lien = telephone.get_by_role("link", name="Planning du mois (PDF)")
    response = telephone.request.get(live_server.url + lien.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    lecteur = PdfReader(io.BytesIO(response.body()))
    texte = " ".join(" ".join(p.extract_text() for p in lecteur.pages).split())
    assert "Planning de décembre 2026 — Hugo" in texte
    assert texte.count("Restauration scolaire") == 2
