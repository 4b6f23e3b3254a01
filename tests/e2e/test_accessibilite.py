"""axe-core on every parent page, the sign-in pages and the staff's own admin pages:
no serious or critical violation, and nothing blocked by the Content-Security-Policy."""

import datetime
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client

from comptes.models import Facture, QuotientFamilial
from comptes.services import finances
from familles.models import TypeDocument
from inscriptions.models import Inscription, Site
from portail.models import Demande
from reservations.models import ParametresReservation
from tests.conftest import creer_enfant, creer_user
from tests.familles.documents_aide import deposer
from tests.finances.aide import jour, tarif
from tests.reservations.conftest import *  # noqa: F403 - horloge, cantine, inscription…
from tests.reservations.conftest import inscrire

pytestmark = pytest.mark.django_db(transaction=True)

GRAVES = {"serious", "critical"}


@pytest.fixture
def ecran(navigateur):
    """A 1280 px wide screen that records what the Content-Security-Policy blocks."""
    context = navigateur.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.bloques = []

    def console(message):
        if "Content Security Policy" in message.text:
            source = message.location
            page.bloques.append(f"{message.text} ({source['url']}:{source['lineNumber']})")

    page.on("console", console)
    yield page
    context.close()


def _connecter(page, live_server, user) -> None:
    """Sign in through a session cookie (staff with their second factor passed)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def _verifier(page, live_server, chemins) -> None:
    axe = Axe()
    problemes = []
    for chemin in chemins:
        response = page.goto(live_server.url + chemin)
        assert response.status == 200, chemin
        # What the policy blocked while the page loaded (axe's own work comes after).
        problemes += [f"{chemin} — CSP : {texte}" for texte in page.bloques]
        resultats = axe.run(page)
        page.bloques.clear()
        graves = [v for v in resultats.response["violations"] if v["impact"] in GRAVES]
        for v in graves:
            cibles = "; ".join(", ".join(n["target"]) for n in v["nodes"][:5])
            problemes.append(f"{chemin} — {v['id']} ({v['impact']}) : {v['help']} → {cibles}")
    assert problemes == [], "\n".join(problemes)


def test_parent_pages(ecran, live_server, parent, creer_activite):
    cantine = creer_activite(nom="Restauration scolaire")
    ParametresReservation.objects.create(
        activite=cantine, jours_ouverture=[0, 1, 3, 4], places_par_jour=10
    )
    inscription = inscrire(parent.famille, cantine, allergies="Arachide", ecole="École Jules Ferry")
    enfant = inscription.enfant
    # Prices shown (calendar, enrolment) and another school folded under « Autres sites ».
    tarif(cantine, unite="repas")
    tarif(creer_activite(nom="Cantine", site=Site.objects.create(nom="École Louise Michel")))
    autre = creer_activite(nom="Accueil du soir")
    Inscription.objects.create(
        enfant=creer_enfant(parent.famille, prenom="Hugo"),
        famille=parent.famille,
        activite=autre,
        date_debut=cantine.periode.debut,
        date_fin=cantine.periode.fin,
    )
    Demande.objects.create(
        famille=parent.famille, type=Demande.Type.COORDONNEES, objet="Nouvelle adresse"
    )
    assurance = TypeDocument.objects.create(nom="Attestation d'assurance")
    autre.documents_requis.add(assurance)  # "Mes documents" and the enrolment form warn
    deposer(parent, TypeDocument.objects.create(nom="PAI"), enfant)  # a pending one
    _connecter(ecran, live_server, parent.user)
    _verifier(
        ecran,
        live_server,
        [
            "/tableau-de-bord/",
            "/famille/",
            "/famille/enfants/ajouter/",
            f"/famille/enfants/{enfant.pk}/modifier/",
            "/coordonnees/",
            "/documents/",
            f"/documents/deposer/{assurance.pk}/enfant/{enfant.pk}/",
            "/inscriptions/",
            f"/inscriptions/enfant/{enfant.pk}/nouvelle/",
            f"/inscriptions/enfant/{enfant.pk}/nouvelle/{autre.pk}/",
            f"/inscriptions/{inscription.pk}/",
            f"/reservations/{inscription.pk}/2026/12/",
            f"/reservations/{inscription.pk}/semaine-type/",
            "/reservations/agenda/",
            "/compte/",
            "/compte/revenus/",
            "/mentions-legales/",
            "/donnees-personnelles/",
            "/accessibilite/",
            "/contact/",
        ],
    )


def test_a_form_with_errors(ecran, live_server, parent):
    _connecter(ecran, live_server, parent.user)
    ecran.goto(live_server.url + "/famille/enfants/ajouter/")
    ecran.get_by_role("button", name="Ajouter l'enfant").click()
    ecran.wait_for_selector("#resume-erreurs")
    resultats = Axe().run(ecran)
    graves = [v["id"] for v in resultats.response["violations"] if v["impact"] in GRAVES]
    assert graves == [], resultats.generate_report()


def test_sign_in_pages(ecran, live_server, db):
    _verifier(
        ecran,
        live_server,
        [
            "/",
            "/comptes/login/",
            "/comptes/signup/",
            "/comptes/password/reset/",
            "/verifier/",
            "/mentions-legales/",
            "/donnees-personnelles/",
            "/accessibilite/",
            "/contact/",
        ],
    )


def test_staff_pages(ecran, live_server, parent, creer_activite):
    cantine = creer_activite(nom="Restauration scolaire")
    ParametresReservation.objects.create(
        activite=cantine, jours_ouverture=[0, 1, 3, 4], places_par_jour=10
    )
    inscription = inscrire(parent.famille, cantine, allergies="Arachide")
    demande = Demande.objects.create(
        famille=parent.famille, type=Demande.Type.COORDONNEES, objet="Nouvelle adresse"
    )
    piece = deposer(parent, TypeDocument.objects.create(nom="PAI"), inscription.enfant)
    chef = creer_user("chef@example.org", is_staff=True, is_superuser=True)
    _connecter(ecran, live_server, chef)
    a = cantine.pk
    _verifier(
        ecran,
        live_server,
        [
            "/gestion/",
            "/gestion/reservations/reservation/liste-du-jour/",
            f"/gestion/reservations/reservation/liste-du-jour/?activite={a}&date=2026-12-03",
            "/gestion/reservations/reservation/occupation/",
            f"/gestion/reservations/reservation/occupation/?activite={a}&mois=2026-12",
            "/gestion/comptes/facture/facturer/",
            "/gestion/comptes/facture/",
            "/gestion/portail/demande/",
            f"/gestion/portail/demande/{demande.pk}/change/",
            f"/gestion/inscriptions/inscription/{inscription.pk}/change/",
            "/gestion/portail/informationscommune/1/change/",
            f"/gestion/portail/demande/{piece.demande_id}/change/",
            "/gestion/familles/typedocument/add/",
            "/gestion/familles/document/",
            "/gestion/inscriptions/periode/add/",
        ],
    )
    # The admin's own scripts run under the policy: the date widget adds its shortcuts.
    assert ecran.get_by_role("link", name="Aujourd'hui").first.is_visible()


def test_paying_online_under_the_policy(ecran, live_server, parent, cantine, inscription):
    """The form posts to the portal, which redirects to the bank (here the demo's test
    bank); browsers check that redirect against form-action."""
    tarif(cantine)
    QuotientFamilial.objects.create(
        famille=parent.famille,
        valeur=Decimal("650"),
        source="caf",
        depuis=datetime.date(2026, 9, 1),
    )
    jour(inscription, datetime.date(2026, 10, 1))
    finances.facturer_mois(datetime.date(2026, 10, 1))
    numero = Facture.objects.get().numero
    _connecter(ecran, live_server, parent.user)
    ecran.goto(live_server.url + "/compte/")
    ecran.get_by_role("button", name=f"Payer 2,10\u00a0€ en ligne ({numero})").click()
    ecran.get_by_role("link", name="Payer (carte de test)").click()
    assert "Paiement de 2,10\u00a0€ reçu" in ecran.locator(".alert-success").inner_text()
    assert ecran.bloques == []


def test_the_legal_pages_fit_a_360px_phone(telephone, live_server, db):
    for chemin in ("/mentions-legales/", "/donnees-personnelles/", "/accessibilite/", "/contact/"):
        telephone.goto(live_server.url + chemin)
        assert telephone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        pied = telephone.get_by_role("navigation", name="Informations sur le site")
        assert pied.get_by_role("link", name="Accessibilité : non conforme").is_visible()
