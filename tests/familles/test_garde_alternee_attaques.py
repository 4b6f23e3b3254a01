"""Garde alternée attacked (issue 10): what the other household, or a stranger, can send
to the invitation and the link pages. Each test is a hole found by hand, then closed."""

import pytest
from django.core import mail
from django.urls import reverse

from familles import second_foyer
from familles.models import InvitationSecondFoyer
from portail import services as services_portail
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


def test_the_acceptance_email_to_the_inviting_household_is_correct_french(
    parent, etranger, agent, lea, executer_taches, django_capture_on_commit_callbacks
):
    # « Le service a rattaché Léa » : after « a », the participle does not agree with a
    # direct object that follows it (it read « a rattachée Léa »).
    invitation = second_foyer.inviter_autre_parent(
        parent, lea, etranger.user.email, {"garde": "semaines", "semaines": "paires"}
    )
    jeton = "connu"
    InvitationSecondFoyer.objects.filter(pk=invitation.pk).update(
        jeton_hash=second_foyer._empreinte(jeton)
    )
    demande = second_foyer.demander_rattachement(jeton, etranger)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services_portail.accepter_demande(demande.pk, agent)
    executer_taches()
    (corps,) = [m.body for m in mail.outbox if m.to == [parent.user.email]]
    assert "Le service enfance a rattaché Léa Martin au foyer de l'autre parent" in corps
    assert "a rattachée" not in corps
