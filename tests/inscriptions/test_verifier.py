import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from inscriptions import services
from inscriptions.views import VERIFICATIONS_PAR_MINUTE
from tests.conftest import creer_enfant

URL = reverse("verifier")


@pytest.fixture(autouse=True)
def cache_vide():
    cache.clear()


@pytest.fixture
def attestation(parent, agent, activite):
    enfant = creer_enfant(parent.famille, prenom="Léa", nom="Martin")
    inscription = services.demander_inscription(
        parent, enfant, activite, datetime.date(2026, 12, 1), datetime.date(2027, 7, 3)
    )
    services.valider_inscription(inscription.pk, agent)
    return services.emettre_pour_inscription(inscription.pk, agent)


def test_the_page_is_public(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    assert "Code de vérification" in response.content.decode()


def test_a_valid_code_shows_only_what_the_certificate_says(client, parent, attestation):
    code = attestation.code_verification.lower().replace("-", " ")
    html = client.get(URL, {"code": code}).content.decode()
    assert "Attestation authentique" in html
    assert "Léa Martin" in html and html.count("Restauration scolaire") == 1
    assert "parent@example.org" not in html
    assert parent.famille.nom not in html


@pytest.mark.parametrize("code", ["ABCD-EFGH-JKLM", "pas un code", "0000-0000-0000"])
def test_an_unknown_code_says_inconnu(client, attestation, code):
    html = client.get(URL, {"code": code}).content.decode()
    assert "Code inconnu" in html
    assert "Léa" not in html


def test_guessing_is_rate_limited(client, attestation):
    for _ in range(VERIFICATIONS_PAR_MINUTE):
        client.get(URL, {"code": "ABCD-EFGH-JKLM"})
    response = client.get(URL, {"code": attestation.code_verification})
    assert response.status_code == 429
    assert "Léa" not in response.content.decode()
