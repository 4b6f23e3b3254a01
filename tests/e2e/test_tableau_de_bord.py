"""Mon tableau de bord in the browser at 360 and 1280 px: what to do first, the booked
days, the history folded on a phone only; no serious accessibility violation."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings

from comptes.models import Facture
from portail.models import Demande
from tests.conftest import MOT_DE_PASSE
from tests.e2e.conftest import se_connecter
from tests.familles.documents_aide import creer_type
from tests.finances.aide import jour as reserver
from tests.reservations.conftest import *  # noqa: F403 - Friday 27 November 2026, cantine…
from tests.reservations.conftest import inscrire

pytestmark = pytest.mark.django_db(transaction=True)

D = datetime.date
ARTEFACTS = Path(settings.BASE_DIR) / "var" / "artifacts"


@pytest.fixture
def famille(parent, cantine):
    inscription = inscrire(parent.famille, cantine, prenom="Léa")
    reserver(inscription, D(2026, 12, 1), etat="reservee")
    cantine.documents_requis.add(creer_type("Assurance scolaire"))
    Facture.objects.create(
        famille=parent.famille,
        numero="F2026-000042",
        mois=D(2026, 10, 1),
        echeance=D(2026, 12, 10),
        montant=Decimal("18.90"),
        destinataire={},
    )
    Demande.objects.create(
        famille=parent.famille, type=Demande.Type.COORDONNEES, objet="Nouvelle adresse"
    )
    return parent.famille


def _graves(page) -> list[str]:
    return [
        f"{v['id']} : {v['help']}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


@pytest.mark.parametrize("largeur", [360, 1280])
def test_the_dashboard_says_what_to_do_first(navigateur, live_server, famille, largeur):
    context = navigateur.new_context(viewport={"width": largeur, "height": 800}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        se_connecter(page, live_server, "parent@example.org", MOT_DE_PASSE)
        texte = page.inner_text("main")
        assert "Facture F2026-000042 : 18,90\u00a0€ à payer avant le 10 décembre 2026." in texte
        assert "Document à fournir : Assurance scolaire de Léa" in texte
        assert "Fiche sanitaire de Léa à confirmer pour la saison 2026-2027." in texte
        assert "Mardi 1er décembre : Restauration scolaire" in texte
        payer = page.get_by_role("link", name="Payer la facture F2026-000042")
        assert payer.bounding_box()["height"] >= 24
        historique = page.get_by_text("Nouvelle adresse")
        resume = page.locator("summary", has_text="Afficher l'historique")
        if largeur == 360:
            assert not historique.is_visible() and resume.is_visible()
            resume.click()
        assert historique.is_visible()
        assert _graves(page) == []
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTEFACTS / f"tableau-de-bord-{largeur}.png"), full_page=True)
        payer.click()
        page.wait_for_url(f"{live_server.url}/compte/#titre-factures")
    finally:
        context.close()
