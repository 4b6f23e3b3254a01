"""Garde alternée attacked (issue 10): what the other household, or a stranger, can send
to the invitation and the link pages. Each test is a hole found by hand, then closed."""

import pytest
from django.urls import reverse

from familles.models import InvitationSecondFoyer
from tests.conftest import creer_enfant


@pytest.fixture
def lea(parent):
    return creer_enfant(parent.famille, prenom="Léa", nom="Martin")


def test_an_invitation_leaving_no_weekday_to_the_other_household_is_refused(client_parent, lea):
    # Every weekday ticked for the inviting household: the other one would get none, and
    # staff could never accept the request it makes. Refused in French, nothing sent.
    response = client_parent.post(
        reverse("inviter_autre_parent", args=[lea.pk]),
        {"email": "pere@example.org", "garde": "jours", "jours": [str(j) for j in range(7)]},
    )
    assert response.status_code == 200
    assert "Laissez au moins un jour de la semaine à l&#x27;autre foyer" in (
        response.content.decode()
    )
    assert not InvitationSecondFoyer.objects.exists()
