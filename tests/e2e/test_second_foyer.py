"""Garde alternée, part 1: the mother invites the other parent on a phone, with the
keyboard; the father opens the e-mailed link and creates his account there; the pages
pass axe and fit 360 px."""

import os
import re
from urllib.parse import urlparse

import pytest

from comptes.models import Courriel
from familles.models import InvitationSecondFoyer
from portail.models import Demande
from tests.conftest import creer_enfant
from tests.e2e.test_accessibilite import _connecter, _verifier
from tests.e2e.test_accessibilite import ecran as ecran  # the fixture

pytestmark = pytest.mark.django_db(transaction=True)

CAPTURES = os.environ.get("PORTAIL_CAPTURES")


def _capturer(page, nom):
    if CAPTURES:
        os.makedirs(CAPTURES, exist_ok=True)
        page.screenshot(path=f"{CAPTURES}/{nom}.png", full_page=True)


def _largeur_tient(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_inviting_the_other_parent_and_his_sign_up(ecran, telephone, live_server, parent, agent):
    enfant = creer_enfant(parent.famille, prenom="Léa", nom="Martin")
    _connecter(telephone, live_server, parent.user)
    telephone.goto(f"{live_server.url}/famille/")
    telephone.get_by_role("link", name="Inviter l'autre parent de Léa").click()
    assert _largeur_tient(telephone)
    # Keyboard only: type the address, choose alternate weeks and "paires".
    telephone.get_by_label("Adresse e-mail de l'autre parent").fill("pere@example.org")
    telephone.get_by_label("Une semaine sur deux (semaines paires ou impaires)").check()
    telephone.get_by_label("Semaines paires", exact=True).focus()
    telephone.keyboard.press("Space")
    _capturer(telephone, "inviter-360")
    telephone.get_by_role("button", name="Envoyer l'invitation").press("Enter")
    telephone.wait_for_url(f"{live_server.url}/famille/")
    assert "Invitation envoyée à p***@e…" in telephone.content()
    assert _largeur_tient(telephone)
    _capturer(telephone, "ma-famille-invitation-360")
    invitation = InvitationSecondFoyer.objects.get()
    assert (invitation.garde, invitation.semaines) == ("semaines", "paires")

    corps = Courriel.objects.get(destinataire="pere@example.org").corps
    chemin = urlparse(re.search(r"https?://\S+/famille/invitation/\S+/", corps).group(0)).path
    telephone.context.clear_cookies()
    telephone.goto(live_server.url + chemin)
    _capturer(telephone, "invitation-page-360")
    assert _largeur_tient(telephone)
    telephone.locator("#id_password1").fill("Un-mot-de-passe-solide-7")
    telephone.locator("#id_password2").fill("Un-mot-de-passe-solide-7")
    telephone.locator("#id_civilite").select_option("m")
    telephone.locator("#id_prenom").fill("Hugo")
    telephone.locator("#id_nom").fill("Bernard")
    telephone.locator("#id_adresse").fill("5 rue Basse")
    telephone.locator("#id_code_postal").fill("18240")
    telephone.locator("#id_ville").fill("Belleville")
    telephone.locator("#id_telephone_mobile").fill("06 11 22 33 44")
    _capturer(telephone, "invitation-inscription-360")
    telephone.get_by_role("button", name="Créer mon compte et demander le rattachement").click()
    telephone.wait_for_url(f"{live_server.url}/tableau-de-bord/")
    assert "transmise au service enfance" in telephone.content()
    _capturer(telephone, "tableau-de-bord-pere-360")
    demande = Demande.objects.get(type=Demande.Type.RATTACHEMENT)
    assert demande.famille.responsables.get().user.email == "pere@example.org"

    # The pages pass axe on a desktop screen (the mother's; the link's refusal page).
    _connecter(ecran, live_server, parent.user)
    _verifier(
        ecran, live_server, ["/famille/", f"/famille/enfants/{enfant.pk}/inviter-autre-parent/"]
    )
    _capturer(ecran, "inviter-1280")

    # Staff: the request's page shows the child, both households and the share; accepted.
    ecran.context.clear_cookies()
    _connecter(ecran, live_server, agent)
    ecran.goto(f"{live_server.url}/gestion/portail/demande/{demande.pk}/change/")
    assert "Foyer qui invite" in ecran.content()
    _capturer(ecran, "demande-rattachement-1280")
    ecran.get_by_role("button", name="Accepter").click()
    ecran.wait_for_load_state()
    assert enfant.rattachements.count() == 2
    ecran.goto(f"{live_server.url}/gestion/familles/enfant/{enfant.pk}/second-foyer/")
    _capturer(ecran, "admin-second-foyer-1280")
