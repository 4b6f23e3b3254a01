"""Staff ask for a week of day-list PDFs in a browser, by keyboard, at 360 and 1280 px;
the worker builds them and the batch's page offers the files."""

import datetime

import pytest

from reservations import services
from reservations.models import LotListesDuJour
from tests.conftest import creer_agent
from tests.e2e.test_gestion import _connecter, _sans_violation_grave
from tests.reservations.conftest import *  # noqa: F403 - horloge, cantine…
from tests.reservations.conftest import inscrire

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("largeur", [360, 1280])
def test_a_week_of_day_lists_from_the_admin(
    navigateur, live_server, parent, site, cantine, executer_taches, largeur, tmp_path
):
    services.reserver(
        inscrire(parent.famille, cantine, "Léa", allergies="Arachide"),
        [datetime.date(2026, 12, 3), datetime.date(2026, 12, 4)],
    )
    context = navigateur.new_context(viewport={"width": largeur, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    _connecter(context, live_server, creer_agent("accueil@example.org"))
    page.goto(live_server.url + "/gestion/reservations/reservation/journee/")
    page.get_by_role("link", name="Préparer les PDF en arrière-plan").click()
    _sans_violation_grave(page)
    # By keyboard: tick the site, type the week, keep "un PDF par site et par jour".
    page.get_by_label(site.nom).focus()
    page.keyboard.press("Space")
    page.get_by_label("Du").fill("2026-11-30")
    page.get_by_label("Au").fill("2026-12-06")
    page.screenshot(path=tmp_path / "demander.png", full_page=True)
    page.get_by_role("button", name="Préparer les listes").press("Enter")
    page.wait_for_selector(".messagelist .success")
    assert "en attente du worker" in page.locator("#content").inner_text()

    executer_taches()
    assert LotListesDuJour.objects.get().etat == LotListesDuJour.Etat.TERMINE
    page.reload()
    page.screenshot(path=tmp_path / "fini.png", full_page=True)
    liens = page.locator("#content a[href*='/pdf/']")
    assert liens.count() == 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    _sans_violation_grave(page)
    with page.expect_download() as telechargement:
        liens.first.click()
    assert telechargement.value.suggested_filename == f"journee-{site.pk}-2026-12-03.pdf"
    context.close()
