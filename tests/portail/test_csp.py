"""Content-Security-Policy: the header is sent, and no page needs inline script or style."""

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.urls import reverse

from portail.models import Demande
from tests.conftest import creer_user
from tests.reservations.conftest import *  # noqa: F403 - frozen clock, canteen, enrolment


class _Inline(HTMLParser):
    """Everything a policy without 'unsafe-inline' would block."""

    def __init__(self):
        super().__init__()
        self.trouves: list[str] = []
        self._dans_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src") and attrs.get("type") != "application/json":
            self._dans_script = True
        if tag == "style":
            self.trouves.append("<style>")
        for nom, valeur in attrs.items():
            if nom == "style" or nom.startswith("on"):
                self.trouves.append(f"<{tag} {nom}={valeur!r}>")
            if nom in ("href", "src", "action") and (valeur or "").startswith("javascript:"):
                self.trouves.append(f"<{tag} {nom}={valeur!r}>")

    def handle_endtag(self, tag):
        self._dans_script = False

    def handle_data(self, data):
        if self._dans_script and data.strip():
            self.trouves.append(f"<script>{data.strip()[:60]}")


def inline(html: str) -> list[str]:
    parser = _Inline()
    parser.feed(html)
    return parser.trouves


def test_the_checker_finds_inline_code():
    html = '<p style="color:red" onclick="x()">a</p><script>alert(1)</script><style>p{}</style>'
    assert len(inline(html)) == 4
    assert inline('<script src="/static/js/portail.js" defer></script>') == []


def _politique(response) -> dict[str, str]:
    entete = response["Content-Security-Policy"]
    return {d.strip().split(" ", 1)[0]: d.strip().partition(" ")[2] for d in entete.split(";")}


def test_a_parent_page_sends_a_strict_policy(client_parent):
    politique = _politique(client_parent.get(reverse("ma_famille")))
    assert politique["default-src"] == "'self'"
    assert politique["script-src"] == "'self'"
    assert politique["style-src"] == "'self'"
    assert politique["img-src"] == "'self' data:"
    assert politique["object-src"] == "'none'"
    assert politique["frame-ancestors"] == "'none'"
    assert politique["base-uri"] == "'self'"
    assert politique["form-action"] == "'self'"
    assert "unsafe-inline" not in str(politique) and "unsafe-eval" not in str(politique)


def test_an_admin_page_sends_the_same_policy(client_agent):
    response = client_agent.get(reverse("admin:portail_demande_changelist"))
    assert response.status_code == 200
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    # The production headers stay.
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_parent_page_has_inline_script_or_style(client, parent, inscription, creer_activite):
    client.force_login(parent.user)
    enfant = inscription.enfant
    autre = creer_activite(nom="Accueil du soir")
    pages = [
        reverse("tableau_de_bord"),
        reverse("ma_famille"),
        reverse("enfant_ajouter"),
        reverse("enfant_modifier", args=[enfant.pk]),
        reverse("mes_coordonnees"),
        reverse("mes_inscriptions"),
        reverse("choisir_activite", args=[enfant.pk]),
        reverse("inscrire", args=[enfant.pk, autre.pk]),
        reverse("inscription_detail", args=[inscription.pk]),
        reverse("calendrier", args=[inscription.pk, 2026, 12]),
        reverse("semaine_type", args=[inscription.pk]),
        reverse("agenda"),
        reverse("mon_compte"),
        reverse("declarer_revenus"),
        reverse("mentions_legales"),
        reverse("donnees_personnelles"),
        reverse("accessibilite"),
        reverse("contact"),
        reverse("verifier"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert inline(response.content.decode()) == [], url


@pytest.mark.parametrize(
    "nom", ["accueil", "account_login", "account_signup", "account_reset_password"]
)
def test_no_sign_in_page_has_inline_script_or_style(client, db, nom):
    response = client.get(reverse(nom))
    assert response.status_code == 200
    assert inline(response.content.decode()) == []


def test_no_staff_page_has_inline_script_or_style(client, inscription, horloge):
    superuser = creer_user("chef@example.org", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    activite = inscription.activite
    demande = Demande.objects.create(
        famille=inscription.famille, type=Demande.Type.COORDONNEES, objet="Nouvelle adresse"
    )
    pages = [
        reverse("admin:portail_demande_change", args=[demande.pk]),
        reverse("admin:index"),
        reverse("admin:reservations_occupation") + f"?activite={activite.pk}&mois=2026-12",
        reverse("admin:reservations_liste_du_jour") + f"?activite={activite.pk}&date=2026-12-03",
        reverse("admin:comptes_facturer"),
        reverse("admin:portail_informationscommune_change", args=[1]),
        reverse("admin:inscriptions_inscription_change", args=[inscription.pk]),
        reverse("admin:familles_enfant_change", args=[inscription.enfant.pk]),
    ]
    client.get(reverse("admin:portail_informationscommune_changelist"))  # creates the row
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        if model_admin.has_view_permission(_Requete(superuser)):
            pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    for url in pages:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert inline(response.content.decode()) == [], url


class _Requete:
    def __init__(self, user):
        self.user = user


def test_an_error_page_made_before_any_view_carries_the_headers_too(client, db):
    # A foreign Host is refused by the middlewares themselves (French 400 page).
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
