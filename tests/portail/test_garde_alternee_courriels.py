"""Garde alternée, e-mails: a decision on household A's enrolment, booking, absence,
attestation or invoice is written to A's responsables only, never to the other household
of the same child."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from comptes.models import Facture
from comptes.services import finances
from inscriptions import services as services_inscriptions
from inscriptions.models import Inscription
from portail import services as services_portail
from portail.models import Demande
from reservations import absences
from reservations import services as services_reservations
from tests.conftest import creer_responsable
from tests.finances.aide import jour as _jour
from tests.finances.aide import tarif as _tarif
from tests.finances.garde_alternee import deux_foyers
from tests.inscriptions.conftest import PARIS
from tests.reservations.conftest import *  # noqa: F403 - frozen clock, canteen

D = datetime.date
AVANT = datetime.datetime(2026, 11, 20, 9, tzinfo=PARIS)
PDF = b"%PDF-1.4 certificat medical"


@pytest.fixture
def foyers(cantine):
    f = deux_foyers(cantine)
    # A's second parent gets A's mail too; B's second parent never does.
    f.coparent_a = creer_responsable(famille=f.a.famille, email="belle-mere@example.org")
    f.coparent_b = creer_responsable(famille=f.b.famille, email="beau-pere@example.org")
    return f


@pytest.fixture
def destinataires(executer_taches, django_capture_on_commit_callbacks):
    """Runs a decision, then the worker: the addresses written to."""

    def envoyer(decision) -> set[str]:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            decision()
        # A task may queue the e-mails (invoices): they are sent by the next run.
        while True:
            with django_capture_on_commit_callbacks(execute=True):
                if not executer_taches():
                    break
        return {adresse for m in mail.outbox for adresse in m.to}

    return envoyer


def _foyer_a(f) -> set[str]:
    return {f.a.user.email, f.coparent_a.user.email}


def test_the_enrolment_decision_goes_to_its_household(agent, foyers, destinataires):
    Inscription.objects.filter(pk=foyers.inscription_a.pk).update(
        statut=Inscription.Statut.EN_ATTENTE
    )
    envoyes = destinataires(
        lambda: services_inscriptions.valider_inscription(foyers.inscription_a.pk, agent)
    )
    assert envoyes == _foyer_a(foyers)


def test_a_booking_decision_goes_to_its_household(agent, foyers, cantine, destinataires):
    parametres = cantine.parametres_reservation
    parametres.validation_requise = True
    parametres.save()
    services_reservations.reserver(foyers.inscription_a, [D(2026, 12, 3)], maintenant=AVANT)
    demande = Demande.objects.get(famille=foyers.a.famille, statut=Demande.Statut.EN_ATTENTE)
    envoyes = destinataires(lambda: services_portail.accepter_demande(demande.pk, agent))
    assert envoyes == _foyer_a(foyers)


def test_the_certificate_decision_goes_to_its_household(agent, foyers, destinataires):
    services_reservations.reserver(foyers.inscription_a, [D(2026, 11, 30)], maintenant=AVANT)
    absences.signaler(
        foyers.inscription_a,
        [D(2026, 11, 30)],
        "maladie",
        SimpleUploadedFile("certificat.pdf", PDF, content_type="application/pdf"),
        demandeur=foyers.a,
    )
    demande = Demande.objects.get(famille=foyers.a.famille, statut=Demande.Statut.EN_ATTENTE)
    envoyes = destinataires(lambda: services_portail.accepter_demande(demande.pk, agent))
    assert envoyes == _foyer_a(foyers)


def test_the_attestation_goes_to_its_household(agent, foyers, destinataires):
    demande = services_inscriptions.demander_attestation(foyers.a, foyers.inscription_a)
    envoyes = destinataires(lambda: services_portail.accepter_demande(demande.pk, agent))
    assert envoyes == _foyer_a(foyers)


def test_each_invoice_goes_to_its_own_household(cantine, foyers, destinataires):
    _tarif(cantine)
    _jour(foyers.inscription_a, D(2026, 10, 1))
    _jour(foyers.inscription_b, D(2026, 10, 8))
    envoyes = destinataires(lambda: finances.facturer_mois(D(2026, 10, 1)))
    assert envoyes == _foyer_a(foyers) | {foyers.b.user.email, foyers.coparent_b.user.email}
    facture_a = Facture.objects.get(famille=foyers.a.famille)
    facture_b = Facture.objects.get(famille=foyers.b.famille)
    for message in mail.outbox:
        a_qui = message.to[0]
        attendue, autre = (
            (facture_a, facture_b) if a_qui in _foyer_a(foyers) else (facture_b, facture_a)
        )
        assert attendue.numero in message.body and autre.numero not in message.body
