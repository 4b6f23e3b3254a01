"""Addresses, towns, jobs and schools are one line too: a line break there ended up in
e-mails and letters (and let "Bcc:" ride along)."""

import pytest
from django.urls import reverse

from comptes.models import User
from familles.models import Enfant
from portail.models import Demande
from tests.familles.test_enfant_ajouter import _donnees as _enfant
from tests.familles.test_mes_coordonnees import _donnees as _coordonnees

MESSAGE = "Ce champ ne peut pas contenir de retour à la ligne."


@pytest.mark.parametrize(
    "champ",
    ["adresse", "complement_adresse", "ville", "profession", "employeur"],
)
def test_mes_coordonnees_refuses_a_line_break(client_parent, parent, champ):
    response = client_parent.post(
        reverse("mes_coordonnees"), _coordonnees(parent, **{champ: "Nantes\nBcc: x@evil.org"})
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="#id_{champ}"' in html and MESSAGE in html
    assert not Demande.objects.exists()


@pytest.mark.parametrize("champ", ["ecole", "personnes-0-lien", "personnes-0-nom"])
def test_adding_a_child_refuses_a_line_break(client_parent, champ):
    response = client_parent.post(
        reverse("enfant_ajouter"), _enfant(**{champ: "Ecole\r\nBcc: x@evil.org"})
    )
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not Enfant.objects.exists()


@pytest.mark.parametrize("champ", ["adresse", "complement_adresse", "ville"])
def test_sign_up_refuses_a_line_break_in_the_address(client, db, champ):
    donnees = {
        "email": "nouveau@example.org",
        "password1": "un-mot-de-passe-solide-42",
        "password2": "un-mot-de-passe-solide-42",
        "civilite": "m",
        "prenom": "Jean",
        "nom": "Dupont",
        "adresse": "2 rue Haute",
        "code_postal": "44000",
        "ville": "Nantes",
        "telephone_mobile": "06 12 34 56 78",
    }
    donnees[champ] = "Nantes\nBcc: x@evil.org"
    response = client.post(reverse("account_signup"), donnees)
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not User.objects.filter(email="nouveau@example.org").exists()


def test_the_service_refuses_it_whatever_the_form(parent):
    from familles import services

    valeurs = {c: getattr(parent, c) for c in parent.CHAMPS_COORDONNEES}
    valeurs["ville"] = "Nantes\nBcc: x@evil.org"
    with pytest.raises(services.FamilleError) as exc:
        services.demander_modification_coordonnees(parent, valeurs)
    assert exc.value.message == MESSAGE and exc.value.field == "ville"
    assert not Demande.objects.exists()
