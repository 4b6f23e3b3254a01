import datetime

from django.urls import reverse
from django.utils import timezone

from comptes.services.jetons import nouveau_jeton
from familles.models import Enfant
from portail.models import Demande
from tests.html import champs_sans_label

URL = reverse("enfant_ajouter")


def _donnees(**extra):
    data = {
        "prenom": "Jules",
        "nom": "Martin",
        "sexe": "g",
        "date_naissance": "2019-02-03",
        "ecole": "École Jules Ferry",
        "classe": "ce1",
        "allergies": "",
        "notes_sante": "",
        "medecin_traitant": "",
        "personnes-TOTAL_FORMS": "2",
        "personnes-INITIAL_FORMS": "0",
        "personnes-MIN_NUM_FORMS": "0",
        "personnes-MAX_NUM_FORMS": "6",
        "personnes-0-prenom": "Monique",
        "personnes-0-nom": "Martin",
        "personnes-0-lien": "Grand-mère",
        "personnes-0-telephone": "0611223344",
        "jeton": nouveau_jeton(),
    }
    data.update(extra)
    return data


def test_it_shows_the_form_with_labelled_fields(client_parent):
    response = client_parent.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert champs_sans_label(html) == []
    assert 'id="id_personnes-0-telephone"' in html


def test_it_adds_a_child_to_the_household_and_the_timeline(client_parent, parent):
    response = client_parent.post(URL, _donnees())
    assert response.status_code == 302
    enfant = Enfant.objects.for_user(parent.user).get()
    assert enfant.prenom == "Jules"
    personne = enfant.personnes_autorisees.get()
    assert personne.telephone == "06 11 22 33 44"
    parent.famille.refresh_from_db()
    assert parent.famille.nombre_enfants_a_charge == 1
    demande = Demande.objects.get(famille=parent.famille)
    assert demande.type == Demande.Type.ENFANT_AJOUT
    assert demande.statut == Demande.Statut.ACCEPTEE


def test_it_rejects_a_birth_date_in_the_future(client_parent, parent):
    demain = timezone.localdate() + datetime.timedelta(days=1)
    response = client_parent.post(URL, _donnees(date_naissance=demain.isoformat()))
    assert response.status_code == 200
    assert "ne peut pas être dans le futur" in response.content.decode()
    assert not Enfant.objects.exists()
    assert not Demande.objects.exists()


def test_it_rejects_a_malformed_phone_of_a_pickup_person(client_parent):
    response = client_parent.post(URL, _donnees(**{"personnes-0-telephone": "12"}))
    assert response.status_code == 200
    assert "numéro de téléphone n&#x27;est pas valide" in response.content.decode()
    assert not Enfant.objects.exists()


def test_it_requires_the_identity(client_parent):
    response = client_parent.post(URL, _donnees(prenom="", date_naissance=""))
    html = response.content.decode()
    assert "Le formulaire contient des erreurs" in html
    assert 'href="#id_prenom"' in html
    assert not Enfant.objects.exists()


def test_sex_is_a_plain_choice_without_a_dashed_option(client_parent):
    html = client_parent.get(URL).content.decode()
    assert 'name="sexe" value=""' not in html
    assert html.count('name="sexe"') == 2


def test_an_incomplete_pickup_row_is_listed_in_the_error_summary(client_parent):
    response = client_parent.post(URL, _donnees(**{"personnes-0-lien": ""}))
    html = response.content.decode()
    assert 'id="resume-erreurs"' in html
    assert 'href="#id_personnes-0-lien"' in html
    assert not Enfant.objects.exists()


def test_an_error_on_the_sex_links_to_its_first_option(client_parent):
    html = client_parent.post(URL, _donnees(sexe="")).content.decode()
    assert 'href="#id_sexe_0"' in html
