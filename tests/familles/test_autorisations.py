"""Issue 11, part 2: autorisations per child, given by a responsable, dated, revocable."""

import datetime

import pytest
from django.urls import reverse

from familles.models import Autorisation, TypeAutorisation
from portail.models import Demande
from tests.conftest import creer_enfant


def _url(enfant):
    return reverse("autorisations", args=[enfant.pk])


def _types():
    return {t.nom: t for t in TypeAutorisation.objects.all()}


def _donnees(**reponses):
    """reponses: {nom du type: "oui" | "non" | ("oui", "17:30")}."""
    types = _types()
    data = {}
    for nom, valeur in reponses.items():
        t = types[nom]
        if isinstance(valeur, tuple):
            valeur, heure = valeur
            data[f"heure_{t.pk}"] = heure
        data[f"type_{t.pk}"] = valeur
    return data


def test_the_usual_types_exist(db):
    assert list(_types()) == [
        "Droit à l'image",
        "Sortie seul(e)",
        "Soins et hospitalisation d'urgence",
        "Transport (car, bus)",
    ]


def test_it_checks_ownership(client, parent, etranger):
    enfant = creer_enfant(parent.famille)
    client.force_login(etranger.user)
    assert client.get(_url(enfant)).status_code == 404
    assert client.post(_url(enfant), _donnees(**{"Droit à l'image": "oui"})).status_code == 404
    assert not Autorisation.objects.exists()


def test_answers_are_recorded_with_who_and_when(client_parent, parent):
    enfant = creer_enfant(parent.famille, prenom="Léa")
    response = client_parent.post(
        _url(enfant),
        _donnees(**{"Droit à l'image": "non", "Sortie seul(e)": ("oui", "17:30")}),
    )
    assert response.status_code == 302
    reponses = {a.type.nom: a for a in Autorisation.objects.en_vigueur()}
    assert reponses["Droit à l'image"].accordee is False
    assert reponses["Sortie seul(e)"].heure == datetime.time(17, 30)
    assert {a.donnee_par for a in reponses.values()} == {parent}
    assert "Sortie seul(e) : oui, à partir de 17 h 30" in Demande.objects.get().objet
    page = client_parent.get(reverse("ma_famille")).content.decode()
    assert "Droit à l&#x27;image : non" in page


def test_a_new_answer_revokes_the_previous_one_and_keeps_it(client, parent, coparent):
    enfant = creer_enfant(parent.famille)
    client.force_login(parent.user)
    client.post(_url(enfant), _donnees(**{"Droit à l'image": "oui"}))
    client.force_login(coparent.user)
    client.post(_url(enfant), _donnees(**{"Droit à l'image": "non"}))
    ancienne, nouvelle = Autorisation.objects.order_by("pk")
    assert (ancienne.accordee, ancienne.revoquee_par) == (True, coparent)
    assert ancienne.revoquee_le is not None
    assert (nouvelle.accordee, nouvelle.revoquee_le, nouvelle.donnee_par) == (False, None, coparent)
    assert ancienne.history.latest().history_change_reason == "Réponse remplacée par la famille"


def test_the_same_answers_again_write_nothing(client_parent, parent):
    enfant = creer_enfant(parent.famille)
    client_parent.post(_url(enfant), _donnees(**{"Droit à l'image": "oui"}))
    response = client_parent.post(_url(enfant), _donnees(**{"Droit à l'image": "oui"}), follow=True)
    assert "Aucune modification n&#x27;a été faite." in response.content.decode()
    assert Autorisation.objects.count() == 1
    assert Demande.objects.count() == 1


@pytest.mark.parametrize(
    "reponse, message",
    [
        (("oui", ""), "Indiquez à partir de quelle heure."),
        (("oui", "25:00"), "Saisissez une heure valide."),
        ("peut-être", "Sélectionnez un choix valide."),
    ],
)
def test_bad_input_is_refused(client_parent, parent, reponse, message):
    enfant = creer_enfant(parent.famille)
    response = client_parent.post(_url(enfant), _donnees(**{"Sortie seul(e)": reponse}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Autorisation.objects.exists()


def test_a_type_added_by_staff_is_asked_and_a_retired_one_is_not(client_parent, parent):
    TypeAutorisation.objects.create(nom="Baignade", ordre=9)
    TypeAutorisation.objects.filter(nom="Transport (car, bus)").update(active=False)
    html = client_parent.get(_url(creer_enfant(parent.famille))).content.decode()
    assert "Baignade" in html
    assert "Transport (car, bus)" not in html


@pytest.mark.parametrize("nb", [1, 4])
def test_the_page_runs_a_constant_number_of_queries(
    client_parent, parent, django_assert_num_queries, nb
):
    enfant = creer_enfant(parent.famille)
    for i in range(nb):
        client_parent.post(_url(enfant), _donnees(**{"Droit à l'image": "oui" if i % 2 else "non"}))
    # session, user with responsable+famille (comptes/backends.py), enfant, types,
    # answers+types+given by
    with django_assert_num_queries(5):
        response = client_parent.get(_url(enfant))
    assert response.content.decode().count("donnée le") == nb
