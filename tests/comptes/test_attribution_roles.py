"""An Administrateur gives the everyday roles only: Gestionnaire and Administrateur are a
superuser's to give or take, else a second account of its own reaches the money."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from comptes.admin import UserAdmin
from comptes.models import User
from portail.roles import ADMINISTRATEUR, AGENT_ACCUEIL, DIRECTION_SITE, GESTIONNAIRE, REGISSEUR
from tests.conftest import creer_agent, creer_user

REFUS = "Seul un superutilisateur peut donner ou retirer les rôles Gestionnaire et"


def _fiche(user, **champs):
    return {
        "email": user.email,
        "is_active": "on",
        "date_joined_0": "27/11/2026",
        "date_joined_1": "10:00:00",
        **champs,
    }


def _role(nom):
    return Group.objects.get(name=nom).pk


@pytest.fixture
def client_admin(client, db):
    client.force_login(creer_agent("admin@example.org", ADMINISTRATEUR))
    return client


def test_a_second_account_cannot_be_made_gestionnaire(client_admin):
    response = client_admin.post(
        reverse("admin:comptes_user_add"),
        {"email": "moi.bis@example.org", "usable_password": "false"},
    )
    assert response.status_code == 302
    bis = User.objects.get(email="moi.bis@example.org")
    url = reverse("admin:comptes_user_change", args=[bis.pk])

    html = client_admin.get(url).content.decode()
    assert f'value="{_role(REGISSEUR)}"' in html
    assert f'value="{_role(GESTIONNAIRE)}"' not in html
    assert f'value="{_role(ADMINISTRATEUR)}"' not in html

    # The forged POST the form would never offer.
    response = client_admin.post(
        url, _fiche(bis, is_staff="on", groups=[_role(GESTIONNAIRE), _role(ADMINISTRATEUR)])
    )
    assert response.status_code == 200
    assert REFUS in response.content.decode()
    bis = User.objects.get(pk=bis.pk)
    assert not bis.is_staff and not bis.groups.exists()


def test_the_everyday_roles_are_still_given(client_admin):
    agent = creer_user("agent@example.org")
    roles = [_role(AGENT_ACCUEIL), _role(REGISSEUR), _role(DIRECTION_SITE)]
    response = client_admin.post(
        reverse("admin:comptes_user_change", args=[agent.pk]),
        _fiche(agent, is_staff="on", groups=roles),
    )
    assert response.status_code == 302
    assert sorted(User.objects.get(pk=agent.pk).groups.values_list("pk", flat=True)) == sorted(
        roles
    )


@pytest.mark.parametrize("role", [GESTIONNAIRE, ADMINISTRATEUR])
def test_an_account_holding_a_reserved_role_is_out_of_reach(client_admin, role):
    collegue = creer_agent("collegue@example.org", role)
    url = reverse("admin:comptes_user_change", args=[collegue.pk])
    assert 'name="_save"' not in client_admin.get(url).content.decode()  # read-only
    response = client_admin.post(
        url, _fiche(collegue, email="pirate@example.org", is_staff="on", groups=[])
    )
    assert response.status_code == 403
    collegue = User.objects.get(pk=collegue.pk)
    assert collegue.email == "collegue@example.org"
    assert list(collegue.groups.values_list("name", flat=True)) == [role]
    supprimer = reverse("admin:comptes_user_delete", args=[collegue.pk])
    assert client_admin.post(supprimer, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=collegue.pk).exists()


def test_a_superuser_gives_any_role(client, db):
    client.force_login(creer_user("chef@example.org", is_staff=True, is_superuser=True))
    agent = creer_user("agent@example.org")
    response = client.post(
        reverse("admin:comptes_user_change", args=[agent.pk]),
        _fiche(agent, is_staff="on", groups=[_role(GESTIONNAIRE)]),
    )
    assert response.status_code == 302
    assert list(User.objects.get(pk=agent.pk).groups.values_list("name", flat=True)) == [
        GESTIONNAIRE
    ]


def test_the_delegable_roles_are_the_everyday_ones():
    assert set(UserAdmin.ROLES_DELEGABLES) == {AGENT_ACCUEIL, REGISSEUR, DIRECTION_SITE}
