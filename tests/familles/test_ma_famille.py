import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from familles.models import Autorisation, FicheSanitaire, TypeAutorisation, saison_de
from inscriptions.models import Activite, Inscription, Periode, Site
from tests.conftest import creer_enfant

URL = reverse("ma_famille")


def test_it_requires_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_it_lists_the_household_children_only(client_parent, parent, etranger):
    creer_enfant(parent.famille, prenom="Léa")
    creer_enfant(etranger.famille, prenom="Intrus")
    response = client_parent.get(URL)
    assert response.status_code == 200
    assert "Léa" in response.content.decode()
    assert "Intrus" not in response.content.decode()


def test_the_other_parent_sees_the_same_children(client, parent, coparent):
    creer_enfant(parent.famille, prenom="Léa")
    client.force_login(coparent.user)
    response = client.get(URL)
    assert "Léa" in response.content.decode()
    assert "Camille" in response.content.decode()  # both parents listed


def test_it_links_each_child_to_its_edit_page(client_parent, parent):
    enfant = creer_enfant(parent.famille, prenom="Léa")
    response = client_parent.get(URL)
    assert reverse("enfant_modifier", args=[enfant.pk]) in response.content.decode()


def test_a_staff_account_without_household_gets_an_explanation(client_agent):
    response = client_agent.get(URL)
    assert response.status_code == 403
    assert "rattaché à aucune famille" in response.content.decode()


@pytest.mark.parametrize("nb_enfants", [1, 4])
def test_it_runs_a_constant_number_of_queries(
    client_parent, parent, django_assert_num_queries, nb_enfants
):
    periode = Periode.objects.create(
        nom="2026-2027", debut=datetime.date(2026, 9, 1), fin=datetime.date(2099, 7, 3)
    )
    activite = Activite.objects.create(
        nom="Cantine",
        type=Activite.Type.RESTAURATION,
        site=Site.objects.create(nom="École"),
        periode=periode,
        ouverture_inscriptions=timezone.now() - datetime.timedelta(days=1),
        fermeture_inscriptions=timezone.now() + datetime.timedelta(days=1),
    )
    for i in range(nb_enfants):
        enfant = creer_enfant(parent.famille, prenom=f"Enfant{i}")
        Inscription.objects.create(
            enfant=enfant,
            famille=parent.famille,
            activite=activite,
            date_debut=periode.debut,
            date_fin=periode.fin,
        )
        enfant.personnes_autorisees.create(
            nom="Doe", prenom="Jo", lien="Voisin", telephone="06 00 00 00 01"
        )
        FicheSanitaire.objects.create(
            enfant=enfant, saison_confirmee=saison_de(timezone.localdate())
        )
        for type_ in TypeAutorisation.objects.all():
            Autorisation.objects.create(
                enfant=enfant, type=type_, accordee=True, donnee_le=timezone.now()
            )
    # session, user with responsable+famille (comptes/backends.py), enfants+régimes+fiches
    # sanitaires, personnes autorisées (prefetch), inscriptions+activités+sites+périodes
    # (prefetch), autorisations en vigueur+types (prefetch), open invitations of the
    # other parent (prefetch), responsables+users
    with django_assert_num_queries(8):
        response = client_parent.get(URL)
    html = response.content.decode()
    assert html.count("Modifier<span") == nb_enfants
    assert html.count("Certifiée pour") == nb_enfants
    assert html.count("Droit à l&#x27;image : oui") == nb_enfants
    assert html.count("En attente de validation") == nb_enfants
