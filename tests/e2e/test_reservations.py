"""A parent books by clicking days in the month calendar, then by keyboard."""

import datetime

import pytest

from reservations.models import Reservation
from tests.conftest import MOT_DE_PASSE
from tests.e2e.conftest import se_connecter
from tests.inscriptions.conftest import *  # noqa: F403 - creer_activite, horloge…
from tests.reservations.conftest import inscrire

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def calendrier_ouvert(parent, creer_activite):
    from reservations.models import ParametresReservation

    cantine = creer_activite(nom="Restauration scolaire")
    ParametresReservation.objects.create(
        activite=cantine, jours_ouverture=[0, 1, 3, 4], places_par_jour=10
    )
    return inscrire(parent.famille, cantine)


def test_clicking_days_then_valider_books_them(telephone, live_server, parent, calendrier_ouvert):
    # The clock is frozen on Friday 27 November 2026 (tests.inscriptions.conftest).
    inscription = calendrier_ouvert
    cible = datetime.date(2026, 12, 10)
    se_connecter(telephone, live_server, "parent@example.org", MOT_DE_PASSE)
    telephone.goto(f"{live_server.url}/reservations/{inscription.pk}/{cible.year}/{cible.month}/")
    case = telephone.locator(f"#j-{cible.isoformat()}")
    telephone.locator(f"label[for='j-{cible.isoformat()}']").click()
    assert case.is_checked()
    assert "1 jour à réserver" in telephone.locator("#resume-selection").inner_text()
    telephone.get_by_role("button", name="Valider").click()
    telephone.wait_for_selector(".alert-success")
    assert "Jeudi 10 décembre réservé pour Léa" in telephone.locator(".alert-success").inner_text()
    assert Reservation.objects.filter(inscription=inscription, date=cible, etat="reservee").exists()
    assert telephone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # Keyboard only: focus the same day's box and untick it with the space bar.
    telephone.locator(f"#j-{cible.isoformat()}").focus()
    telephone.keyboard.press("Space")
    telephone.keyboard.press("Enter")  # submits the form
    telephone.wait_for_selector(".alert-success")
    assert "Jeudi 10 décembre annulé pour Léa" in telephone.locator(".alert-success").inner_text()
    assert not Reservation.objects.actives().filter(inscription=inscription).exists()
