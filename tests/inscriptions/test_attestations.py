import datetime
import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from pypdf import PdfReader

from comptes.services.jetons import nouveau_jeton
from inscriptions import services
from inscriptions.models import Attestation
from inscriptions.pdf import activite_nommee
from portail import services as portail_services
from portail.models import Demande
from tests.conftest import creer_enfant


@pytest.fixture
def inscription(parent, agent, activite):
    enfant = creer_enfant(
        parent.famille, prenom="Léa", nom="Martin", date_naissance=datetime.date(2019, 3, 14)
    )
    inscription = services.demander_inscription(
        parent, enfant, activite, datetime.date(2026, 12, 1), datetime.date(2027, 7, 3)
    )
    services.valider_inscription(inscription.pk, agent)
    inscription.refresh_from_db()
    return inscription


def _texte(response) -> str:
    contenu = b"".join(response.streaming_content)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(contenu)).pages)


def test_a_pending_enrolment_gets_no_attestation(client_parent, parent, activite):
    enfant = creer_enfant(parent.famille)
    inscription = services.demander_inscription(
        parent, enfant, activite, datetime.date(2026, 12, 1), datetime.date(2027, 7, 3)
    )
    response = client_parent.post(
        reverse("demander_attestation", args=[inscription.pk]),
        {"jeton": nouveau_jeton()},
        follow=True,
    )
    assert "ne peut être demandée que pour une inscription validée" in response.content.decode()
    assert not Demande.objects.filter(type=Demande.Type.ATTESTATION).exists()


def test_the_request_shows_on_the_dashboard_and_cannot_be_doubled(client_parent, inscription):
    url = reverse("demander_attestation", args=[inscription.pk])
    client_parent.post(url, {"jeton": nouveau_jeton()})
    # Sent again from another page load (a new token): the service still says no.
    response = client_parent.post(url, {"jeton": nouveau_jeton()}, follow=True)
    assert "déjà en cours" in response.content.decode()
    assert Demande.objects.filter(type=Demande.Type.ATTESTATION).count() == 1
    html = client_parent.get(reverse("tableau_de_bord")).content.decode()
    assert "Attestation d&#x27;inscription" in html


def test_staff_issue_it_and_the_pdf_says_what_it_certifies(
    client, client_parent, parent, agent, inscription, django_capture_on_commit_callbacks
):
    client_parent.post(
        reverse("demander_attestation", args=[inscription.pk]), {"jeton": nouveau_jeton()}
    )
    demande = Demande.objects.get(type=Demande.Type.ATTESTATION)
    with django_capture_on_commit_callbacks(execute=True):
        portail_services.accepter_demande(demande.pk, agent)
    attestation = Attestation.objects.get()
    response = client_parent.get(reverse("attestation_pdf", args=[attestation.pk]))
    assert response["Content-Type"] == "application/pdf"
    attestation.refresh_from_db()
    assert attestation.pdf  # rendered once, then stored
    texte = _texte(response)
    for attendu in (
        "Ville de Belleville-sur-Loire",
        "Léa Martin",
        "14 mars 2019",
        "Restauration scolaire",
        "École Jules Ferry",
        "Année scolaire 2026-2027",
        "du 1 décembre 2026 au 3 juillet 2027",
        attestation.numero,
        attestation.code_verification,
        "27 novembre 2026",
        f"/verifier/?code={attestation.code_verification}",
        "Née le",  # Léa's recorded sex, no "Né(e)"
        "est inscrite à l'activité",
    ):
        assert attendu in texte, attendu
    # The activity is named once, not "Restauration scolaire (Restauration scolaire)".
    assert texte.count("Restauration scolaire") == 1


def test_the_activity_type_is_added_only_when_the_name_does_not_say_it():
    assert activite_nommee("Restauration scolaire", "Restauration scolaire") == (
        "Restauration scolaire"
    )
    assert activite_nommee(
        "Accueil de loisirs du mercredi — été", "Accueil de loisirs du mercredi"
    ) == ("Accueil de loisirs du mercredi — été")
    assert activite_nommee("Multi-accueil", "Petite enfance") == "Multi-accueil (petite enfance)"


def test_an_issued_attestation_never_changes(client_parent, parent, agent, inscription):
    attestation = services.emettre_pour_inscription(inscription.pk, agent)
    enfant = inscription.enfant
    enfant.prenom = "Léonie"
    enfant.save()
    texte = _texte(client_parent.get(reverse("attestation_pdf", args=[attestation.pk])))
    assert "Léa Martin" in texte and "Léonie" not in texte
    html = client_parent.get(reverse("verifier"), {"code": attestation.code_verification})
    assert "Léa Martin" in html.content.decode()


def test_it_is_issued_at_once_when_the_activity_says_so(client_parent, inscription):
    activite = inscription.activite
    activite.attestation_automatique = True
    activite.save()
    response = client_parent.post(
        reverse("demander_attestation", args=[inscription.pk]),
        {"jeton": nouveau_jeton()},
        follow=True,
    )
    assert "Votre attestation est prête" in response.content.decode()
    assert Attestation.objects.filter(inscription=inscription).count() == 1
    assert Demande.objects.get(type=Demande.Type.ATTESTATION).statut == Demande.Statut.ACCEPTEE


def test_it_checks_ownership(client, etranger, agent, inscription):
    attestation = services.emettre_pour_inscription(inscription.pk, agent)
    client.force_login(etranger.user)
    assert client.get(reverse("attestation_pdf", args=[attestation.pk])).status_code == 404
    assert client.get(reverse("inscription_detail", args=[inscription.pk])).status_code == 404
    response = client.post(
        reverse("demander_attestation", args=[inscription.pk]), {"jeton": nouveau_jeton()}
    )
    assert response.status_code == 404
    assert not Demande.objects.filter(type=Demande.Type.ATTESTATION).exists()


def test_staff_issue_from_the_enrolment_list(client_agent, inscription):
    client_agent.post(reverse("demander_attestation", args=[inscription.pk]))  # not a parent
    response = client_agent.post(
        reverse("admin:inscriptions_inscription_changelist"),
        {"action": "emettre_attestation", ACTION_CHECKBOX_NAME: [inscription.pk]},
        follow=True,
    )
    assert "1 attestation émise ; la famille" in response.content.decode()
    attestation = Attestation.objects.get()
    assert attestation.numero.startswith("A2026-")
    pdf = client_agent.get(reverse("admin:inscriptions_attestation_pdf", args=[attestation.pk]))
    assert attestation.numero in _texte(pdf)


def test_issuing_twice_gives_the_same_certificate(agent, inscription):
    premiere = services.emettre_pour_inscription(inscription.pk, agent)
    seconde = services.emettre_pour_inscription(inscription.pk, agent)
    assert premiere.pk == seconde.pk
    assert Attestation.objects.count() == 1
