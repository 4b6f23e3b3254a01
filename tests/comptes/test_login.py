import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.conftest import MOT_DE_PASSE
from tests.html import champs_sans_label

URL = reverse("account_login")
PROXY = "10.0.0.1"


@pytest.fixture(autouse=True)
def compteurs_a_zero():
    """Rate limits live in the cache: each test starts and ends with fresh counters."""
    cache.clear()
    yield
    cache.clear()


def _connexion(client, email, mot_de_passe, ip="127.0.0.1", transmis_pour=None):
    entetes = {"REMOTE_ADDR": ip}
    if transmis_pour:
        entetes["HTTP_X_FORWARDED_FOR"] = transmis_pour
    return client.post(URL, {"login": email, "password": mot_de_passe}, **entetes)


def test_the_form_is_in_french_and_labelled(client, db):
    html = client.get(URL).content.decode()
    assert "Mot de passe" in html
    assert champs_sans_label(html) == []
    assert 'href="#contenu"' in html  # skip link
    assert '<main id="contenu"' in html


def test_a_parent_signs_in_with_email_and_lands_on_the_dashboard(client, parent):
    response = client.post(URL, {"login": "Parent@Example.org", "password": MOT_DE_PASSE})
    assert response.status_code == 302
    assert response["Location"] == reverse("tableau_de_bord")
    assert client.get(reverse("tableau_de_bord")).status_code == 200


def test_a_wrong_password_gets_a_french_message(client, parent):
    response = client.post(URL, {"login": "parent@example.org", "password": "faux"})
    assert response.status_code == 200
    assert "L’adresse e-mail ou le mot de passe sont incorrects" in response.content.decode()


def test_repeated_failures_are_rate_limited(client, parent):
    for _ in range(5):
        client.post(URL, {"login": "parent@example.org", "password": "faux"})
    response = client.post(URL, {"login": "parent@example.org", "password": MOT_DE_PASSE})
    assert response.status_code == 200
    assert "Trop de tentatives" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post(client_parent):
    response = client_parent.post(reverse("account_logout"))
    assert response.status_code == 302
    assert client_parent.get(reverse("tableau_de_bord")).status_code == 302


def test_failures_with_random_emails_do_not_lock_out_the_parents_sharing_the_address(
    client, parent
):
    # A town hall's or a company's network: one public address for everyone.
    for n in range(30):
        _connexion(client, f"inconnu{n}@example.org", "faux", ip="203.0.113.7")
    response = _connexion(client, "parent@example.org", MOT_DE_PASSE, ip="203.0.113.7")
    assert response.status_code == 302
    assert response["Location"] == reverse("tableau_de_bord")


def test_an_account_stays_locked_after_five_failures_whatever_the_address(client, parent):
    for n in range(5):
        _connexion(client, "parent@example.org", "faux", ip=f"198.51.100.{n + 1}")
    response = _connexion(client, "parent@example.org", MOT_DE_PASSE, ip="198.51.100.99")
    assert "Trop de tentatives" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_behind_the_proxy_the_limit_is_per_client_address(client, parent, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    attaquant = "203.0.113.66"
    for n in range(100):
        _connexion(client, f"x{n}@example.org", "faux", ip=PROXY, transmis_pour=attaquant)
    bloque = _connexion(
        client, "parent@example.org", MOT_DE_PASSE, ip=PROXY, transmis_pour=attaquant
    )
    assert "Trop de tentatives" in bloque.content.decode()
    # Another parent behind the same proxy: their own address, their own counter.
    response = _connexion(
        client, "parent@example.org", MOT_DE_PASSE, ip=PROXY, transmis_pour="192.0.2.10"
    )
    assert response.status_code == 302


def test_a_request_that_bypassed_a_proxy_signs_in_instead_of_failing(client, parent, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2  # but only one address in X-Forwarded-For
    response = _connexion(
        client, "parent@example.org", MOT_DE_PASSE, ip=PROXY, transmis_pour="192.0.2.10"
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("tableau_de_bord")
