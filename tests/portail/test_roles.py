"""Staff roles (issue #8, 2.2): each role does its job, and is refused beyond it."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.urls import reverse

from comptes.models import Courriel, Facture, Paiement, User
from comptes.services import finances
from comptes.services.jetons import nouveau_jeton
from familles.services import demander_modification_coordonnees
from inscriptions import services as inscriptions_services
from inscriptions.models import Inscription, Site
from portail.models import Demande
from portail.roles import (
    ADMINISTRATEUR,
    AGENT_ACCUEIL,
    DIRECTION_SITE,
    GESTIONNAIRE,
    REGISSEUR,
    ROLES,
)
from reservations.models import Reservation
from tests.conftest import creer_agent, creer_user
from tests.finances.aide import jour, tarif
from tests.reservations.conftest import *  # noqa: F403 - frozen clock, season, canteen
from tests.reservations.conftest import inscrire

D = datetime.date
LISTE_DU_JOUR = reverse("admin:reservations_liste_du_jour")


@pytest.fixture
def facture(parent, inscription):
    tarif(inscription.activite)
    jour(inscription, D(2026, 10, 1))
    finances.facturer_mois(D(2026, 10, 1))
    return Facture.objects.get()


@pytest.fixture
def deux_sites(parent, etranger, cantine, creer_activite):
    """Léa eats at Jules Ferry, Nour at Jean Macé; both are booked on 3 December."""
    mace = creer_activite(nom="Cantine Macé", site=Site.objects.create(nom="École Jean Macé"))
    lea = inscrire(parent.famille, cantine, "Léa")
    nour = inscrire(etranger.famille, mace, "Nour")
    for inscription in (lea, nour):
        jour(inscription, D(2026, 12, 3), "reservee")
    return lea, nour


@pytest.fixture
def directrice(deux_sites):
    user = creer_agent("directrice@example.org", DIRECTION_SITE)
    deux_sites[0].activite.site.directeurs.add(user)
    return user


def _get(client, nom, *args, **params):
    return client.get(reverse(nom, args=args), params)


def test_the_five_roles_exist_after_migrate(db):
    noms = set(Group.objects.values_list("name", flat=True))
    assert set(ROLES) <= noms
    assert "Gestionnaires" not in noms


def test_the_old_gestionnaires_group_keeps_its_members(db):
    Group.objects.filter(name=GESTIONNAIRE).update(name="Gestionnaires")
    ancien_agent = creer_user("ancien@example.org", is_staff=True)
    ancien_agent.groups.add(Group.objects.get(name="Gestionnaires"))
    importlib.import_module("portail.migrations.0004_roles").creer_roles(apps, None)
    ancien_agent = User.objects.get(pk=ancien_agent.pk)
    assert list(ancien_agent.groups.values_list("name", flat=True)) == [GESTIONNAIRE]
    assert ancien_agent.has_perm("inscriptions.change_inscription")


def test_a_gestionnaire_runs_the_whole_service_but_not_the_accounts(db):
    gestionnaire = creer_agent("gestion@example.org", GESTIONNAIRE)
    for permission in (
        "comptes.add_paiement",
        "familles.change_famille",
        "inscriptions.change_inscription",
        "inscriptions.voir_tous_les_sites",
        "reservations.change_reservation",
        "portail.change_demande",
    ):
        assert gestionnaire.has_perm(permission), permission
    assert not gestionnaire.has_perm("comptes.change_user")
    assert not gestionnaire.has_perm("comptes.attribuer_roles")


# --- Agent d'accueil: families, requests, attendance; no money -----------------------


def test_an_agent_d_accueil_accepts_a_request_and_marks_attendance(client, parent, inscription):
    client.force_login(creer_agent("accueil@example.org", AGENT_ACCUEIL))
    valeurs = {c: getattr(parent, c) for c in parent.CHAMPS_COORDONNEES}
    demande = demander_modification_coordonnees(parent, {**valeurs, "ville": "Rezé"})
    client.post(
        reverse("admin:portail_demande_changelist"),
        {"action": "accepter", ACTION_CHECKBOX_NAME: [demande.pk]},
    )
    demande.refresh_from_db()
    assert demande.statut == Demande.Statut.ACCEPTEE
    hier = jour(inscription, D(2026, 11, 26), "reservee")
    client.post(
        reverse("admin:reservations_reservation_changelist"),
        {"action": "marquer_present", ACTION_CHECKBOX_NAME: [hier.pk]},
    )
    hier.refresh_from_db()
    assert hier.etat == Reservation.Etat.PRESENT


def test_an_agent_d_accueil_sees_no_money(client, parent, facture):
    client.force_login(creer_agent("accueil@example.org", AGENT_ACCUEIL))
    assert _get(client, "admin:comptes_facture_changelist").status_code == 403
    assert _get(client, "admin:comptes_facture_pdf", facture.pk).status_code == 403
    assert _get(client, "admin:comptes_paiement_add").status_code == 403
    client.post(reverse("admin:comptes_facturer"), {"mois": "2026-11"})
    client.post(
        reverse("admin:comptes_facture_avoir", args=[facture.pk]),
        {"montant": "1", "motif": "geste", "jeton": nouveau_jeton()},
    )
    assert Facture.objects.count() == 1
    famille = _get(client, "admin:familles_famille_changelist").content.decode()
    assert "Facturer un mois" not in famille


# --- Régisseur: invoices, payments, credit notes -------------------------------------


def test_a_regisseur_records_a_payment_and_makes_a_credit_note(client, parent, facture):
    regisseur = creer_agent("regie@example.org", REGISSEUR)
    client.force_login(regisseur)
    client.post(
        reverse("admin:comptes_paiement_add"),
        {
            "famille": parent.famille.pk,
            "facture": facture.pk,
            "montant": "2",
            "mode": "cheque",
            "date": "27/11/2026",
            "jeton": nouveau_jeton(),
        },
    )
    assert Paiement.objects.get().enregistre_par == regisseur
    client.post(
        reverse("admin:comptes_facture_avoir", args=[facture.pk]),
        {"montant": "1", "motif": "Repas non servi", "jeton": nouveau_jeton()},
    )
    assert Facture.objects.exclude(pk=facture.pk).get().facture_origine == facture


def test_a_regisseur_cannot_validate_an_enrolment(client, parent, cantine):
    inscription = inscrire(parent.famille, cantine)
    Inscription.objects.filter(pk=inscription.pk).update(statut=Inscription.Statut.EN_ATTENTE)
    client.force_login(creer_agent("regie@example.org", REGISSEUR))
    response = client.post(
        reverse("admin:inscriptions_inscription_changelist"),
        {"action": "valider", ACTION_CHECKBOX_NAME: [inscription.pk]},
    )
    assert response.status_code == 403
    inscription.refresh_from_db()
    assert inscription.statut == Inscription.Statut.EN_ATTENTE
    assert _get(client, "admin:portail_demande_changelist").status_code == 403
    assert _get(client, "admin:reservations_liste_du_jour").status_code == 302


def test_a_regisseur_sends_no_account_invitation(client, parent):
    client.force_login(creer_agent("regie@example.org", REGISSEUR))
    avant = Courriel.objects.count()
    client.post(
        reverse("admin:familles_famille_changelist"),
        {"action": "inviter_responsables_familles", ACTION_CHECKBOX_NAME: [parent.famille.pk]},
    )
    assert Courriel.objects.count() == avant


def test_enrolment_certificates_stay_with_roles_that_see_enrolments(client, parent, inscription):
    attestation = inscriptions_services.emettre_pour_inscription(
        inscription.pk, creer_agent("gestion@example.org")
    )
    client.force_login(creer_agent("regie@example.org", REGISSEUR))
    assert _get(client, "admin:inscriptions_attestation_pdf", attestation.pk).status_code == 403


# --- Direction de site: read-only, its own sites ---------------------------------------


def test_direction_de_site_sees_only_its_sites_children(client, deux_sites, directrice):
    lea, nour = deux_sites
    client.force_login(directrice)
    for liste in (
        "admin:familles_enfant_changelist",
        "admin:reservations_reservation_changelist",
    ):
        html = _get(client, liste).content.decode()
        assert "Léa" in html and "Nour" not in html, liste
    html = _get(client, "admin:inscriptions_inscription_changelist", statut="toutes")
    assert "Léa" in html.content.decode() and "Nour" not in html.content.decode()
    assert _get(client, "admin:familles_enfant_change", nour.enfant.pk).status_code == 302
    assert _get(client, "admin:familles_enfant_change", lea.enfant.pk).status_code == 200
    sienne = _get(client, "admin:reservations_reservation_changelist").content.decode()
    assert "Jean Macé" not in sienne  # the site filter offers its own sites only
    liste = client.get(LISTE_DU_JOUR, {"activite": lea.activite.pk, "date": "2026-12-03"})
    assert "Léa" in liste.content.decode()
    autre = client.get(LISTE_DU_JOUR, {"activite": nour.activite.pk, "date": "2026-12-03"})
    assert "Nour" not in autre.content.decode()
    assert "Cantine Macé" not in autre.content.decode()


def test_direction_de_site_changes_nothing(client, deux_sites, directrice, horloge):
    lea, _ = deux_sites
    horloge.move_to(datetime.datetime(2026, 12, 3, 12, tzinfo=datetime.UTC))
    client.force_login(directrice)
    fiche = _get(client, "admin:familles_enfant_change", lea.enfant.pk).content.decode()
    assert 'name="_save"' not in fiche
    response = client.post(
        reverse("admin:familles_enfant_change", args=[lea.enfant.pk]),
        {"nom": "Changé", "prenom": "Léa"},
    )
    assert response.status_code == 403
    reservation = Reservation.objects.get(inscription=lea)
    client.post(
        reverse("admin:reservations_reservation_changelist"),
        {"action": "marquer_present", ACTION_CHECKBOX_NAME: [reservation.pk]},
    )
    client.post(
        f"{LISTE_DU_JOUR}?activite={lea.activite.pk}&date=2026-12-03",
        {"reservations": [reservation.pk], "etat": "present"},
    )
    reservation.refresh_from_db()
    assert reservation.etat == Reservation.Etat.RESERVEE
    assert _get(client, "admin:familles_famille_changelist").status_code == 403
    assert _get(client, "admin:portail_demande_changelist").status_code == 403


# --- Administrateur: users and settings ----------------------------------------------


def _fiche_utilisateur(user, **champs):
    return {
        "email": user.email,
        "is_active": "on",
        "date_joined_0": "27/11/2026",
        "date_joined_1": "10:00:00",
        **champs,
    }


def test_an_administrateur_gives_a_role_to_a_new_agent(client, db):
    client.force_login(creer_agent("admin@example.org", ADMINISTRATEUR))
    nouveau = creer_user("nouvel.agent@example.org")
    accueil = Group.objects.get(name=AGENT_ACCUEIL)
    client.post(
        reverse("admin:comptes_user_change", args=[nouveau.pk]),
        _fiche_utilisateur(nouveau, is_staff="on", groups=[accueil.pk], is_superuser="on"),
    )
    nouveau = User.objects.get(pk=nouveau.pk)
    assert nouveau.is_staff and not nouveau.is_superuser
    assert list(nouveau.groups.all()) == [accueil]


def test_an_administrateur_cannot_raise_their_own_rights_nor_touch_a_superuser(client, db):
    administrateur = creer_agent("admin@example.org", ADMINISTRATEUR)
    client.force_login(administrateur)
    gestion = Group.objects.get(name=GESTIONNAIRE)
    client.post(
        reverse("admin:comptes_user_change", args=[administrateur.pk]),
        _fiche_utilisateur(administrateur, is_staff="on", groups=[gestion.pk]),
    )
    assert list(administrateur.groups.values_list("name", flat=True)) == [ADMINISTRATEUR]
    chef = creer_user("chef@example.org", is_staff=True, is_superuser=True)
    client.post(
        reverse("admin:comptes_user_change", args=[chef.pk]),
        _fiche_utilisateur(chef, email="pirate@example.org", is_staff="on"),
    )
    assert User.objects.get(pk=chef.pk).email == "chef@example.org"
    assert _get(client, "admin:auth_user_password_change", chef.pk).status_code == 403


def test_an_administrateur_sets_up_sites_but_sees_no_family(client, parent, cantine):
    client.force_login(creer_agent("admin@example.org", ADMINISTRATEUR))
    page = _get(client, "admin:inscriptions_site_change", cantine.site.pk).content.decode()
    assert "direction du site" in page.lower() and 'name="_save"' in page
    assert _get(client, "admin:familles_famille_changelist").status_code == 403
    assert _get(client, "admin:comptes_facture_changelist").status_code == 403
    assert _get(client, "admin:portail_demande_changelist").status_code == 403
