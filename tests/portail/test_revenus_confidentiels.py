"""Incomes are for the roles that may read comptes.Revenu (Gestionnaire, Régisseur): the
reception desk (Agent d'accueil) works the same queue and households without ever seeing
a declared amount or a quotient."""

import importlib

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from comptes.services import finances
from portail.models import Demande
from portail.roles import AGENT_ACCUEIL
from tests.conftest import creer_agent

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
# The declared 32 123,45 € and a CAF quotient of 987,65 €, however a page writes them.
MONTANTS = ("123,45", "123.45", "987,65", "987.65")


@pytest.fixture
def demande(parent):
    fichier = SimpleUploadedFile("avis.pdf", PDF, content_type="application/pdf")
    demande = finances.declarer_revenus(parent, 2025, "32123,45", fichier).demande
    finances.saisir_quotient_caf(parent.famille, "987,65", None)
    return demande


@pytest.fixture
def accueil(client, db):
    client.force_login(creer_agent("accueil@example.org", AGENT_ACCUEIL))
    return client


def _pages(demande):
    version = Demande.history.filter(id=demande.pk).latest("history_id")
    famille = demande.famille_id
    liste = reverse("admin:portail_demande_changelist")
    return [
        reverse("admin:index"),
        liste,
        f"{liste}?statut=toutes",
        f"{liste}?type__exact=revenus",
        f"{liste}?q=2025",
        f"{liste}?q=32",
        reverse("admin:portail_demande_change", args=[demande.pk]),
        reverse("admin:portail_demande_history", args=[demande.pk]),
        reverse("admin:portail_demande_simple_history", args=[demande.pk, version.history_id]),
        reverse("admin:portail_demande_refuser", args=[demande.pk]),
        reverse("admin:familles_famille_changelist"),
        reverse("admin:familles_famille_change", args=[famille]),
        reverse("admin:familles_famille_history", args=[famille]),
    ]


def test_the_reception_desk_never_reads_an_amount(accueil, demande):
    # A declaration made before the fix kept the amount in its data (and its history).
    Demande.history.filter(id=demande.pk).update(donnees={"annee": 2025, "montant": "32123.45"})
    for url in _pages(demande):
        response = accueil.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not [m for m in MONTANTS if m in html], url
    # The request is there, named without its amount, and its proof said to be joined.
    html = accueil.get(reverse("admin:portail_demande_changelist")).content.decode()
    assert "Revenus 2025 à vérifier" in html
    assert "justificatif joint (réservé aux agents qui voient les revenus)" in html
    version = Demande.history.filter(id=demande.pk).latest("history_id")
    html = accueil.get(
        reverse("admin:portail_demande_simple_history", args=[demande.pk, version.history_id])
    ).content.decode()
    assert "(masqué pour votre rôle)" in html
    # Neither the proof nor the money pages open for this role.
    assert accueil.get(reverse("justificatif_revenus", args=[demande.revenu.pk])).status_code == 404
    assert accueil.get(reverse("admin:comptes_revenu_changelist")).status_code == 403


def test_the_money_roles_still_see_the_amount(client_agent, demande):
    html = client_agent.get(
        reverse("admin:portail_demande_change", args=[demande.pk])
    ).content.decode()
    assert "Ouvrir le justificatif</a> (revenus 2025 : 32" in html and "123,45" in html
    version = Demande.history.filter(id=demande.pk).latest("history_id")
    html = client_agent.get(
        reverse("admin:portail_demande_simple_history", args=[demande.pk, version.history_id])
    ).content.decode()
    assert "2025" in html and "(masqué pour votre rôle)" not in html


def test_the_household_still_reads_its_own_amount(client_parent, demande):
    html = client_parent.get(reverse("tableau_de_bord")).content.decode()
    assert "Revenus 2025 : 32" in html and "123,45" in html
    assert "à vérifier" not in html


def test_the_migration_takes_the_amount_out_of_the_objet(demande):
    Demande.objects.filter(pk=demande.pk).update(objet="Revenus 2024 : 18 000,00 €")
    Demande.history.filter(id=demande.pk).update(objet="Revenus 2024 : 18 000,00 €")
    autre = Demande.objects.create(
        famille=demande.famille, type=Demande.Type.COORDONNEES, objet="Revenus 2024 : adresse"
    )
    migration = importlib.import_module("portail.migrations.0012_objet_des_revenus_sans_montant")
    migration.retirer_les_montants(apps, None)
    demande.refresh_from_db()
    assert demande.objet == "Revenus 2024 à vérifier"
    assert set(Demande.history.filter(id=demande.pk).values_list("objet", flat=True)) == {
        "Revenus 2024 à vérifier"
    }
    autre.refresh_from_db()
    assert autre.objet == "Revenus 2024 : adresse"  # another type is left alone


def test_the_reception_desk_is_not_offered_a_decision_it_cannot_take(accueil, agent, demande):
    liste = reverse("admin:portail_demande_changelist")
    html = accueil.get(liste).content.decode()
    assert "décidée par un autre service" in html
    assert reverse("admin:portail_demande_refuser", args=[demande.pk]) not in html
    # The Gestionnaire decides it from the list as before.
    gestionnaire = Client()
    gestionnaire.force_login(agent)
    html = gestionnaire.get(liste).content.decode()
    assert reverse("admin:portail_demande_refuser", args=[demande.pk]) in html
    assert "décidée par un autre service" not in html
