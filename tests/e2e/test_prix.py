"""Issue 12, part 2: a parent sees the household's price above the calendar, books, and the
confirmation gives the cost added to the month's invoice (360 px and 1280 px)."""

import datetime
from decimal import Decimal

import pytest

from comptes.models import QuotientFamilial
from reservations.models import ParametresReservation, Reservation
from tests.conftest import MOT_DE_PASSE
from tests.e2e.conftest import se_connecter
from tests.finances.aide import tarif
from tests.inscriptions.conftest import *  # noqa: F403 - creer_activite, horloge…
from tests.reservations.conftest import inscrire

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("largeur", [360, 1280])
def test_a_booking_shows_its_price_then_its_cost(
    navigateur, live_server, parent, creer_activite, largeur
):
    cantine = creer_activite(nom="Restauration scolaire")
    ParametresReservation.objects.create(
        activite=cantine, jours_ouverture=[0, 1, 3, 4], places_par_jour=10
    )
    tarif(cantine, unite="repas")
    QuotientFamilial.objects.create(
        famille=parent.famille,
        valeur=Decimal("650"),
        source="caf",
        depuis=datetime.date(2026, 9, 1),
    )
    inscription = inscrire(parent.famille, cantine)
    contexte = navigateur.new_context(viewport={"width": largeur, "height": 800}, locale="fr-FR")
    page = contexte.new_page()
    page.set_default_timeout(10_000)
    try:
        se_connecter(page, live_server, "parent@example.org", MOT_DE_PASSE)
        page.goto(f"{live_server.url}/reservations/{inscription.pk}/2026/12/")
        assert page.locator("#prix-du-jour").inner_text() == "2,10\u00a0€ le repas pour votre foyer"
        for jour in ("2026-12-10", "2026-12-11"):
            page.locator(f"label[for='j-{jour}']").click()
        page.get_by_role("button", name="Valider").click()
        page.wait_for_selector(".alert-success")
        assert (
            "2 jours × 2,10\u00a0€ = 4,20\u00a0€ ajoutés à votre facture de décembre"
            in page.locator(".alert-success").inner_text()
        )
        assert Reservation.objects.filter(inscription=inscription).count() == 2
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        contexte.close()
