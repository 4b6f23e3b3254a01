"""What parents and gestionnaires must not be able to do."""

from allauth.account.models import EmailAddress
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse

from familles.services import demander_modification_coordonnees
from portail.models import Demande
from tests.conftest import creer_user


def test_a_parent_cannot_change_their_own_login_email(client_parent, parent):
    response = client_parent.post(
        "/comptes/email/", {"action_add": "", "email": "nouveau@example.org"}, follow=True
    )
    assert "ne peut être modifiée que par le service" in response.content.decode()
    parent.user.refresh_from_db()
    assert parent.user.email == "parent@example.org"
    assert list(EmailAddress.objects.filter(user=parent.user).values_list("email", flat=True)) == [
        "parent@example.org"
    ]


def test_a_gestionnaire_cannot_grant_themselves_rights(client_agent, agent):
    url = reverse("admin:comptes_user_change", args=[agent.pk])
    response = client_agent.get(url)
    assert response.status_code == 403  # user accounts are the superusers' business
    client_agent.post(
        url, {"email": agent.email, "is_superuser": "on", "is_staff": "on", "is_active": "on"}
    )
    agent.refresh_from_db()
    assert not agent.is_superuser


def test_a_superuser_still_manages_rights(client, db):
    chef = creer_user("chef@example.org", is_staff=True, is_superuser=True)
    autre = creer_user("autre@example.org")
    client.force_login(chef)
    html = client.get(reverse("admin:comptes_user_change", args=[autre.pk])).content.decode()
    assert 'name="is_superuser"' in html


def test_uppercase_duplicate_emails_are_refused_in_the_user_admin(client, parent):
    chef = creer_user("chef@example.org", is_staff=True, is_superuser=True)
    client.force_login(chef)
    response = client.post(
        reverse("admin:comptes_user_add"),
        {"email": "PARENT@example.org", "usable_password": "false"},
    )
    assert response.status_code == 200
    assert "Un compte utilise déjà cette adresse e-mail." in response.content.decode()


def test_view_only_staff_cannot_process_requests(client, parent):
    lecteur = creer_user("lecteur@example.org", is_staff=True)
    lecteur.user_permissions.add(Permission.objects.get(codename="view_demande"))
    valeurs = {c: getattr(parent, c) for c in parent.CHAMPS_COORDONNEES}
    demande = demander_modification_coordonnees(parent, {**valeurs, "ville": "Rezé"})
    client.force_login(lecteur)
    client.post(
        reverse("admin:portail_demande_changelist"),
        {"action": "accepter", ACTION_CHECKBOX_NAME: [demande.pk]},
    )
    client.post(reverse("admin:portail_demande_accepter", args=[demande.pk]))
    demande.refresh_from_db()
    assert demande.statut == Demande.Statut.EN_ATTENTE
    page = client.get(reverse("admin:portail_demande_change", args=[demande.pk]))
    assert "Traiter cette demande" not in page.content.decode()


def test_select_all_keeps_the_list_filter(client_agent, parent, etranger):
    valeurs = {c: getattr(parent, c) for c in parent.CHAMPS_COORDONNEES}
    en_attente = demander_modification_coordonnees(parent, {**valeurs, "ville": "Rezé"})
    refusee = Demande.objects.create(
        famille=etranger.famille,
        type=Demande.Type.REVENUS,
        objet="ancienne",
        statut=Demande.Statut.REFUSEE,
        traitee_le=en_attente.cree_le,
        reponse="non",
    )
    client_agent.post(
        reverse("admin:portail_demande_changelist") + "?statut=refusee",
        {"action": "accepter", ACTION_CHECKBOX_NAME: [refusee.pk], "select_across": "1"},
    )
    en_attente.refresh_from_db()
    assert en_attente.statut == Demande.Statut.EN_ATTENTE


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(
    client, parent, executer_taches, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    cache.clear()  # reset_password is rate limited per address
    url = reverse("account_reset_password")
    with django_capture_on_commit_callbacks(execute=True):
        connue = client.post(url, {"email": "parent@example.org"})
        inconnue = client.post(url, {"email": "personne@example.org"})
    assert connue.status_code == inconnue.status_code == 302
    assert connue["Location"] == inconnue["Location"]
    page = client.get(connue["Location"]).content.decode()
    assert "Si un compte existe pour cette adresse" in page
    # Only the account's owner gets a mail: the form cannot be used to mail strangers.
    executer_taches()
    assert [m.to for m in mail.outbox] == [["parent@example.org"]]
    # Sign-up may still say an address is taken (documented in docs/exploitation.md).
    signup = client.post(reverse("account_signup"), {"email": "parent@example.org"})
    assert "Un autre utilisateur utilise déjà cette adresse e-mail" in signup.content.decode()
