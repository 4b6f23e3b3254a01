from django.urls import reverse

from comptes.services.jetons import nouveau_jeton
from inscriptions.models import Inscription
from portail.models import Demande
from tests.conftest import creer_enfant
from tests.html import champs_sans_label


def _url(enfant, activite):
    return reverse("inscrire", args=[enfant.pk, activite.pk])


def test_it_checks_ownership(client, parent, etranger, activite):
    enfant = creer_enfant(parent.famille)
    client.force_login(etranger.user)
    assert client.get(_url(enfant, activite)).status_code == 404
    response = client.post(
        _url(enfant, activite), {"date_debut": "2026-12-01", "date_fin": "2027-07-03"}
    )
    assert response.status_code == 404
    assert not Inscription.objects.exists()


def test_the_form_proposes_the_season_dates(client_parent, parent, activite):
    enfant = creer_enfant(parent.famille)
    html = client_parent.get(_url(enfant, activite)).content.decode()
    assert 'value="2026-11-27"' in html  # first possible day: today
    assert 'value="2027-07-03"' in html
    assert champs_sans_label(html) == []


def test_it_creates_the_enrolment_and_the_request(client_parent, parent, activite):
    enfant = creer_enfant(parent.famille)
    response = client_parent.post(
        _url(enfant, activite),
        {
            "date_debut": "2026-12-01",
            "date_fin": "2027-07-03",
            "commentaire": "Lundi, jeudi",
            "jeton": nouveau_jeton(),
        },
    )
    inscription = Inscription.objects.get()
    assert response["Location"] == reverse("inscription_detail", args=[inscription.pk])
    assert inscription.commentaire == "Lundi, jeudi"
    assert Demande.objects.get().inscription == inscription
    html = client_parent.get(reverse("tableau_de_bord")).content.decode()
    assert "Inscription" in html and "Restauration scolaire" in html


def test_bad_dates_get_a_french_message_next_to_the_field(client_parent, parent, activite):
    enfant = creer_enfant(parent.famille)
    response = client_parent.post(
        _url(enfant, activite),
        {"date_debut": "2027-03-01", "date_fin": "2027-02-01", "jeton": nouveau_jeton()},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="#id_date_fin"' in html
    assert "La date de fin doit suivre la date de début." in html
    assert not Inscription.objects.exists()


def test_a_malformed_date_is_refused(client_parent, parent, activite):
    enfant = creer_enfant(parent.famille)
    response = client_parent.post(
        _url(enfant, activite),
        {"date_debut": "31/02/2027", "date_fin": "2027-07-03", "jeton": nouveau_jeton()},
    )
    assert "Saisissez une date valide." in response.content.decode()
    assert not Inscription.objects.exists()


def test_an_ineligible_child_is_told_why_before_filling_the_form(
    client_parent, parent, creer_activite
):
    activite = creer_activite(niveaux=["cm1"])
    enfant = creer_enfant(parent.famille, classe="cp")
    response = client_parent.get(_url(enfant, activite), follow=True)
    assert "Réservée aux classes suivantes : CM1." in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("choisir_activite", args=[enfant.pk])
