"""The reception desk edits households but not what they pay (tariff, quotient's parts)."""

import pytest
from django.urls import reverse

from familles.models import Famille
from portail.roles import AGENT_ACCUEIL, GESTIONNAIRE
from tests.conftest import creer_agent

TARIF = {
    "regime": "msa",
    "numero_allocataire": "9999999",
    "nombre_enfants_a_charge": "9",
    "nombre_enfants_handicapes": "3",
    "hors_commune": "on",
}


def _post(famille, **extra):
    """The change form as the browser sends it (a household without parents yet)."""
    data = {
        "nom": famille.nom,
        "adresse": "3 rue Neuve",
        "complement_adresse": "",
        "code_postal": "44000",
        "ville": "Nantes",
        "responsables-TOTAL_FORMS": "0",
        "responsables-INITIAL_FORMS": "0",
        "responsables-MIN_NUM_FORMS": "0",
        "responsables-MAX_NUM_FORMS": "2",
        "rattachements-TOTAL_FORMS": "0",
        "rattachements-INITIAL_FORMS": "0",
        "rattachements-MIN_NUM_FORMS": "0",
        "rattachements-MAX_NUM_FORMS": "1000",
        "_save": "Enregistrer",
    }
    data.update(extra)
    return data


@pytest.fixture
def famille(db):
    return Famille.objects.create(nom="Famille Martin", numero_allocataire="1234567")


def test_the_reception_desk_cannot_change_what_a_family_pays(client, famille):
    client.force_login(creer_agent("accueil@example.org", AGENT_ACCUEIL))
    url = reverse("admin:familles_famille_change", args=[famille.pk])
    html = client.get(url).content.decode()
    assert 'name="hors_commune"' not in html and 'name="nombre_enfants_a_charge"' not in html
    assert "1234567" in html  # shown, read-only

    response = client.post(url, _post(famille, **TARIF))
    assert response.status_code == 302
    famille.refresh_from_db()
    assert famille.adresse == "3 rue Neuve"  # the rest of the household is still theirs
    assert not famille.hors_commune
    assert famille.nombre_enfants_a_charge == 0
    assert famille.nombre_enfants_handicapes == 0
    assert famille.regime == "caf"
    assert famille.numero_allocataire == "1234567"


def test_nor_when_creating_a_household(client, db):
    client.force_login(creer_agent("accueil@example.org", AGENT_ACCUEIL))
    famille = Famille(nom="Famille Neuve")
    response = client.post(reverse("admin:familles_famille_add"), _post(famille, **TARIF))
    assert response.status_code == 302
    famille = Famille.objects.get(nom="Famille Neuve")
    assert not famille.hors_commune and famille.nombre_enfants_a_charge == 0


def test_the_manager_can(client, famille):
    client.force_login(creer_agent("gestion@example.org", GESTIONNAIRE))
    url = reverse("admin:familles_famille_change", args=[famille.pk])
    response = client.post(url, _post(famille, **TARIF))
    assert response.status_code == 302
    famille.refresh_from_db()
    assert famille.hors_commune and famille.nombre_enfants_a_charge == 9
    assert famille.regime == "msa" and famille.numero_allocataire == "9999999"
