"""The income declaration sent twice makes one declaration and one request; a refused one
writes nothing at all."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from comptes.models import Facture, Paiement, Revenu
from comptes.services import finances
from comptes.services.jetons import nouveau_jeton
from portail.models import Demande
from tests.finances.aide import jour as _jour
from tests.finances.aide import tarif as _tarif

URL = reverse("declarer_revenus")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _donnees(jeton, **extra):
    return {
        "annee": "2025",
        "montant_annuel": "31 200",
        "justificatif": SimpleUploadedFile("avis.pdf", b"%PDF-1.4 avis"),
        "jeton": jeton,
        **extra,
    }


def _fichiers(racine):
    return [p for p in racine.rglob("*") if p.is_file()]


def test_the_same_declaration_sent_twice_is_recorded_once(client_parent, parent, media):
    jeton = nouveau_jeton()
    assert client_parent.post(URL, _donnees(jeton)).status_code == 302
    response = client_parent.post(URL, _donnees(jeton), follow=True)
    assert Revenu.objects.count() == 1
    assert Demande.objects.filter(type=Demande.Type.REVENUS).count() == 1
    assert len(_fichiers(media)) == 1  # the second proof was not stored either
    assert response.redirect_chain[-1][0] == reverse("mon_compte")
    assert "Cette demande a déjà été enregistrée." in response.content.decode()


@pytest.mark.parametrize(
    "erreur, message",
    [
        ({"montant_annuel": "-5"}, "ne peut pas être négatif"),
        ({"montant_annuel": "99999999"}, "trop élevé"),
        ({"annee": "1999"}, "Sélectionnez un choix valide"),
        (
            {"justificatif": SimpleUploadedFile("avis.pdf", b"<html>pas un PDF")},
            "doit être un PDF",
        ),
    ],
)
def test_a_refused_declaration_writes_nothing(client_parent, parent, media, erreur, message):
    jeton = nouveau_jeton()
    response = client_parent.post(URL, _donnees(jeton, **erreur))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Revenu.objects.exists()
    assert not Demande.objects.exists()
    assert _fichiers(media) == []
    # Corrected and sent again with the same form: recorded.
    assert client_parent.post(URL, _donnees(jeton)).status_code == 302
    assert Revenu.objects.count() == 1 and Demande.objects.count() == 1


@pytest.fixture
def facture(parent, cantine, inscription):
    _tarif(cantine)
    for jour in (1, 2, 5):
        _jour(inscription, datetime.date(2026, 10, jour))
    finances.facturer_mois(datetime.date(2026, 10, 1))
    return Facture.objects.get()


def test_a_counter_payment_sent_twice_is_recorded_once(client_agent, parent, facture):
    donnees = {
        "famille": parent.famille.pk,
        "facture": facture.pk,
        "montant": "2",
        "mode": "cheque",
        "date": "27/11/2026",
        "jeton": nouveau_jeton(),
    }
    client_agent.post(reverse("admin:comptes_paiement_add"), donnees)
    response = client_agent.post(reverse("admin:comptes_paiement_add"), donnees, follow=True)
    assert Paiement.objects.count() == 1
    assert "Cette demande a déjà été enregistrée." in response.content.decode()


def test_a_credit_note_sent_twice_is_issued_once(client_agent, facture):
    url = reverse("admin:comptes_facture_avoir", args=[facture.pk])
    donnees = {"montant": "1", "motif": "Repas non servi", "jeton": nouveau_jeton()}
    client_agent.post(url, donnees)
    response = client_agent.post(url, donnees, follow=True)
    avoir = Facture.objects.get(facture_origine=facture)
    assert response.redirect_chain[-1][0] == reverse(
        "admin:comptes_facture_change", args=[avoir.pk]
    )
    assert "Cette demande a déjà été enregistrée." in response.content.decode()
