"""Issue 10, the father's journey in garde alternée: Chloé lives with her mother on odd ISO
weeks and with him on even ones. He signs in, finds her in Ma famille, opens his own
canteen enrolment, books two days of his week by clicking and reads the price; then he
declares her ill on a booked day past the cancellation deadline, with a certificate, after
reading the rules in plain French (360 px and 1280 px)."""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from comptes.models import QuotientFamilial
from familles.models import Famille, Rattachement
from inscriptions.models import Inscription
from portail.models import Demande
from reservations import services
from reservations.models import Absence, ParametresReservation, Reservation
from tests.conftest import MOT_DE_PASSE, creer_enfant, creer_responsable
from tests.e2e.conftest import se_connecter
from tests.finances.aide import tarif
from tests.inscriptions.conftest import *  # noqa: F403 - creer_activite, horloge…
from tests.inscriptions.conftest import PARIS

pytestmark = pytest.mark.django_db(transaction=True)

D = datetime.date
# Saved as artifacts, like the dashboard's and the calendar's (to look at the pages).
ARTEFACTS = Path(settings.BASE_DIR) / "var" / "artifacts"


def _capture(page, nom: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{nom}.png"), full_page=True)


def _rubrique(page, nom: str) -> None:
    """Open a section from the menu (folded behind "Menu" on a phone)."""
    navigation = page.get_by_role("navigation", name="Rubriques du portail")
    lien = navigation.get_by_role("link", name=nom)
    if not lien.is_visible():
        navigation.get_by_text("Menu", exact=True).click()
    lien.click()


def _inscrire(famille, enfant, activite, quotient: str) -> Inscription:
    QuotientFamilial.objects.create(
        famille=famille, valeur=Decimal(quotient), source="caf", depuis=D(2026, 9, 1)
    )
    return Inscription.objects.create(
        enfant=enfant,
        famille=famille,
        activite=activite,
        date_debut=D(2026, 9, 1),
        date_fin=D(2027, 7, 3),
        statut=Inscription.Statut.VALIDEE,
    )


@pytest.fixture
def garde_alternee(creer_activite):
    """Chloé's two households, each enrolled in the canteen in its own name; the clock is
    Friday 27 November 2026, 10:00 (ISO week 48, the father's)."""
    mere = creer_responsable(
        Famille.objects.create(nom="Famille Moreau"),
        email="mere@example.org",
        prenom="Sophie",
        nom="Moreau",
        telephone_mobile="06 21 43 65 87",
    )
    pere = creer_responsable(
        Famille.objects.create(nom="Famille Lambert"),
        email="pere@example.org",
        civilite="m",
        prenom="Julien",
        nom="Lambert",
    )
    chloe = creer_enfant(
        mere.famille, prenom="Chloé", nom="Lambert", ecole="École Jules Ferry", classe="ce1"
    )
    Rattachement.objects.filter(enfant=chloe).update(garde="semaines", semaines="impaires")
    Rattachement.objects.create(
        enfant=chloe, famille=pere.famille, garde="semaines", semaines="paires"
    )
    cantine = creer_activite(nom="Restauration scolaire")
    ParametresReservation.objects.create(
        activite=cantine, jours_ouverture=[0, 1, 3, 4], places_par_jour=10
    )
    tarif(cantine, unite="repas")
    chez_la_mere = _inscrire(mere.famille, chloe, cantine, "1150")
    chez_le_pere = _inscrire(pere.famille, chloe, cantine, "650")
    # Each household booked its own week a week ago: the mother week 49, the father today.
    il_y_a_une_semaine = datetime.datetime(2026, 11, 20, 9, tzinfo=PARIS)
    services.reserver(
        chez_la_mere,
        [D(2026, 11, 30), D(2026, 12, 1), D(2026, 12, 3), D(2026, 12, 4)],
        maintenant=il_y_a_une_semaine,
    )
    services.reserver(chez_le_pere, [D(2026, 11, 27)], maintenant=il_y_a_une_semaine)
    return chez_le_pere


@pytest.mark.parametrize("largeur", [360, 1280])
def test_the_father_books_his_week_then_declares_chloe_ill(
    navigateur, live_server, garde_alternee, tmp_path, largeur
):
    inscription = garde_alternee
    certificat = tmp_path / "certificat.pdf"
    certificat.write_bytes(b"%PDF-1.4\n% certificat medical\n%%EOF\n")
    context = navigateur.new_context(viewport={"width": largeur, "height": 800}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        se_connecter(page, live_server, "pere@example.org", MOT_DE_PASSE)
        _rubrique(page, "Ma famille")
        assert page.get_by_role("heading", name="Chloé Lambert").is_visible()
        famille = page.locator("main").inner_text()
        # The other household's contact details stay with it.
        assert "Sophie" not in famille and "mere@example.org" not in famille
        assert "06 21 43 65 87" not in famille
        _capture(page, f"garde-ma-famille-{largeur}")

        # His own enrolment only, and its calendar.
        _rubrique(page, "Mes inscriptions et réservations")
        reserver = page.get_by_role("link", name="Réserver — Restauration scolaire, Chloé")
        assert reserver.count() == 1
        reserver.click()
        # The calendar opens on the first month with a day still to book.
        page.wait_for_url(re.compile(rf"/reservations/{inscription.pk}/2026/1[12]/$"))
        if page.url.endswith("/2026/11/"):
            page.get_by_role("link", name="Mois suivant →").click()
        page.wait_for_url(f"{live_server.url}/reservations/{inscription.pk}/2026/12/")
        assert page.locator("#prix-du-jour").inner_text() == "2,10\u00a0€ le repas pour votre foyer"
        # Thursday 10 and Friday 11 December: ISO week 50, his.
        for jour in ("2026-12-10", "2026-12-11"):
            page.locator(f"label[for='j-{jour}']").click()
        assert "2 jours à réserver" in page.locator("#resume-selection").inner_text()
        page.get_by_role("button", name="Valider").click()
        page.wait_for_selector(".alert-success")
        assert (
            "2 jours × 2,10\u00a0€ = 4,20\u00a0€ ajoutés à votre facture de décembre"
            in page.locator(".alert-success").inner_text()
        )
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        _capture(page, f"garde-reservation-{largeur}")
        assert set(
            Reservation.objects.actives()
            .filter(inscription=inscription, date__month=12)
            .values_list("date", flat=True)
        ) == {D(2026, 12, 10), D(2026, 12, 11)}

        # Today is booked and past the cancellation deadline: an absence, with a certificate.
        page.get_by_role("link", name="Signaler une absence").click()
        page.get_by_label("vendredi 27 novembre 2026").check()
        page.get_by_label("Maladie").check()
        page.get_by_role("button", name="Voir le récapitulatif").click()
        regles = page.locator("[role=status]").inner_text()
        assert "Absence du 27 novembre : 1 jour facturé (carence)" in regles
        assert "annulé" not in regles
        page.get_by_label("Certificat médical").set_input_files(str(certificat))
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        _capture(page, f"garde-absence-regles-{largeur}")
        page.get_by_role("button", name="Signaler l'absence").click()
        page.wait_for_selector(".alert-success")
        assert (
            "1 jour d'absence signalé ; le certificat est transmis au service"
            in page.locator(".alert-success").inner_text()
        )
        assert "absence signalée" in page.locator(".calendrier").inner_text()
        _capture(page, f"garde-absence-signalee-{largeur}")
        absence = Absence.objects.get()
        assert absence.inscription == inscription and absence.certificat
        assert absence.demande.famille == inscription.famille
        assert absence.demande.type == Demande.Type.CERTIFICAT_ABSENCE
        assert (
            Reservation.objects.get(inscription=inscription, date=D(2026, 11, 27)).etat
            == Reservation.Etat.ABSENCE_SIGNALEE
        )
    finally:
        context.close()
