import datetime

from django.urls import reverse
from django.utils import timezone

from familles.models import Enfant, RegimeAlimentaire
from portail.models import Demande
from tests.conftest import creer_enfant


def _url(enfant):
    return reverse("enfant_modifier", args=[enfant.pk])


def _donnees(enfant, **extra):
    data = {
        "prenom": enfant.prenom,
        "nom": enfant.nom,
        "sexe": enfant.sexe,
        "date_naissance": enfant.date_naissance.isoformat(),
        "ecole": "",
        "classe": "",
        "allergies": "",
        "notes_sante": "",
        "medecin_traitant": "",
        "personnes-TOTAL_FORMS": "0",
        "personnes-INITIAL_FORMS": "0",
        "personnes-MIN_NUM_FORMS": "0",
        "personnes-MAX_NUM_FORMS": "6",
    }
    data.update(extra)
    return data


def test_it_checks_ownership(client, parent, etranger):
    enfant = creer_enfant(parent.famille)
    client.force_login(etranger.user)
    assert client.get(_url(enfant)).status_code == 404
    response = client.post(_url(enfant), _donnees(enfant, prenom="Piraté"))
    assert response.status_code == 404
    enfant.refresh_from_db()
    assert enfant.prenom == "Zoé"


def test_it_updates_the_child_and_records_it(client_parent, parent):
    enfant = creer_enfant(parent.famille)
    sans_porc = RegimeAlimentaire.objects.get(nom="Sans porc")
    response = client_parent.post(
        _url(enfant), _donnees(enfant, ecole="École du Centre", regime_alimentaire=sans_porc.pk)
    )
    assert response.status_code == 302
    enfant.refresh_from_db()
    assert enfant.ecole == "École du Centre"
    assert enfant.regime_alimentaire == sans_porc
    demande = Demande.objects.get(type=Demande.Type.ENFANT_MODIFICATION)
    assert "régime alimentaire" in demande.objet
    assert demande.demandeur == parent


def test_the_other_parent_may_edit_too(client, parent, coparent):
    enfant = creer_enfant(parent.famille)
    client.force_login(coparent.user)
    response = client.post(_url(enfant), _donnees(enfant, ecole="École des Tilleuls"))
    assert response.status_code == 302
    assert Enfant.objects.get(pk=enfant.pk).ecole == "École des Tilleuls"


def test_it_rejects_a_birth_date_in_the_future(client_parent, parent):
    enfant = creer_enfant(parent.famille)
    demain = timezone.localdate() + datetime.timedelta(days=3)
    response = client_parent.post(_url(enfant), _donnees(enfant, date_naissance=demain.isoformat()))
    assert response.status_code == 200
    assert "ne peut pas être dans le futur" in response.content.decode()
    enfant.refresh_from_db()
    assert enfant.date_naissance == datetime.date(2018, 5, 4)
    assert not Demande.objects.exists()


def test_an_unchanged_form_records_nothing(client_parent, parent):
    enfant = creer_enfant(parent.famille)
    response = client_parent.post(_url(enfant), _donnees(enfant), follow=True)
    assert "Aucune modification" in response.content.decode()
    assert not Demande.objects.exists()
