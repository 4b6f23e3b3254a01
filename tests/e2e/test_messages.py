"""Mes messages and Actualités in a browser: written without JavaScript, accessible
(axe-core), readable on a 360 px phone."""

import pytest

from portail import messagerie
from portail.models import Actualite, Diffusion
from tests.conftest import creer_user
from tests.e2e.test_accessibilite import _connecter, _verifier, ecran  # noqa: F401 - fixture
from tests.reservations.conftest import *  # noqa: F403 - horloge, cantine…
from tests.reservations.conftest import inscrire

pytestmark = pytest.mark.django_db(transaction=True)
CAPTURES = "var/captures"


@pytest.fixture
def fil(parent, cantine):
    inscrire(parent.famille, cantine, "Léa")
    Actualite.objects.create(titre="Piscine fermée lundi", texte="Travaux de vidange.")
    fil = messagerie.ecrire(parent, "Repas de Léa jeudi", "reservations", "Léa mange-t-elle ?")
    agent = creer_user("chef@example.org", is_staff=True, is_superuser=True)
    messagerie.repondre_service(fil, agent, "Oui, la réservation est bien enregistrée.")
    return fil


def test_message_pages_pass_axe(ecran, live_server, parent, fil):  # noqa: F811
    _connecter(ecran, live_server, parent.user)
    _verifier(
        ecran,
        live_server,
        ["/tableau-de-bord/", "/messages/", "/messages/ecrire/", f"/messages/{fil.pk}/", "/"],
    )


def test_staff_message_pages_pass_axe(ecran, live_server, fil, cantine):  # noqa: F811
    from comptes.models import User

    messagerie.diffuser(
        Diffusion(objet="Sortie annulée", texte="Pas de sortie.", activite=cantine),
        User.objects.get(email="chef@example.org"),
    )
    _connecter(ecran, live_server, User.objects.get(email="chef@example.org"))
    _verifier(
        ecran,
        live_server,
        [
            "/gestion/portail/discussion/?etat=tous",
            f"/gestion/portail/discussion/{fil.pk}/change/",
            "/gestion/portail/diffusion/",
            "/gestion/portail/diffusion/add/",
            "/gestion/portail/actualite/add/",
        ],
    )
    ecran.goto(f"{live_server.url}/gestion/portail/discussion/{fil.pk}/change/")
    assert ecran.get_by_role("heading", name="Répondre à la famille").is_visible()
    ecran.screenshot(path=f"{CAPTURES}/admin-discussion-1280.png", full_page=True)


def test_a_parent_writes_and_reads_on_a_phone(telephone, live_server, parent, fil):
    _connecter(telephone, live_server, parent.user)
    telephone.goto(live_server.url + "/tableau-de-bord/")
    assert "Piscine fermée lundi" in telephone.content()
    telephone.screenshot(path=f"{CAPTURES}/tableau-de-bord-360.png", full_page=True)
    telephone.get_by_role("link", name="1 message non lu").click()
    telephone.get_by_role("link", name="Repas de Léa jeudi").click()
    assert "Oui, la réservation est bien enregistrée." in telephone.content()
    telephone.screenshot(path=f"{CAPTURES}/discussion-360.png", full_page=True)
    telephone.get_by_label("Votre réponse").fill("Merci beaucoup.")
    telephone.get_by_role("button", name="Envoyer ma réponse").click()
    # (the page after the redirect, fully laid out: measured mid-navigation it was wider)
    telephone.wait_for_selector(".alert-success")
    telephone.wait_for_load_state("load")
    assert "Votre réponse est envoyée au service." in telephone.content()
    assert telephone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    telephone.goto(live_server.url + "/messages/ecrire/")
    telephone.get_by_label("Objet").fill("Absence de Léa")
    telephone.get_by_label("Sujet").select_option("reservations")
    telephone.get_by_label("Votre message").fill("Léa sera absente lundi.")
    telephone.get_by_role("button", name="Envoyer le message").click()
    assert "Votre message est envoyé au service" in telephone.content()
    telephone.screenshot(path=f"{CAPTURES}/ecrire-360.png", full_page=True)
    assert fil.famille.discussions.count() == 2
