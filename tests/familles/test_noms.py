"""A line break in a name is refused everywhere a name is typed (it blocked e-mails)."""

import datetime

import pytest
from django.urls import reverse

from familles import services
from familles.models import Enfant, Famille
from inscriptions.models import Site
from tests.familles.test_enfant_ajouter import _donnees

MESSAGE = "Ce champ ne peut pas contenir de retour à la ligne."


@pytest.mark.parametrize("nom", ["Mar\ntin", "Mar\r\ntin", "Mar\rtin"])
def test_the_parent_form_refuses_a_line_break_in_a_name(client_parent, nom):
    response = client_parent.post(reverse("enfant_ajouter"), _donnees(nom=nom))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="#id_nom"' in html and MESSAGE in html
    assert not Enfant.objects.exists()


def test_a_pickup_person_and_a_tab_are_refused_too(client_parent):
    response = client_parent.post(
        reverse("enfant_ajouter"), _donnees(**{"personnes-0-lien": "Grand\nmère"})
    )
    assert MESSAGE in response.content.decode()
    response = client_parent.post(reverse("enfant_ajouter"), _donnees(prenom="Ju\tles"))
    assert "caractère invisible" in response.content.decode()
    assert not Enfant.objects.exists()


def test_mes_coordonnees_refuses_it(client_parent, parent):
    donnees = {
        "civilite": "mme",
        "prenom": "Camille\r\nBcc: x@example.org",
        "nom": "Martin",
        "adresse": "1 rue de la Paix",
        "code_postal": "44000",
        "ville": "Nantes",
        "telephone_mobile": "06 12 34 56 78",
    }
    response = client_parent.post(reverse("mes_coordonnees"), donnees)
    assert MESSAGE in response.content.decode()
    parent.refresh_from_db()
    assert parent.prenom == "Camille"


def test_the_admin_form_refuses_it(client_agent):
    response = client_agent.post(reverse("admin:inscriptions_site_add"), {"nom": "École\nFerry"})
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not Site.objects.exists()


def test_services_taking_names_directly_refuse_it(parent):
    enfant = Enfant(
        nom="Martin", prenom="Lé\na", sexe="f", date_naissance=datetime.date(2019, 3, 14)
    )
    with pytest.raises(services.FamilleError) as exc:
        services.ajouter_enfant(parent, enfant, [])
    assert exc.value.message == MESSAGE and exc.value.field == "prenom"
    with pytest.raises(services.FamilleError):
        services.creer_famille(parent.user, {"nom": "Du\r\npont", "prenom": "Jo"})
    assert not Enfant.objects.exists()
    assert Famille.objects.count() == 1


def test_sign_up_refuses_it(client, db):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "nouveau@example.org",
            "password1": "un-mot-de-passe-solide-42",
            "password2": "un-mot-de-passe-solide-42",
            "civilite": "m",
            "prenom": "Jean",
            "nom": "Du\npont",
            "adresse": "2 rue Haute",
            "code_postal": "44000",
            "ville": "Nantes",
            "telephone_mobile": "06 12 34 56 78",
        },
    )
    assert MESSAGE in response.content.decode()
    assert not Famille.objects.exists()
