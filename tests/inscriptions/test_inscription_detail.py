import datetime

from django.urls import reverse

from inscriptions import services
from tests.conftest import creer_enfant


def _inscription(parent, activite):
    return services.demander_inscription(
        parent,
        creer_enfant(parent.famille),
        activite,
        datetime.date(2026, 12, 1),
        datetime.date(2027, 7, 3),
    )


def test_it_checks_ownership(client, parent, etranger, activite):
    inscription = _inscription(parent, activite)
    client.force_login(etranger.user)
    assert client.get(reverse("inscription_detail", args=[inscription.pk])).status_code == 404


def test_the_other_parent_sees_it(client, parent, coparent, activite):
    inscription = _inscription(parent, activite)
    client.force_login(coparent.user)
    response = client.get(reverse("inscription_detail", args=[inscription.pk]))
    assert response.status_code == 200


def test_a_pending_enrolment_offers_no_attestation_yet(client_parent, parent, activite):
    inscription = _inscription(parent, activite)
    html = client_parent.get(reverse("inscription_detail", args=[inscription.pk])).content.decode()
    assert "En attente de validation" in html
    assert reverse("demander_attestation", args=[inscription.pk]) not in html
    assert "une fois l'inscription validée" in html


def test_a_validated_enrolment_offers_the_attestation(client_parent, parent, agent, activite):
    inscription = _inscription(parent, activite)
    services.valider_inscription(inscription.pk, agent)
    html = client_parent.get(reverse("inscription_detail", args=[inscription.pk])).content.decode()
    assert reverse("demander_attestation", args=[inscription.pk]) in html
    assert "Réservations" in html


def test_a_family_withdraws_a_pending_request(client_parent, parent, activite):
    from inscriptions.models import Inscription
    from portail.models import Demande

    inscription = _inscription(parent, activite)
    response = client_parent.post(reverse("retirer_demande", args=[inscription.pk]), follow=True)
    assert "Votre demande est retirée." in response.content.decode()
    inscription.refresh_from_db()
    assert inscription.statut == Inscription.Statut.ANNULEE
    assert Demande.objects.get(inscription=inscription).statut == Demande.Statut.ANNULEE
    # The child may be enrolled again.
    assert _inscription(parent, activite).statut == Inscription.Statut.EN_ATTENTE


def test_a_validated_enrolment_cannot_be_withdrawn_by_the_family(
    client_parent, parent, agent, activite
):
    inscription = _inscription(parent, activite)
    services.valider_inscription(inscription.pk, agent)
    response = client_parent.post(reverse("retirer_demande", args=[inscription.pk]), follow=True)
    assert "adressez-vous au service" in response.content.decode()
    inscription.refresh_from_db()
    assert inscription.est_validee


def test_withdrawing_checks_ownership(client, parent, etranger, activite):
    inscription = _inscription(parent, activite)
    client.force_login(etranger.user)
    assert client.post(reverse("retirer_demande", args=[inscription.pk])).status_code == 404
    inscription.refresh_from_db()
    assert inscription.est_a_decider
