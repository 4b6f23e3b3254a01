"""Two-factor sign-in: mandatory for staff, optional for parents (allauth.mfa)."""

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.core.cache import cache
from django.urls import reverse

from tests.conftest import MOT_DE_PASSE, SECRET_TOTP, code_totp

SECRET = SECRET_TOTP
ADMIN = reverse("admin:portail_demande_changelist")


@pytest.fixture(autouse=True)
def compteurs_a_zero():
    cache.clear()  # rate limits and already-used codes
    yield
    cache.clear()


_code = code_totp


def _connexion(client, email):
    return client.post(reverse("account_login"), {"login": email, "password": MOT_DE_PASSE})


def test_the_admin_login_page_sends_to_the_portal_sign_in(client, db):
    response = client.get(ADMIN, follow=True)
    assert response.redirect_chain[-1][0] == (
        reverse("account_login") + "?next=%2Fgestion%2Fportail%2Fdemande%2F"
    )
    assert "Mot de passe" in response.content.decode()
    # Its own password form is gone: nothing signs in around the rate limits and 2FA.
    response = client.post(
        reverse("admin:login"), {"username": "agent@example.org", "password": MOT_DE_PASSE}
    )
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_signed_in_parent_is_refused_the_admin_in_french(client_parent):
    response = client_parent.get(ADMIN, follow=True)
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()


def test_staff_without_an_app_must_set_it_up_before_any_admin_page(client, agent):
    _connexion(client, "agent@example.org")
    for page in (ADMIN, reverse("admin:index"), reverse("tableau_de_bord")):
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")
    # allauth asks the password again before adding a second factor.
    page = client.get(reverse("mfa_activate_totp"), follow=True).content.decode()
    assert "obligatoire pour les agents" in page
    client.post(
        reverse("account_reauthenticate") + "?next=" + reverse("mfa_activate_totp"),
        {"password": MOT_DE_PASSE},
    )
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": _code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=agent, type="totp").exists()
    assert Authenticator.objects.filter(user=agent, type="recovery_codes").exists()
    assert client.get(ADMIN).status_code == 200


def test_staff_with_an_app_sign_in_with_its_code(client, agent):
    TOTP.activate(agent, SECRET)
    response = _connexion(client, "agent@example.org")
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(ADMIN).status_code == 302  # not signed in yet
    faux = client.post(reverse("mfa_authenticate"), {"code": _code(decalage=5)})
    assert faux.status_code == 200
    assert "Code incorrect" in faux.content.decode()
    response = client.post(reverse("mfa_authenticate"), {"code": _code()})
    assert response["Location"] == reverse("admin:index")
    assert client.get(ADMIN).status_code == 200


def test_a_recovery_code_replaces_a_lost_phone(client, agent):
    TOTP.activate(agent, SECRET)
    code_de_secours = RecoveryCodes.activate(agent).generate_codes()[0]
    _connexion(client, "agent@example.org")
    client.post(reverse("mfa_authenticate"), {"code": code_de_secours})
    assert client.get(ADMIN).status_code == 200


def test_a_staff_session_without_the_second_factor_is_asked_for_the_code(client, agent):
    TOTP.activate(agent, SECRET)
    client.force_login(agent)
    session = client.session
    del session[AUTHENTICATION_METHODS_SESSION_KEY]  # e.g. signed in before becoming staff
    session.save()
    response = client.get(ADMIN)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    response = client.post(response["Location"], {"code": _code()})
    assert response["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_staff_cannot_switch_it_off(client, agent):
    TOTP.activate(agent, SECRET)
    client.force_login(agent)
    client.post(reverse("mfa_reauthenticate"), {"code": _code()})
    response = client.post(reverse("mfa_deactivate_totp"))
    assert "ne peut pas être désactivée" in response.content.decode()
    assert Authenticator.objects.filter(user=agent, type="totp").exists()


def test_parents_are_not_asked_but_may_turn_it_on(client_parent, parent):
    assert client_parent.get(reverse("tableau_de_bord")).status_code == 200
    html = client_parent.get(reverse("mes_coordonnees")).content.decode()
    assert reverse("mfa_index") in html
    client_parent.post(reverse("account_reauthenticate"), {"password": MOT_DE_PASSE})
    client_parent.get(reverse("mfa_activate_totp"))
    secret = client_parent.session["mfa.totp.secret"]
    client_parent.post(reverse("mfa_activate_totp"), {"code": _code(secret)})
    assert Authenticator.objects.filter(user=parent.user, type="totp").exists()
    client_parent.post(reverse("account_logout"))
    response = _connexion(client_parent, "parent@example.org")
    assert response["Location"] == reverse("mfa_authenticate")


def test_a_parent_may_switch_it_off(client_parent, parent):
    TOTP.activate(parent.user, SECRET)
    client_parent.post(reverse("mfa_reauthenticate"), {"code": _code()})
    client_parent.post(reverse("mfa_deactivate_totp"))
    assert not Authenticator.objects.filter(user=parent.user).exists()
