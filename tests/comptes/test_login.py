from django.urls import reverse

from tests.conftest import MOT_DE_PASSE
from tests.html import champs_sans_label

URL = reverse("account_login")


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
