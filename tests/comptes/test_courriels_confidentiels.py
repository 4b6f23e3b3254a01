"""A mail carrying a sign-in link is never readable by staff: whoever has the link
takes the account (password reset, invitation, e-mail confirmation)."""

from django.core import mail
from django.urls import reverse

from comptes import outbox, services
from comptes.models import Courriel
from portail.roles import ADMINISTRATEUR
from tests.comptes.test_signup import _donnees as _inscription
from tests.conftest import creer_agent

LIEN = "/comptes/password/reset/key/"
MASQUE = "Contenu masqué : ce message contient un lien de connexion personnel."


def _page_admin(client, courriel) -> str:
    client.force_login(creer_agent("admin@example.org", ADMINISTRATEUR))
    response = client.get(reverse("admin:comptes_courriel_change", args=[courriel.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_reset_link_is_hidden_from_staff_and_blanked_once_sent(
    client, parent, django_capture_on_commit_callbacks, executer_taches
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "parent@example.org"})
    courriel = Courriel.objects.get(destinataire="parent@example.org")
    assert courriel.confidentiel and LIEN in courriel.corps  # still to be sent
    html = _page_admin(client, courriel)
    assert LIEN not in html and MASQUE in html

    executer_taches()
    assert len(mail.outbox) == 1 and LIEN in mail.outbox[0].body
    courriel.refresh_from_db()
    assert courriel.statut == Courriel.Statut.ENVOYE
    assert courriel.corps == "" and courriel.sujet == mail.outbox[0].subject


def test_an_invitation_is_hidden_too(
    client, parent, django_capture_on_commit_callbacks, executer_taches
):
    with django_capture_on_commit_callbacks(execute=True):
        services.envoyer_invitation(parent.user)
    courriel = Courriel.objects.get()
    html = _page_admin(client, courriel)
    assert LIEN not in html and MASQUE in html
    executer_taches()
    assert LIEN in mail.outbox[0].body
    courriel.refresh_from_db()
    assert courriel.corps == ""


def test_the_sign_up_confirmation_is_hidden_too(
    client, db, django_capture_on_commit_callbacks, executer_taches
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_signup"), _inscription())
    courriel = Courriel.objects.get()
    client.logout()
    html = _page_admin(client, courriel)
    assert "/comptes/confirm-email/" not in html and MASQUE in html
    executer_taches()
    assert "/comptes/confirm-email/" in mail.outbox[0].body


def test_an_ordinary_mail_stays_readable(
    client, db, django_capture_on_commit_callbacks, executer_taches
):
    with django_capture_on_commit_callbacks(execute=True):
        courriel = outbox.queue_raw("parent@example.org", "Place obtenue", "Léa a une place.")
    assert "Léa a une place." in _page_admin(client, courriel)
    executer_taches()
    courriel.refresh_from_db()
    assert courriel.statut == Courriel.Statut.ENVOYE
    assert courriel.corps == "Léa a une place."
