"""A parent declares an absence with a certificate, on a phone, from the calendar; the
pages pass axe (no serious or critical violation) at 360 and 1280 px."""

import datetime
import os

import pytest
from axe_playwright_python.sync_playwright import Axe

from reservations import services
from reservations.models import Absence, ParametresReservation, Reservation
from tests.conftest import MOT_DE_PASSE
from tests.e2e.conftest import se_connecter
from tests.inscriptions.conftest import *  # noqa: F403 - creer_activite, horloge…
from tests.inscriptions.conftest import PARIS
from tests.reservations.conftest import inscrire

pytestmark = pytest.mark.django_db(transaction=True)

D = datetime.date
# Where the screenshots go when PORTAIL_CAPTURES is set (to look at the pages).
CAPTURES = os.environ.get("PORTAIL_CAPTURES")


def _axe(page) -> list[str]:
    resultats = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}) : {v['help']}"
        for v in resultats.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def _capture(page, nom: str) -> None:
    if CAPTURES:
        page.screenshot(path=os.path.join(CAPTURES, f"{nom}.png"), full_page=True)


@pytest.mark.parametrize("largeur", [360, 1280])
def test_declaring_an_absence_with_a_certificate(
    navigateur, live_server, parent, creer_activite, tmp_path, largeur
):
    cantine = creer_activite(nom="Restauration scolaire")
    ParametresReservation.objects.create(
        activite=cantine, jours_ouverture=[0, 1, 3, 4], places_par_jour=10
    )
    inscription = inscrire(parent.famille, cantine)
    # Booked a week earlier; the clock is Friday 27 November 2026, 10:00.
    services.reserver(
        inscription,
        [D(2026, 11, 27), D(2026, 11, 30), D(2026, 12, 1)],
        maintenant=datetime.datetime(2026, 11, 20, 9, tzinfo=PARIS),
    )
    certificat = tmp_path / "certificat.pdf"
    certificat.write_bytes(b"%PDF-1.4\n% certificat\n%%EOF\n")
    context = navigateur.new_context(viewport={"width": largeur, "height": 800}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        se_connecter(page, live_server, "parent@example.org", MOT_DE_PASSE)
        page.goto(f"{live_server.url}/reservations/{inscription.pk}/2026/11/")
        page.get_by_role("link", name="Signaler une absence").click()
        assert _axe(page) == []
        page.get_by_label("lundi 30 novembre 2026").check()
        page.get_by_label("mardi 1 décembre 2026").check()
        page.get_by_label("Maladie").check()
        _capture(page, f"absence-etape1-{largeur}")
        page.get_by_role("button", name="Voir le récapitulatif").click()
        regles = page.locator("[role=status]").inner_text()
        assert "Absence du 30 novembre : 1 jour facturé (carence)" in regles
        assert "Le 1 décembre : annulé sans frais" in regles
        assert _axe(page) == []
        page.get_by_label("Certificat médical").set_input_files(str(certificat))
        _capture(page, f"absence-etape2-{largeur}")
        page.get_by_role("button", name="Signaler l'absence").click()
        page.wait_for_selector(".alert-success")
        message = page.locator(".alert-success").inner_text()
        assert "1 jour annulé sans frais" in message
        assert "1 jour d'absence signalé ; le certificat est transmis au service" in message
        assert "absence signalée" in page.locator(".calendrier").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        _capture(page, f"absence-calendrier-{largeur}")
        absence = Absence.objects.get()
        assert absence.demande is not None and absence.certificat
        assert (
            Reservation.objects.get(inscription=inscription, date=D(2026, 11, 30)).etat
            == "absence_signalee"
        )
    finally:
        context.close()
