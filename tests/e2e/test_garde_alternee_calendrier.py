"""Garde alternée in the browser: the father's calendar shows the mother's day as the
other household's (not tickable), his weeks said once and the others hatched, at 360 px
and 1280 px; booking one of his weeks works from the keyboard."""

import datetime
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings

from familles.models import Rattachement
from inscriptions.models import Inscription
from reservations import services
from reservations.models import ParametresReservation, Reservation
from tests.conftest import MOT_DE_PASSE, creer_responsable
from tests.e2e.conftest import se_connecter
from tests.inscriptions.conftest import *  # noqa: F403 - creer_activite, horloge…
from tests.reservations.conftest import inscrire

pytestmark = pytest.mark.django_db(transaction=True)

D = datetime.date
ARTEFACTS = Path(settings.BASE_DIR) / "var" / "artifacts"


@pytest.fixture
def deux_foyers(parent, creer_activite):
    cantine = creer_activite(nom="Restauration scolaire")
    ParametresReservation.objects.create(
        activite=cantine, jours_ouverture=[0, 1, 3, 4], places_par_jour=10
    )
    chez_maman = inscrire(parent.famille, cantine, "Léa")
    Rattachement.objects.filter(enfant=chez_maman.enfant).update(
        garde=Rattachement.Garde.SEMAINES, semaines=Rattachement.Semaines.PAIRES
    )
    pere = creer_responsable(email="pere@example.org", civilite="m", prenom="Marc")
    Rattachement.objects.create(
        enfant=chez_maman.enfant,
        famille=pere.famille,
        garde=Rattachement.Garde.SEMAINES,
        semaines=Rattachement.Semaines.IMPAIRES,
    )
    chez_papa = Inscription.objects.create(
        enfant=chez_maman.enfant,
        famille=pere.famille,
        activite=cantine,
        date_debut=chez_maman.date_debut,
        date_fin=chez_maman.date_fin,
        statut=Inscription.Statut.VALIDEE,
    )
    services.reserver(chez_maman, [D(2026, 12, 10), D(2026, 12, 3)])  # 3: a swapped day
    return chez_maman, chez_papa


@pytest.mark.parametrize("largeur", [360, 1280])
def test_the_fathers_calendar_shows_the_mothers_days_and_his_weeks(
    navigateur, live_server, deux_foyers, largeur
):
    _chez_maman, chez_papa = deux_foyers
    context = navigateur.new_context(viewport={"width": largeur, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        se_connecter(page, live_server, "pere@example.org", MOT_DE_PASSE)
        page.goto(f"{live_server.url}/reservations/{chez_papa.pk}/2026/12/")
        texte = page.inner_text("main")
        assert "Vos semaines de garde : semaines impaires." in texte
        assert "réservé par l'autre foyer" in texte
        assert page.locator('input[value="2026-12-03"]').count() == 0
        assert page.locator("td.hors-garde").count() > 0
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTEFACTS / f"garde-alternee-{largeur}.png"), full_page=True)
        graves = [
            f"{v['id']} : {v['help']}"
            for v in Axe().run(page).response["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
        assert graves == []
        # His Friday 4 (week 49, his) from the keyboard, then "Valider".
        case = page.locator("#j-2026-12-04")
        case.focus()
        page.keyboard.press("Space")
        page.locator("#bouton-valider").click()
        page.wait_for_load_state()
        assert "Vendredi 4 décembre réservé pour Léa" in page.inner_text("main")
        assert Reservation.objects.get(date=D(2026, 12, 4)).inscription == chez_papa
        assert Reservation.objects.get(date=D(2026, 12, 3)).inscription != chez_papa
    finally:
        context.close()


def test_the_fathers_semaine_type_offers_his_weeks(telephone, live_server, deux_foyers):
    _chez_maman, chez_papa = deux_foyers
    se_connecter(telephone, live_server, "pere@example.org", MOT_DE_PASSE)
    telephone.goto(f"{live_server.url}/reservations/{chez_papa.pk}/semaine-type/")
    mes_semaines = telephone.get_by_label("Mes semaines de garde (semaines impaires)")
    assert mes_semaines.is_checked()
    telephone.get_by_label("jeudi").check()
    telephone.get_by_label("vendredi").check()
    telephone.get_by_label("Au").fill("2026-12-18")
    telephone.get_by_role("button", name="Voir l'aperçu").click()
    texte = telephone.inner_text("main")
    # Weeks 49 and 51; Thursday 3 is the mother's (a swapped day).
    assert "1 réservée par l'autre foyer (ignorée)" in texte
    assert "ignoré : réservé par l'autre foyer" in texte
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    telephone.screenshot(path=str(ARTEFACTS / "garde-semaine-type-360.png"), full_page=True)
    telephone.get_by_role("button", name="Réserver ces jours").click()
    telephone.wait_for_load_state()
    assert sorted(
        Reservation.objects.filter(inscription=chez_papa).values_list("date", flat=True)
    ) == [D(2026, 12, 4), D(2026, 12, 17), D(2026, 12, 18)]
