"""Mes documents: what is missing, pending, valid, expiring or refused, per household and
per child; giving a document; ownership."""

import datetime
import re
import secrets
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from familles.models import Document, Rattachement
from portail import services
from portail.models import Demande
from tests.conftest import creer_enfant, creer_responsable
from tests.familles.documents_aide import PDF, accepter, creer_type, deposer

URL = reverse("mes_documents")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path
    return settings.MEDIA_ROOT


def _url_depot(type_document, enfant=None):
    if enfant is None:
        return reverse("deposer_document", args=[type_document.pk])
    return reverse("deposer_document_enfant", args=[type_document.pk, enfant.pk])


def _envoyer(client, url, nom="assurance.pdf", contenu=PDF):
    return client.post(
        url, {"fichier": SimpleUploadedFile(nom, contenu), "jeton": secrets.token_urlsafe(24)}
    )


def _ligne(html: str, nom: str) -> str:
    """The table row of a document type (its text, tags removed)."""
    for ligne in re.findall(r"<tr>.*?</tr>", html, re.S):
        texte = " ".join(unescape(re.sub(r"<[^>]+>", " ", ligne)).split())
        if nom in texte:
            return texte
    raise AssertionError(f"pas de ligne « {nom} »")


def test_the_page_says_what_is_missing_pending_valid_expiring_and_refused(
    client_parent, parent, agent
):
    zoe = creer_enfant(parent.famille, "Zoé")
    manquant = creer_type("Certificat médical")
    attente = creer_type("PAI")
    valide = creer_type("Vaccinations", validite="permanente")
    bientot = creer_type(
        "Assurance",
        validite="date",
        valide_jusqu_au=timezone.localdate() + datetime.timedelta(days=10),
    )
    refuse = creer_type("Attestation CAF", portee="famille")
    deposer(parent, attente, zoe)
    accepter(deposer(parent, valide, zoe), agent)
    accepter(deposer(parent, bientot, zoe), agent)
    document = deposer(parent, refuse)
    services.refuser_demande(document.demande_id, agent, "Le document est illisible.")

    html = client_parent.get(URL).content.decode()

    assert "Non fourni" in _ligne(html, manquant.nom)  # not required by an activity
    assert "En attente de vérification" in _ligne(html, attente.nom)
    assert "Valide" in _ligne(html, valide.nom)
    assert "Sans limite de durée" in _ligne(html, valide.nom)
    assert "Expire bientôt" in _ligne(html, bientot.nom)
    assert "Refusé" in _ligne(html, refuse.nom)
    assert "Le document est illisible." in _ligne(html, refuse.nom)
    assert "Pour le foyer" in html and "Pour Zoé" in html


@pytest.mark.parametrize("nb_enfants", [1, 4])
def test_the_page_runs_a_constant_number_of_queries(
    client_parent, parent, agent, django_assert_num_queries, nb_enfants
):
    types = [creer_type(f"Type {i}") for i in range(3)] + [creer_type("Foyer", portee="famille")]
    for i in range(nb_enfants):
        enfant = creer_enfant(parent.famille, f"Enfant{i}")
        for type_document in types[:2]:
            accepter(deposer(parent, type_document, enfant), agent)
    # session, user with responsable (+ famille, comptes/backends.py), children, types,
    # documents (+ requests), requirements
    with django_assert_num_queries(6):
        response = client_parent.get(URL)
    assert response.status_code == 200


def test_giving_a_document_stores_it_under_a_random_name_and_makes_a_request(
    client_parent, parent, media
):
    zoe = creer_enfant(parent.famille, "Zoé")
    assurance = creer_type()
    response = _envoyer(client_parent, _url_depot(assurance, zoe), nom="assurance.exe")
    assert response.status_code == 302
    document = Document.objects.get()
    assert re.fullmatch(r"documents/\d{4}/[A-Za-z0-9_-]{22}\.pdf", document.fichier.name)
    assert (media / document.fichier.name).read_bytes() == PDF
    assert document.enfant == zoe and document.famille == parent.famille
    demande = document.demande
    assert demande.type == Demande.Type.DOCUMENT
    assert demande.objet == "Attestation d'assurance — Zoé"
    assert demande.est_en_attente


@pytest.mark.parametrize(
    ("contenu", "message"),
    [
        (b"GIF89a\x01\x00", "doit être un PDF, une image JPEG ou PNG"),
        (b"", "Le fichier soumis est vide"),
        (b"%PDF-" + b"x" * (5 * 1024 * 1024), "dépasse 5 Mo"),
    ],
)
def test_a_bad_file_gets_a_message_and_writes_nothing(
    client_parent, parent, media, contenu, message
):
    assurance = creer_type(portee="famille")
    response = _envoyer(client_parent, _url_depot(assurance), contenu=contenu)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Document.objects.exists() and not Demande.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]


def test_a_second_file_waits_for_the_first_to_be_checked(client_parent, parent):
    assurance = creer_type(portee="famille")
    deposer(parent, assurance)
    response = _envoyer(client_parent, _url_depot(assurance))
    assert response.status_code == 200
    assert "attend déjà la vérification du service" in response.content.decode()
    assert Document.objects.count() == 1


def test_it_checks_ownership(client, parent, etranger):
    zoe = creer_enfant(parent.famille, "Zoé")
    assurance = creer_type()
    document = deposer(parent, assurance, zoe)
    client.force_login(etranger.user)
    assert client.get(_url_depot(assurance, zoe)).status_code == 404
    assert _envoyer(client, _url_depot(assurance, zoe)).status_code == 404
    assert client.get(reverse("document_fichier", args=[document.pk])).status_code == 404
    assert "Zoé" not in client.get(URL).content.decode()
    assert Document.objects.count() == 1


def test_the_household_downloads_its_own_file(client_parent, parent):
    document = deposer(parent, creer_type(portee="famille"))
    response = client_parent.get(reverse("document_fichier", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    document.refresh_from_db()
    assert document.consulte_le is None  # a parent's download is not the service's check


def test_the_other_household_of_a_separated_family_does_not_see_the_documents(client, parent):
    zoe = creer_enfant(parent.famille, "Zoé")
    autre_foyer = creer_responsable(email="autre@example.org")
    Rattachement.objects.create(enfant=zoe, famille=autre_foyer.famille)
    assurance = creer_type()
    document = deposer(parent, assurance, zoe)
    client.force_login(autre_foyer.user)
    assert "Non fourni" in _ligne(client.get(URL).content.decode(), assurance.nom)
    assert client.get(reverse("document_fichier", args=[document.pk])).status_code == 404
    # …and gives its own.
    assert _envoyer(client, _url_depot(assurance, zoe)).status_code == 302
    assert Document.objects.filter(famille=autre_foyer.famille).count() == 1


def test_a_pending_file_can_be_withdrawn_and_another_given(
    client_parent, parent, media, django_capture_on_commit_callbacks
):
    assurance = creer_type(portee="famille")
    document = deposer(parent, assurance)
    nom = document.fichier.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client_parent.post(reverse("retirer_document", args=[document.pk]))
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.statut == Document.Statut.ANNULE and not document.fichier
    assert document.demande.statut == Demande.Statut.ANNULEE
    assert not (media / nom).exists()
    assert "Non fourni" in _ligne(client_parent.get(URL).content.decode(), assurance.nom)
    assert _envoyer(client_parent, _url_depot(assurance)).status_code == 302


def test_a_checked_file_cannot_be_withdrawn(client_parent, parent, agent):
    document = accepter(deposer(parent, creer_type(portee="famille")), agent)
    response = client_parent.post(reverse("retirer_document", args=[document.pk]), follow=True)
    assert "déjà traité ce document" in response.content.decode()
    document.refresh_from_db()
    assert document.statut == Document.Statut.ACCEPTE and document.fichier


def test_a_stranger_cannot_withdraw_a_document(client, parent, etranger):
    document = deposer(parent, creer_type(portee="famille"))
    client.force_login(etranger.user)
    assert client.post(reverse("retirer_document", args=[document.pk])).status_code == 404
    document.refresh_from_db()
    assert document.statut == Document.Statut.EN_ATTENTE
