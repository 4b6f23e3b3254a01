"""Error pages are French, in the site's layout, say what to do, and nothing is written."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.test import Client, override_settings
from django.urls import reverse

from familles.models import Responsable
from portail.models import Demande
from reservations.models import Reservation
from tests.conftest import MOT_DE_PASSE, creer_user
from tests.reservations.conftest import *  # noqa: F403 - frozen clock, cantine, inscription


def _dans_la_mise_en_page(html: str) -> None:
    assert '<html lang="fr">' in html
    assert '<main id="contenu"' in html
    assert "Revenir à l'accueil" in html


def test_five_thousand_days_in_one_booking_get_a_french_page_and_book_nothing(
    client_parent, inscription
):
    debut = datetime.date(2026, 12, 1)
    jours = [(debut + datetime.timedelta(days=i)).isoformat() for i in range(5000)]
    url = reverse("calendrier", args=[inscription.pk, 2026, 12])
    response = client_parent.post(url, {"affiches": jours[:31], "jours": jours})
    assert response.status_code == 400
    html = response.content.decode()
    _dans_la_mise_en_page(html)
    assert "trop de données" in html
    assert "Rien n'a été enregistré" in html
    assert "réduisez la période choisie ou envoyez-les en plusieurs fois" in html
    assert not Reservation.objects.exists()


def test_a_3_mb_text_in_mes_coordonnees_gets_a_french_page_and_writes_nothing(
    client_parent, parent
):
    valeurs = {c: getattr(parent, c) for c in parent.CHAMPS_COORDONNEES}
    response = client_parent.post(
        reverse("mes_coordonnees"), {**valeurs, "profession": "x" * (3 * 1024 * 1024)}
    )
    assert response.status_code == 400
    html = response.content.decode()
    _dans_la_mise_en_page(html)
    assert "pour un texte, raccourcissez-le" in html
    assert not Demande.objects.exists()
    assert Responsable.objects.get(pk=parent.pk).profession == parent.profession


def test_a_stale_form_gets_a_french_csrf_page_and_writes_nothing(parent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(parent.user)
    valeurs = {c: getattr(parent, c) for c in parent.CHAMPS_COORDONNEES}
    response = client.post(reverse("mes_coordonnees"), {**valeurs, "ville": "Rezé"})
    assert response.status_code == 403
    html = response.content.decode()
    _dans_la_mise_en_page(html)
    assert "Formulaire expiré" in html
    assert "rechargez-la, puis envoyez à nouveau le formulaire" in html
    assert not Demande.objects.exists()


def test_a_refused_admin_page_is_french(client, db):
    lecteur = creer_user("lecteur@example.org", is_staff=True)
    lecteur.user_permissions.add(Permission.objects.get(codename="view_demande"))
    client.force_login(lecteur)
    response = client.get(reverse("admin:comptes_user_changelist"))
    assert response.status_code == 403
    html = response.content.decode()
    _dans_la_mise_en_page(html)
    assert "Accès refusé" in html
    assert "demandez ce droit à l'administrateur" in html


@pytest.fixture
def limites_basses(settings):
    from django.core.cache import cache

    cache.clear()
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}
    yield
    cache.clear()


def test_too_many_sign_ins_get_a_french_429_page(client, parent, limites_basses):
    url = reverse("account_login")
    ip = {"REMOTE_ADDR": "198.51.100.20"}
    for _ in range(2):
        client.post(url, {"login": "parent@example.org", "password": "faux"}, **ip)
    response = client.post(url, {"login": "parent@example.org", "password": MOT_DE_PASSE}, **ip)
    assert response.status_code == 429
    html = response.content.decode()
    _dans_la_mise_en_page(html)
    assert "Trop de tentatives" in html
    assert "Patientez quelques minutes" in html
    assert reverse("account_reset_password") in html
    assert "_auth_user_id" not in client.session


@override_settings(DEBUG=False)
def test_an_unreadable_request_gets_the_generic_french_400_page(client, db):
    response = client.get("/", HTTP_HOST="ailleurs.example")  # not in ALLOWED_HOSTS
    assert response.status_code == 400
    html = response.content.decode()
    assert "Votre demande n'a pas pu être lue" in html
    assert "Rien n'a été enregistré" in html
