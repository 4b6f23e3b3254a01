"""A new enrolment or an attestation request sent twice does one thing."""

import datetime
import re

import pytest
from django.urls import reverse

from comptes.services.jetons import nouveau_jeton
from inscriptions import services
from inscriptions.models import Attestation, Inscription
from portail.models import Demande
from tests.conftest import creer_enfant


def test_the_same_enrolment_form_sent_twice_makes_one_request(client_parent, parent, activite):
    enfant = creer_enfant(parent.famille)
    url = reverse("inscrire", args=[enfant.pk, activite.pk])
    donnees = {"date_debut": "2026-12-01", "date_fin": "2027-07-03", "jeton": nouveau_jeton()}
    client_parent.post(url, donnees)
    response = client_parent.post(url, donnees, follow=True)
    inscription = Inscription.objects.get()
    assert response.redirect_chain[-1][0] == reverse("inscription_detail", args=[inscription.pk])
    html = response.content.decode()
    assert "Cette demande a déjà été enregistrée." in html
    assert "déjà inscrit" not in html
    assert Demande.objects.filter(type=Demande.Type.INSCRIPTION).count() == 1


@pytest.fixture
def inscription(parent, creer_activite):
    activite = creer_activite(validation="automatique", attestation_automatique=True)
    return services.demander_inscription(
        parent,
        creer_enfant(parent.famille),
        activite,
        datetime.date(2026, 12, 1),
        datetime.date(2027, 7, 3),
    )


def test_an_automatic_attestation_requested_twice_is_issued_once(client_parent, inscription):
    url = reverse("demander_attestation", args=[inscription.pk])
    donnees = {"jeton": nouveau_jeton()}
    client_parent.post(url, donnees)
    response = client_parent.post(url, donnees, follow=True)
    assert Attestation.objects.filter(inscription=inscription).count() == 1
    assert Demande.objects.filter(type=Demande.Type.ATTESTATION).count() == 1
    assert "Cette demande a déjà été enregistrée." in response.content.decode()
    # The page's button carries a token of its own.
    detail = client_parent.get(reverse("inscription_detail", args=[inscription.pk]))
    assert re.search(r'name="jeton" value="[A-Za-z0-9_-]{32}"', detail.content.decode())


def test_an_attestation_request_without_token_does_nothing(client_parent, inscription):
    url = reverse("demander_attestation", args=[inscription.pk])
    response = client_parent.post(url, follow=True)
    assert "Ce formulaire a expiré" in response.content.decode()
    assert not Demande.objects.filter(type=Demande.Type.ATTESTATION).exists()
