"""Every page of the back office, for a superuser and for each role: no 500.

The crawl reads what to visit from the admin itself (registered ModelAdmins, their
filters' choices, their extra URLs), so a new model, filter or view is crawled too.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.urls import URLPattern, reverse
from django.utils import timezone

from comptes.models import (
    Courriel,
    Facture,
    PoulsWorker,
    Revenu,
    TacheFacturation,
    TransactionEnLigne,
    User,
)
from comptes.services import finances
from comptes.tasks import envoyer_courriel
from inscriptions import services as inscriptions_services
from inscriptions.models import Inscription
from portail import demo, messagerie
from portail.models import Demande, Diffusion, InformationsCommune
from portail.roles import ROLES
from reservations import tirage
from reservations.models import Absence, Fermeture, Tirage
from tests.conftest import creer_agent, creer_user

REPONSES_ADMISES = {200, 302, 403}


def _jeu_de_donnees():
    """The demo town, plus one row of each model the demo leaves empty."""
    demo.creer_comptes_connus()
    demo.generer_familles(3)
    chef = User.objects.get(email="gestionnaire@example.org")
    famille = demo.Famille.objects.get(responsables__user__email="parent1@example.org")
    Demande.objects.create(
        famille=famille,
        type=Demande.Type.ENFANT_AJOUT,
        statut=Demande.Statut.ANNULEE,
        objet="demande retirée par la famille",
        traitee_le=timezone.now(),
    )
    inscription = Inscription.objects.filter(statut=Inscription.Statut.VALIDEE).first()
    inscriptions_services.emettre_pour_inscription(inscription.pk, chef)
    facture = Facture.objects.filter(famille=famille).first()
    finances.enregistrer_paiement(famille, Decimal("5.00"), "cheque", agent=chef, facture=facture)
    revenu = Revenu(famille=famille, annee=2025, montant_annuel=Decimal("24000"))
    revenu.justificatif.save("avis.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    TransactionEnLigne.objects.create(facture=facture, montant=facture.montant, identifiant="t1")
    absence = Absence(
        inscription=inscription,
        motif="maladie",
        premier_jour=facture.mois,
        dernier_jour=facture.mois,
    )
    absence.certificat.save("certificat.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    InformationsCommune.objects.get_or_create(pk=1)
    envoyer_courriel.enqueue(Courriel.objects.first().pk)  # a background task's row
    TacheFacturation.objects.create(  # an invoicing run, and a worker's sign of life
        mois=datetime.date(2026, 9, 1), demandee_par=chef, familles=[famille.pk]
    )
    PoulsWorker.objects.create(worker_id="crawl", hote="serveur-1", pid=1)
    # Collecting what is owed: a reminder, a direct-debit file and one of its lines.
    from comptes.models import (
        EtapeRelance,
        LignePrelevement,
        MandatSepa,
        RelanceFacture,
        RemisePrelevement,
    )

    if not RelanceFacture.objects.exists():
        RelanceFacture.objects.create(
            facture=facture, etape=EtapeRelance.objects.first(), canal="courriel", reste_du=1
        )
    remise = RemisePrelevement.objects.create(
        mois=facture.mois, date_prelevement=facture.echeance, etat="terminee", demandee_par=chef
    )
    remise.fichier.save("p.xml", ContentFile(b"<?xml version='1.0'?><Document/>"), save=True)
    LignePrelevement.objects.create(
        remise=remise,
        facture=facture,
        mandat=MandatSepa.objects.first(),
        montant=Decimal("1.00"),
        sequence="FRST",
        reference="crawl-1",
    )
    # A batch of day-list PDFs, done, with one file (its page and download are crawled).
    from reservations.models import LotListesDuJour, PdfListeDuJour

    lot = LotListesDuJour.objects.create(
        premier_jour=facture.mois, dernier_jour=facture.mois, etat="termine", demande_par=chef
    )
    lot.sites.add(inscription.activite.site)
    pdf = PdfListeDuJour(lot=lot, site=inscription.activite.site, jour=facture.mois)
    pdf.fichier.save("l.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    Fermeture.objects.create(
        activite=inscription.activite,
        debut=inscription.activite.periode.fin - datetime.timedelta(days=3),
        fin=inscription.activite.periode.fin - datetime.timedelta(days=2),
        motif="travaux",
    )
    tirage.tirer(  # an opening by lottery, drawn (its page and "vérifier" are crawled)
        Tirage.objects.create(
            activite=inscription.activite,
            premier_jour=inscription.activite.periode.fin,
            dernier_jour=inscription.activite.periode.fin,
            ouverture=timezone.now() - datetime.timedelta(hours=2),
            cloture=timezone.now() - datetime.timedelta(hours=1),
        )
    )
    # A broadcast to an activity's families (the demo has a thread and a news item).
    messagerie.diffuser(
        Diffusion(
            objet="Sortie annulée",
            texte="La sortie de demain est annulée.",
            activite=inscription.activite,
        ),
        chef,
    )
    # Réinscription: a campaign, its mapping, and one household's submit.
    from inscriptions.models import (
        Activite,
        CampagneReinscription,
        CorrespondanceActivite,
        Periode,
        Reinscription,
    )

    suivante = Periode.objects.create(
        nom="Crawl 2040-2041", debut=datetime.date(2040, 9, 1), fin=datetime.date(2041, 7, 1)
    )
    campagne = CampagneReinscription.objects.create(
        periode=suivante,
        ouverture=timezone.now() - datetime.timedelta(days=1),
        fermeture=timezone.now() + datetime.timedelta(days=1),
    )
    activite_suivante = Activite.objects.get(pk=inscription.activite.pk)
    activite_suivante.pk, activite_suivante.periode = None, suivante
    activite_suivante.save()
    CorrespondanceActivite.objects.create(
        campagne=campagne,
        activite_actuelle=inscription.activite,
        activite_suivante=activite_suivante,
    )
    Reinscription.objects.create(
        campagne=campagne, enfant=inscription.enfant, famille=inscription.famille, classe="ce1"
    ).inscriptions.add(inscription)
    # Garde alternée: an invitation of the other parent, used: its request is crawled too.
    from familles import second_foyer
    from familles.models import InvitationSecondFoyer

    autre = demo.Famille.objects.exclude(pk=inscription.famille_id).first()
    partage = {"garde": "semaines", "semaines": "paires", "jours": []}
    demande = Demande.objects.create(
        famille=autre,
        type=Demande.Type.RATTACHEMENT,
        objet=str(inscription.enfant),
        donnees={
            "enfant": inscription.enfant_id,
            "famille_invitante": inscription.famille_id,
            "partage": second_foyer.complement(partage),
            "partage_invitant": partage,
        },
    )
    InvitationSecondFoyer.objects.create(
        enfant=inscription.enfant,
        famille=inscription.famille,
        email="autre-parent@example.org",
        jeton_hash="0" * 64,
        expire_le=timezone.now() + second_foyer.DUREE_INVITATION,
        utilisee_le=timezone.now(),
        demande=demande,
        **partage,
    )
    return inscription


def _pages_d_un_modele(client, model, model_admin, objet):
    info = model._meta.app_label, model._meta.model_name
    changelist = reverse("admin:{}_{}_changelist".format(*info))
    yield changelist
    response = client.get(changelist)
    if response.status_code == 200:
        cl = response.context["cl"]
        for spec in cl.filter_specs:
            for choix in spec.choices(cl):
                yield changelist + choix["query_string"]
        if model_admin.search_fields:
            yield changelist + "?q=a"
    yield reverse("admin:{}_{}_add".format(*info))
    if objet is None:
        return
    yield reverse("admin:{}_{}_change".format(*info), args=[objet.pk])
    yield reverse("admin:{}_{}_history".format(*info), args=[objet.pk])
    for motif in model_admin.get_urls():
        if not isinstance(motif, URLPattern) or not motif.name:
            continue
        if motif.name.endswith("_simple_history"):  # an old version, read-only
            version = getattr(objet, "history", None)
            if version is not None and version.exists():
                yield reverse(f"admin:{motif.name}", args=[objet.pk, version.first().pk])
            continue
        route = str(motif.pattern)
        if route in ("", "add/") or route.startswith("<path:object_id>"):
            continue  # Django's own views, crawled above
        yield "/gestion/{}/{}/{}".format(*info, re.sub(r"<(\w+:)?\w+>", str(objet.pk), route))


def _pages(client):
    index = reverse("admin:index")
    yield index
    yield from (app["app_url"] for app in client.get(index).context["app_list"])
    for model, model_admin in admin.site._registry.items():
        objet = model._default_manager.order_by("pk").first()
        yield from _pages_d_un_modele(client, model, model_admin, objet)


def _crawler(client):
    erreurs, vues = [], 0
    for url in _pages(client):
        vues += 1
        status = client.get(url).status_code
        if status == 405:  # a POST-only view (accepter, refuser…): an empty form
            status = client.post(url).status_code
        if status not in REPONSES_ADMISES:
            erreurs.append(f"{status} {url}")
    return erreurs, vues


@pytest.mark.parametrize("role", [None, *ROLES])
def test_no_admin_page_fails_for_any_role(client, db, role):
    inscription = _jeu_de_donnees()
    if role is None:
        user = creer_user("chef@example.org", is_staff=True, is_superuser=True)
    else:
        user = creer_agent("role@example.org", role)
        inscription.activite.site.directeurs.add(user)
    client.raise_request_exception = False
    client.force_login(user)
    erreurs, vues = _crawler(client)
    assert erreurs == [], "\n".join(erreurs)
    assert vues > 100


def test_cancelled_requests_are_listed(client, db):
    """Issue #8, defect 3: "annulée" made the queue answer 500 (KeyError)."""
    _jeu_de_donnees()
    client.force_login(creer_user("chef@example.org", is_staff=True, is_superuser=True))
    url = reverse("admin:portail_demande_changelist")
    for statut in ("annulee", "toutes"):
        html = client.get(url, {"statut": statut}).content.decode()
        assert "demande retirée par la famille" in html
        assert "⊘ Annulée" in html  # the status column


def test_the_dataset_has_a_row_of_every_admin_model(db):
    _jeu_de_donnees()
    vides = [m._meta.label for m in admin.site._registry if not m._default_manager.exists()]
    assert vides == [], vides  # add a row in _jeu_de_donnees so its change form is crawled
