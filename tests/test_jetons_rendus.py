"""Every create form a person sees carries its one-time token: a form that forgot to
render it can never be submitted (the enrolment form once did exactly that)."""

import re

from django.urls import reverse

from inscriptions.models import Inscription
from tests.conftest import creer_enfant
from tests.inscriptions.conftest import *  # noqa: F403 - frozen clock, season, activity


def _jetons(html: str) -> list[str]:
    return re.findall(r'<input[^>]*name="jeton"[^>]*value="([^"]+)"', html) + re.findall(
        r'<input[^>]*value="([^"]+)"[^>]*name="jeton"', html
    )


def test_the_enrolment_form_renders_its_token_and_can_be_sent_as_shown(
    client_parent, parent, activite
):
    enfant = creer_enfant(parent.famille)
    url = reverse("inscrire", args=[enfant.pk, activite.pk])
    (jeton,) = _jetons(client_parent.get(url).content.decode())
    donnees = {"date_debut": "2026-12-01", "date_fin": "2027-07-03", "jeton": jeton}
    assert client_parent.post(url, donnees).status_code == 302
    assert Inscription.objects.filter(enfant=enfant).count() == 1


def test_every_parent_create_form_renders_its_token(client_parent, parent):
    for nom in ("enfant_ajouter", "declarer_revenus"):
        html = client_parent.get(reverse(nom)).content.decode()
        assert len(_jetons(html)) == 1, nom
