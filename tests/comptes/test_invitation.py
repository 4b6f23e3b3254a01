import re
from urllib.parse import urlparse

from allauth.account.models import EmailAddress
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.urls import reverse

from comptes.models import User
from familles.models import Famille, Responsable


def _donnees_responsable():
    return {k: v for k, v in _donnees().items() if k.startswith("responsables-0-")}


def _famille_par_l_admin(client_agent, **extra):
    return client_agent.post(reverse("admin:familles_famille_add"), {**_donnees(), **extra})


def _donnees():
    return {
        "nom": "Famille Roux",
        "adresse": "",
        "complement_adresse": "",
        "code_postal": "",
        "ville": "",
        "regime": "caf",
        "numero_allocataire": "",
        "nombre_enfants_a_charge": "0",
        "nombre_enfants_handicapes": "0",
        "responsables-TOTAL_FORMS": "1",
        "responsables-INITIAL_FORMS": "0",
        "responsables-MIN_NUM_FORMS": "0",
        "responsables-MAX_NUM_FORMS": "2",
        "responsables-0-email": "roux@example.org",
        "responsables-0-mot_de_passe": "",
        "responsables-0-civilite": "m",
        "responsables-0-prenom": "Marc",
        "responsables-0-nom": "Roux",
        "responsables-0-adresse": "1 rue Haute",
        "responsables-0-complement_adresse": "",
        "responsables-0-code_postal": "18240",
        "responsables-0-ville": "Belleville",
        "responsables-0-telephone_mobile": "0612345678",
        "responsables-0-telephone_fixe": "",
        "responsables-0-telephone_travail": "",
        "responsables-0-profession": "",
        "responsables-0-employeur": "",
        "rattachements-TOTAL_FORMS": "0",
        "rattachements-INITIAL_FORMS": "0",
        "rattachements-MIN_NUM_FORMS": "0",
        "rattachements-MAX_NUM_FORMS": "1000",
    }


def test_staff_create_a_household_with_its_parent(client_agent):
    response = _famille_par_l_admin(client_agent)
    assert response.status_code == 302, response.content.decode()[:3000]
    responsable = Responsable.objects.select_related("user", "famille").get()
    assert responsable.famille.nom == "Famille Roux"
    assert responsable.telephone_mobile == "06 12 34 56 78"
    assert not responsable.user.has_usable_password()
    assert EmailAddress.objects.get(user=responsable.user).verified


def test_staff_may_set_a_first_password(client, client_agent):
    _famille_par_l_admin(client_agent, **{"responsables-0-mot_de_passe": "Bienvenue-2026-x"})
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "roux@example.org", "password": "Bienvenue-2026-x"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("tableau_de_bord")


def test_a_taken_email_is_refused_in_the_admin(client_agent, parent):
    response = _famille_par_l_admin(client_agent, **{"responsables-0-email": "parent@example.org"})
    assert response.status_code == 200
    assert "Un compte utilise déjà cette adresse e-mail." in response.content.decode()
    assert Famille.objects.count() == 1


def test_the_invitation_link_lets_the_parent_choose_a_password(
    client, client_agent, django_capture_on_commit_callbacks, executer_taches
):
    _famille_par_l_admin(client_agent)
    responsable = Responsable.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client_agent.post(
            reverse("admin:familles_responsable_changelist"),
            {"action": "inviter_responsables", ACTION_CHECKBOX_NAME: [responsable.pk]},
        )
    executer_taches()
    assert len(mail.outbox) == 1
    lien = re.search(r"https?://\S+/password/reset/key/\S+", mail.outbox[0].body).group(0)
    chemin = urlparse(lien).path
    client.logout()
    response = client.get(chemin, follow=True)
    assert response.status_code == 200
    formulaire = response.redirect_chain[-1][0] if response.redirect_chain else chemin
    response = client.post(
        formulaire, {"password1": "Mon-nouveau-mdp-9", "password2": "Mon-nouveau-mdp-9"}
    )
    assert response.status_code == 302
    user = User.objects.get(email="roux@example.org")
    assert user.check_password("Mon-nouveau-mdp-9")


def test_only_staff_change_a_parent_email(client_agent, parent):
    url = reverse("admin:familles_responsable_change", args=[parent.pk])
    data = {c: getattr(parent, c) for c in Responsable.CHAMPS_COORDONNEES}
    data.update({"famille": parent.famille_id, "email": "nouvelle@example.org", "mot_de_passe": ""})
    response = client_agent.post(url, data)
    assert response.status_code == 302
    parent.user.refresh_from_db()
    assert parent.user.email == "nouvelle@example.org"
    assert EmailAddress.objects.get(user=parent.user).email == "nouvelle@example.org"


def test_two_parents_with_the_same_email_are_refused(client_agent):
    response = _famille_par_l_admin(
        client_agent,
        **{
            "responsables-TOTAL_FORMS": "2",
            **{k.replace("-0-", "-1-"): v for k, v in _donnees_responsable().items()},
            "responsables-1-email": "ROUX@example.org",
        },
    )
    assert response.status_code == 200
    assert "est saisie pour deux responsables" in response.content.decode()
    assert not Famille.objects.exists()


def test_a_third_parent_is_refused(client_agent, parent, coparent):
    data = {c: getattr(parent, c) for c in Responsable.CHAMPS_COORDONNEES}
    data.update(
        {"famille": parent.famille_id, "email": "troisieme@example.org", "mot_de_passe": ""}
    )
    response = client_agent.post(reverse("admin:familles_responsable_add"), data)
    assert response.status_code == 200
    assert "au plus deux" in response.content.decode()
    assert Responsable.objects.filter(famille=parent.famille).count() == 2


def test_the_invitation_lifetime_is_the_same_in_the_email_and_the_docs(client_agent, parent):
    from pathlib import Path

    from django.conf import settings

    from comptes.models import Courriel

    jours = settings.PASSWORD_RESET_TIMEOUT // 86400
    client_agent.post(
        reverse("admin:familles_responsable_changelist"),
        {"action": "inviter_responsables", ACTION_CHECKBOX_NAME: [parent.pk]},
    )
    assert f"valable {jours} jours" in Courriel.objects.get(destinataire=parent.user.email).corps
    racine = Path(settings.BASE_DIR)
    assert f"lien valable {jours} jours" in (racine / "README.md").read_text()
    assert f"valable {jours} jours" in (racine / "docs" / "guide-agents.md").read_text()


def test_the_invitation_link_expires_after_its_lifetime(client, parent):
    import datetime

    import time_machine
    from django.conf import settings

    from comptes.services import lien_invitation

    chemin = urlparse(lien_invitation(parent.user)).path
    plus_tard = datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT, hours=1)
    with time_machine.travel(plus_tard):
        response = client.get(chemin, follow=True)
    assert "password1" not in response.content.decode()
