"""A parent on a 360 px phone, by keyboard: no horizontal scrolling, visible focus."""

import pytest

from tests.conftest import MOT_DE_PASSE, creer_enfant
from tests.e2e.conftest import se_connecter

pytestmark = pytest.mark.django_db(transaction=True)


def _deborde(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_parent_pages_fit_a_360px_phone(telephone, live_server, parent):
    creer_enfant(parent.famille, prenom="Léa", allergies="Arachide")
    se_connecter(telephone, live_server, "parent@example.org", MOT_DE_PASSE)
    for chemin in ("/tableau-de-bord/", "/famille/", "/famille/enfants/ajouter/", "/coordonnees/"):
        telephone.goto(live_server.url + chemin)
        assert not _deborde(telephone), chemin
        # The sections are folded behind "Menu" on a phone.
        navigation = telephone.get_by_role("navigation", name="Rubriques du portail")
        lien = navigation.get_by_role("link", name="Mon compte")
        assert not lien.is_visible(), chemin
        navigation.get_by_text("Menu", exact=True).click()
        assert lien.is_visible(), chemin


def test_the_skip_link_is_the_first_stop_and_is_visible(telephone, live_server, parent):
    se_connecter(telephone, live_server, "parent@example.org", MOT_DE_PASSE)
    telephone.goto(live_server.url + "/famille/")
    telephone.keyboard.press("Tab")
    actif = telephone.evaluate("document.activeElement.textContent.trim()")
    assert actif == "Aller au contenu"
    boite = telephone.locator(".lien-evitement").bounding_box()
    assert boite["x"] >= 0 and boite["y"] >= 0
    outline = telephone.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    telephone.keyboard.press("Enter")
    assert telephone.evaluate("document.activeElement.id") == "contenu"


def test_a_form_with_errors_moves_focus_to_the_summary(telephone, live_server, parent):
    se_connecter(telephone, live_server, "parent@example.org", MOT_DE_PASSE)
    telephone.goto(live_server.url + "/famille/enfants/ajouter/")
    telephone.get_by_label("Prénom").first.fill("Jules")
    telephone.get_by_role("button", name="Ajouter l'enfant").click()
    telephone.wait_for_selector("#resume-erreurs")
    assert telephone.evaluate("document.activeElement.id") == "resume-erreurs"
    assert "Nom" in telephone.locator("#resume-erreurs").inner_text()
    assert not _deborde(telephone)
