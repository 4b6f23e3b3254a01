"""Ajouter un enfant sent twice (double click, reload, two tabs) adds one child."""

import re

from django.urls import reverse

from comptes.models import JetonFormulaire
from comptes.services import jetons
from familles.models import Enfant
from portail.models import Demande
from tests.familles.test_enfant_ajouter import _donnees

URL = reverse("enfant_ajouter")


def _jeton_de_la_page(client) -> str:
    html = client.get(URL).content.decode()
    return re.search(r'name="jeton" value="([^"]+)"', html).group(1)


def test_the_same_form_sent_twice_adds_one_child(client_parent, parent):
    donnees = _donnees(jeton=jetons.nouveau_jeton())
    assert client_parent.post(URL, donnees).status_code == 302
    response = client_parent.post(URL, donnees, follow=True)
    assert Enfant.objects.for_user(parent.user).count() == 1
    parent.famille.refresh_from_db()
    assert parent.famille.nombre_enfants_a_charge == 1  # one dependant, not two
    assert Demande.objects.filter(famille=parent.famille).count() == 1
    assert response.redirect_chain[-1][0] == reverse("ma_famille")
    assert "Cette demande a déjà été enregistrée." in response.content.decode()


def test_each_display_of_the_form_gets_its_own_token(client_parent, parent):
    premier, second = _jeton_de_la_page(client_parent), _jeton_de_la_page(client_parent)
    assert premier != second
    for jeton in (premier, second):
        client_parent.post(URL, _donnees(jeton=jeton))
    assert Enfant.objects.for_user(parent.user).count() == 2  # twins are fine


def test_a_refused_submit_leaves_the_token_usable(client_parent, parent):
    jeton = _jeton_de_la_page(client_parent)
    response = client_parent.post(URL, _donnees(jeton=jeton, date_naissance=""))
    assert f'value="{jeton}"' in response.content.decode()  # the same token comes back
    assert not JetonFormulaire.objects.exists()
    assert client_parent.post(URL, _donnees(jeton=jeton)).status_code == 302
    assert Enfant.objects.for_user(parent.user).count() == 1


def test_a_form_without_token_is_sent_back_with_a_fresh_one(client_parent, parent):
    donnees = _donnees()
    del donnees["jeton"]
    html = client_parent.post(URL, donnees).content.decode()
    assert jetons.JETON_INVALIDE.replace("'", "&#x27;") in html
    assert re.search(r'name="jeton" value="[A-Za-z0-9_-]{32}"', html)
    assert not Enfant.objects.exists()


def test_another_parents_token_is_no_obstacle(client, parent, etranger):
    jeton = jetons.nouveau_jeton()
    client.force_login(parent.user)
    client.post(URL, _donnees(jeton=jeton))
    client.force_login(etranger.user)
    client.post(URL, _donnees(jeton=jeton))
    assert Enfant.objects.for_user(etranger.user).count() == 1


def test_mes_coordonnees_sent_twice_leaves_one_pending_request(client_parent, parent):
    # Idempotent by nature: a second request replaces the pending one.
    donnees = {
        "civilite": "mme",
        "prenom": "Camille",
        "nom": "Martin-Durand",
        "adresse": "1 rue de la Paix",
        "code_postal": "44000",
        "ville": "Nantes",
        "telephone_mobile": "06 12 34 56 78",
    }
    for _ in range(2):
        assert client_parent.post(reverse("mes_coordonnees"), donnees).status_code == 302
    demande = Demande.objects.get(type=Demande.Type.COORDONNEES)
    assert demande.donnees["nom"] == "Martin-Durand"
