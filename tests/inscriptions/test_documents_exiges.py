"""An activity that requires documents: the enrolment form and its confirmation warn the
parent of what is missing; "Mes documents" says which activity requires it."""

from django.contrib.messages import get_messages
from django.urls import reverse

from comptes.services.jetons import nouveau_jeton
from inscriptions.models import Inscription
from tests.conftest import creer_enfant
from tests.familles.documents_aide import accepter, creer_type, deposer


def _url(enfant, activite):
    return reverse("inscrire", args=[enfant.pk, activite.pk])


def test_the_form_warns_of_a_missing_required_document(client_parent, parent, activite):
    enfant = creer_enfant(parent.famille, "Zoé")
    activite.documents_requis.add(creer_type("Assurance extrascolaire"))
    html = client_parent.get(_url(enfant, activite)).content.decode()
    assert "Document exigé pour cette activité" in html
    assert "Assurance extrascolaire de Zoé : manquant" in html


def test_no_warning_once_the_document_is_accepted(client_parent, parent, agent, activite):
    enfant = creer_enfant(parent.famille, "Zoé")
    assurance = creer_type("Assurance extrascolaire")
    activite.documents_requis.add(assurance)
    accepter(deposer(parent, assurance, enfant), agent)
    html = client_parent.get(_url(enfant, activite)).content.decode()
    assert "exigé pour cette activité" not in html


def test_the_request_is_taken_and_the_parent_is_warned(client_parent, parent, activite):
    enfant = creer_enfant(parent.famille, "Zoé")
    activite.documents_requis.add(creer_type("Assurance"), creer_type("CAF", portee="famille"))
    response = client_parent.post(
        _url(enfant, activite),
        {"date_debut": "2026-12-01", "date_fin": "2027-07-03", "jeton": nouveau_jeton()},
    )
    assert response.status_code == 302
    assert Inscription.objects.count() == 1
    textes = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(
        "exige des documents que le service n'a pas encore acceptés : « Assurance », « CAF »" in t
        for t in textes
    )


def test_mes_documents_names_the_activity_that_requires_it(client_parent, parent, creer_activite):
    enfant = creer_enfant(parent.famille, "Zoé")
    assurance = creer_type("Assurance extrascolaire")
    activite = creer_activite(nom="Centre de loisirs")
    activite.documents_requis.add(assurance)
    Inscription.objects.create(
        enfant=enfant,
        famille=parent.famille,
        activite=activite,
        date_debut=activite.periode.debut,
        date_fin=activite.periode.fin,
        statut=Inscription.Statut.VALIDEE,
    )
    html = client_parent.get(reverse("mes_documents")).content.decode()
    assert "Exigé pour : Centre de loisirs" in html
    assert "✗ Manquant" in html
