import datetime

from django.urls import reverse

from inscriptions import services
from tests.conftest import creer_enfant
from tests.inscriptions.conftest import PARIS


def _url(enfant):
    return reverse("choisir_activite", args=[enfant.pk])


def test_it_checks_ownership(client, parent, etranger, activite):
    enfant = creer_enfant(parent.famille)
    client.force_login(etranger.user)
    assert client.get(_url(enfant)).status_code == 404


def test_it_offers_eligible_activities_and_says_why_not_the_others(
    client_parent, parent, creer_activite
):
    enfant = creer_enfant(parent.famille, prenom="Léa", classe="ce1")
    ouverte = creer_activite(nom="Cantine")
    creer_activite(nom="Études du soir", niveaux=["cm1", "cm2"])
    creer_activite(
        nom="Séjour d'hiver", fermeture_inscriptions=datetime.datetime(2026, 11, 1, tzinfo=PARIS)
    )
    deja = creer_activite(nom="Mercredis")
    services.demander_inscription(
        parent, enfant, deja, datetime.date(2026, 12, 2), datetime.date(2027, 7, 3)
    )
    html = client_parent.get(_url(enfant)).content.decode()
    assert reverse("inscrire", args=[enfant.pk, ouverte.pk]) in html
    assert "Réservée aux classes suivantes : CM1, CM2." in html
    assert "Les inscriptions sont closes depuis le 1 novembre 2026" in html
    assert "Léa est déjà inscrit(e) à cette activité." in html
    assert html.count("S'inscrire<span") == 1
