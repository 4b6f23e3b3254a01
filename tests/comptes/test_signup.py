from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from comptes.models import User
from familles.models import Famille, Responsable
from tests.html import champs_sans_label

URL = reverse("account_signup")


def _donnees(**extra):
    data = {
        "email": "nouveau@example.org",
        "password1": "Un-mot-de-passe-solide-7",
        "password2": "Un-mot-de-passe-solide-7",
        "civilite": "mme",
        "prenom": "Aïcha",
        "nom": "Diallo",
        "adresse": "2 rue des Lilas",
        "complement_adresse": "",
        "code_postal": "18240",
        "ville": "Belleville-sur-Loire",
        "telephone_mobile": "06 98 76 54 32",
    }
    data.update(extra)
    return data


def test_the_form_labels_every_field(client, db):
    html = client.get(URL).content.decode()
    assert champs_sans_label(html) == []
    assert 'lang="fr"' in html


def test_it_creates_the_household_and_asks_to_verify_the_email(
    client, db, django_capture_on_commit_callbacks, executer_taches
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, _donnees())
    executer_taches()
    assert response.status_code == 302
    user = User.objects.get(email="nouveau@example.org")
    responsable = Responsable.objects.select_related("famille").get(user=user)
    assert responsable.famille.nom == "Famille Diallo"
    assert responsable.telephone_mobile == "06 98 76 54 32"
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nouveau@example.org"]


def test_login_waits_for_email_verification(client, db):
    client.post(URL, _donnees())
    client.logout()
    response = client.post(
        reverse("account_login"),
        {"login": "nouveau@example.org", "password": "Un-mot-de-passe-solide-7"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_a_taken_email_is_refused_plainly(client, parent):
    response = client.post(URL, _donnees(email="PARENT@example.org"))
    assert response.status_code == 200
    assert "Un autre utilisateur utilise déjà cette adresse e-mail" in response.content.decode()
    assert User.objects.count() == 1
    assert Famille.objects.count() == 1


def test_a_malformed_phone_writes_nothing(client, db):
    response = client.post(URL, _donnees(telephone_mobile="0123"))
    assert response.status_code == 200
    assert "numéro de téléphone n&#x27;est pas valide" in response.content.decode()
    assert not User.objects.exists()
    assert not Famille.objects.exists()


def test_a_malformed_postcode_writes_nothing(client, db):
    response = client.post(URL, _donnees(code_postal="18 240"))
    assert "Le code postal doit compter 5 chiffres" in response.content.decode()
    assert not User.objects.exists()


def test_a_failure_while_creating_the_household_rolls_back_the_account(client, db, monkeypatch):
    from familles import services

    def panne(*args, **kwargs):
        raise RuntimeError("panne au milieu de l'inscription")

    monkeypatch.setattr(services, "creer_famille", panne)
    client.raise_request_exception = False
    response = client.post(URL, _donnees())
    assert response.status_code == 500
    assert not User.objects.exists()
    assert not EmailAddress.objects.exists()


def test_a_very_long_surname_still_makes_a_household(client, db):
    response = client.post(URL, _donnees(nom="N" * 150))
    assert response.status_code == 302
    assert len(Famille.objects.get().nom) == 150
