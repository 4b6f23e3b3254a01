"""Documents in the household's export, erased with the account and after their
retention period."""

import datetime
import json

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from familles.models import Document
from portail import rgpd
from tests.conftest import creer_enfant
from tests.familles.documents_aide import accepter, creer_type, deposer


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_export_lists_the_households_documents_only(client_parent, parent, etranger):
    assurance = creer_type("Assurance")
    deposer(parent, assurance, creer_enfant(parent.famille, "Léa"))
    deposer(etranger, assurance, creer_enfant(etranger.famille, "Intrus"))
    donnees = json.loads(client_parent.get(reverse("mes_donnees_json")).content)
    section = next(s for s in donnees["sections"] if s["titre"].startswith("Documents"))
    assert len(section["elements"]) == 1
    element = section["elements"][0]
    assert element["type"] == "Assurance" and element["enfant"] == "Léa Test"
    assert element["statut"] == "En attente de vérification"
    assert element["fichier"].endswith(".pdf")
    assert "Intrus" not in json.dumps(donnees, ensure_ascii=False)


def test_closing_the_account_erases_documents_files_and_their_history(
    parent, agent, django_capture_on_commit_callbacks
):
    document = accepter(deposer(parent, creer_type(), creer_enfant(parent.famille)), agent)
    nom = document.fichier.name
    assert default_storage.exists(nom)
    with django_capture_on_commit_callbacks(execute=True):
        bilan = rgpd.anonymiser_famille(parent.famille, agent)
    assert bilan.fichiers_supprimes == 1
    assert not Document.objects.exists()
    assert not Document.history.exists()
    assert not default_storage.exists(nom)


def test_documents_expired_for_a_year_are_erased_and_valid_ones_kept(
    parent, agent, django_capture_on_commit_callbacks
):
    enfant = creer_enfant(parent.famille)
    expire = accepter(
        deposer(
            parent,
            creer_type("Ancien", validite="date", valide_jusqu_au=datetime.date(2025, 8, 31)),
            enfant,
        ),
        agent,
    )
    garde = accepter(deposer(parent, creer_type("Permanent", validite="permanente"), enfant), agent)
    with django_capture_on_commit_callbacks(execute=True):
        compte = rgpd.purger()
    assert compte["documents"] == 1
    assert list(Document.objects.all()) == [garde]
    assert not default_storage.exists(expire.fichier.name)
    assert default_storage.exists(garde.fichier.name)
