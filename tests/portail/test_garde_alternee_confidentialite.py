"""Garde alternée, privacy: a child shared by households A and B. Signed in as B, every
parent page and every id URL (filled with each of A's ids) is walked: A's objects are
404, and no page ever shows A's contact details, money, documents or messages; the
child's own file (identity, school, health record, authorised persons) is B's too."""

import datetime
import html
import io
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from pypdf import PdfReader

from comptes.formats import euros
from comptes.models import Facture, QuotientFamilial
from comptes.services import finances, sepa
from familles import documents
from familles.models import (
    Autorisation,
    FicheSanitaire,
    PersonneAutorisee,
    Rattachement,
    TypeAutorisation,
    TypeDocument,
)
from inscriptions import services as services_inscriptions
from inscriptions.models import Inscription
from portail import messagerie
from portail.models import Discussion, Message, PieceJointe
from reservations import absences
from reservations import services as services_reservations
from reservations.models import Absence, FluxCalendrier, Reservation
from tests.conftest import creer_enfant, creer_responsable
from tests.finances.aide import jour as _jour
from tests.finances.aide import tarif as _tarif
from tests.inscriptions.conftest import PARIS
from tests.reservations.conftest import *  # noqa: F403 - frozen clock, canteen

D = datetime.date
PDF = b"%PDF-1.4\n% test\n%%EOF\n"
AVANT = datetime.datetime(2026, 11, 20, 9, tzinfo=PARIS)

# Parent apps only: the staff admin and allauth's own pages are not household pages.
PREFIXES_PARENTS = ("", "familles", "inscriptions", "reservations", "comptes")
EXCLUS = ("gestion/", "comptes/", "bench/")
# Date parts of URLs get a date, not an id.
VALEURS_FIXES = {"annee": [2026], "mois": [10, 11, 12]}

# Household A's secrets: ASCII only, so that JSON or PDF encodings cannot hide them.
SECRETS_A = {
    "adresse du foyer": "Impasse Zephyrine",
    "adresse du responsable": "Allee Quintessence",
    "telephone": "06 71 82 93 04",
    "telephone fixe": "02 40 19 28 37",
    "e-mail": "papa.zephyr@example.org",
    "nom du responsable": "Zephyrinos",
    "allocataire": "ALLOC9137",
    "revenus": "321,98",
    "revenus (point)": "321.98",
    "quotient": "987,65",
    "quotient (point)": "987.65",
    "paiement": "13,37",
    "reference du paiement": "CHQ-ZEPHYR",
    "titulaire du mandat": "Titulaire Zephyr",
    "message": "Texte confidentiel du foyer Zephyr",
    "objet du message": "Objet Zephyr",
    "piece jointe": "avis-zephyr.pdf",
    "enfant de A seul": "Zacharias",
}


@pytest.fixture
def foyers(cantine, agent):
    """Households A and B sharing Léa, each with its enrolment, bookings, invoice,
    payment, document, thread, absence, attestation, incomes and quotient."""
    a = creer_responsable(
        email=SECRETS_A["e-mail"],
        prenom="Marc",
        nom=SECRETS_A["nom du responsable"],
        adresse=SECRETS_A["adresse du responsable"],
        telephone_mobile=SECRETS_A["telephone"],
        telephone_fixe=SECRETS_A["telephone fixe"],
    )
    famille_a = a.famille
    famille_a.adresse = SECRETS_A["adresse du foyer"]
    famille_a.numero_allocataire = SECRETS_A["allocataire"]
    famille_a.save()
    b = creer_responsable(
        email="maman.b@example.org", prenom="Julie", nom="Bernard", adresse="5 rue du Port"
    )
    lea = creer_enfant(
        famille_a, prenom="Lea", nom="Partagee", ecole="Ecole des Deux-Maisons", classe="ce1"
    )
    Rattachement.objects.create(enfant=lea, famille=b.famille)
    # A's child from another union: not B's child at all.
    zacharie = creer_enfant(famille_a, prenom=SECRETS_A["enfant de A seul"], nom="Durand")
    # A certified the health record and answered an authorisation: B sees both, never
    # A's name.
    FicheSanitaire.objects.create(
        enfant=lea,
        urgence_nom="Docteur Commun",
        urgence_telephone="01 23 45 67 89",
        saison_confirmee=2026,
        confirmee_le=AVANT,
        confirmee_par=a,
    )
    Autorisation.objects.create(
        enfant=lea,
        type=TypeAutorisation.objects.create(nom="Droit a l'image"),
        accordee=True,
        donnee_par=a,
        donnee_le=AVANT,
    )
    PersonneAutorisee.objects.create(
        enfant=lea, prenom="Mamie", nom="Partagee", lien="grand-mère", telephone="0611111111"
    )
    _tarif(cantine)
    inscriptions = {}
    for responsable in (a, b):
        inscriptions[responsable] = Inscription.objects.create(
            enfant=lea,
            famille=responsable.famille,
            activite=cantine,
            date_debut=D(2026, 9, 1),
            date_fin=D(2027, 7, 3),
            statut=Inscription.Statut.VALIDEE,
        )
    QuotientFamilial.objects.create(
        famille=famille_a, valeur=Decimal("987.65"), source="caf", depuis=D(2026, 9, 1)
    )
    QuotientFamilial.objects.create(
        famille=b.famille, valeur=Decimal("432.10"), source="caf", depuis=D(2026, 9, 1)
    )
    # October: A has the child on the 1st, 2nd and 5th, B on the 8th and 9th.
    for jour in (1, 2, 5):
        _jour(inscriptions[a], D(2026, 10, jour))
    for jour in (8, 9):
        _jour(inscriptions[b], D(2026, 10, jour))
    finances.facturer_mois(D(2026, 10, 1))
    facture_a = Facture.objects.get(famille=famille_a)
    paiement_a = finances.enregistrer_paiement(
        famille_a,
        "13,37",
        "cheque",
        facture=facture_a,
        reference=SECRETS_A["reference du paiement"],
    )
    finances.declarer_revenus(
        a, 2025, "54321,98", SimpleUploadedFile("avis.pdf", PDF, content_type="application/pdf")
    )
    services_reservations.reserver(
        inscriptions[a], [D(2026, 11, 30), D(2026, 12, 1)], maintenant=AVANT
    )
    services_reservations.reserver(inscriptions[b], [D(2026, 12, 3)], maintenant=AVANT)
    signalement = absences.signaler(
        inscriptions[a],
        [D(2026, 11, 30)],
        "maladie",
        SimpleUploadedFile("certificat.pdf", PDF, content_type="application/pdf"),
        demandeur=a,
    )
    type_document = TypeDocument.objects.create(nom="Jugement", portee="enfant")
    document_a = documents.deposer(a, type_document, lea, ContentFile(PDF, name="piece.pdf"))
    messagerie.ecrire(
        a,
        SECRETS_A["objet du message"],
        Discussion.Categorie.AUTRE,
        SECRETS_A["message"],
        [SimpleUploadedFile(SECRETS_A["piece jointe"], PDF, content_type="application/pdf")],
    )
    services_inscriptions.demander_attestation(a, inscriptions[a])
    attestation_a = services_inscriptions.emettre_attestation(inscriptions[a], agent)
    attestation_b = services_inscriptions.emettre_attestation(inscriptions[b], agent)
    mandat_a = sepa.signer_mandat(
        famille_a, a.user, SECRETS_A["titulaire du mandat"], "FR7630006000011234567890189"
    )
    return {
        "a": a,
        "b": b,
        "lea": lea,
        "enfant_a": zacharie,
        "inscription_a": inscriptions[a],
        "facture_a": facture_a,
        "paiement_a": paiement_a,
        "document_a": document_a,
        "discussion_a": Discussion.objects.get(famille=famille_a),
        "piece_a": PieceJointe.objects.get(),
        "absence_a": signalement.absence,
        "attestation_a": attestation_a,
        "revenu_a": famille_a.revenus.get(),
        "mandat_a": mandat_a,
        # B's own documents, walked too: they must not carry A's data either.
        "inscription_b": inscriptions[b],
        "facture_b": Facture.objects.get(famille=b.famille),
        "attestation_b": attestation_b,
        "flux_a": FluxCalendrier.objects.create(famille=famille_a, jeton="jeton-du-foyer-a"),
    }


def _secrets(foyers) -> dict[str, str]:
    f = foyers
    return {
        **SECRETS_A,
        "numero de facture": f["facture_a"].numero,
        "montant de la facture": euros(f["facture_a"].montant),
        "numero d'attestation": f["attestation_a"].numero,
        "code de verification": f["attestation_a"].code_verification,
        "fichier du document": f["document_a"].fichier.name.rsplit("/", 1)[-1],
    }


def _ids_a(foyers) -> list[int]:
    """The ids of A's own objects (and of the shared child) to put in every URL."""
    return sorted({v.pk for cle, v in foyers.items() if cle.endswith("_a")} | {foyers["lea"].pk})


def _etat_de_a(foyers) -> dict:
    """What a forged request by B must leave untouched in household A."""
    famille = foyers["a"].famille
    return {
        "reservations": sorted(
            Reservation.objects.filter(inscription__famille=famille).values_list("pk", "etat")
        ),
        "inscriptions": sorted(
            Inscription.objects.filter(famille=famille).values_list("pk", "statut")
        ),
        "documents": sorted(famille.documents.values_list("pk", "statut")),
        "messages": Message.objects.filter(discussion__famille=famille).count(),
        "absences": sorted(
            Absence.objects.filter(inscription__famille=famille).values_list("pk", "certificat")
        ),
        "demandes": sorted(famille.demandes.values_list("pk", "statut")),
        "mandats": sorted(famille.mandats_sepa.values_list("pk", "revoque_le")),
        "factures": sorted(Facture.objects.filter(famille=famille).values_list("pk", "montant")),
        "flux": list(FluxCalendrier.objects.filter(famille=famille).values_list("jeton")),
    }


def _routes(resolver=None, prefixe="") -> list[tuple[str, URLPattern]]:
    """(route, pattern) of every parent URL, walking the includes."""
    resolver = resolver or get_resolver()
    routes = []
    for motif in resolver.url_patterns:
        route = prefixe + str(motif.pattern)
        if route.startswith(EXCLUS):
            continue
        if isinstance(motif, URLResolver):
            routes += _routes(motif, route)
        elif motif.name:
            routes.append((route, motif))
    return routes


def _remplissages(motif: URLPattern, ids: list[int], jeton: str):
    """Every way of filling the pattern's arguments: ids, dates, the household's token."""
    convertisseurs = motif.pattern.converters
    combinaisons = [{}]
    for nom, convertisseur in convertisseurs.items():
        if nom in VALEURS_FIXES:
            valeurs = VALEURS_FIXES[nom]
        elif type(convertisseur).__name__ == "IntConverter":
            valeurs = ids
        else:
            valeurs = [jeton]
        combinaisons = [{**c, nom: v} for c in combinaisons for v in valeurs]
    return combinaisons


def _texte(response) -> str:
    contenu = b"".join(response.streaming_content) if response.streaming else response.content
    if contenu.startswith(b"%PDF") and len(contenu) > len(PDF):  # not an uploaded stub
        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(contenu)).pages)
    return contenu.decode("utf-8", errors="replace")


def _fuites(texte: str, secrets: dict[str, str]) -> list[str]:
    return [quoi for quoi, valeur in secrets.items() if valeur in texte]


def test_household_b_walks_every_parent_page_without_seeing_a(client, foyers):
    b = foyers["b"]
    client.force_login(b.user)
    jeton_b = FluxCalendrier.objects.create(famille=b.famille, jeton="jeton-du-foyer-b").jeton
    secrets = _secrets(foyers)
    ids = sorted(set(_ids_a(foyers)) | {v.pk for k, v in foyers.items() if k.endswith("_b")})
    routes = _routes()
    assert len(routes) > 30  # the walk really covers the parent apps
    vues, problemes = 0, []
    for _route, motif in routes:
        for kwargs in _remplissages(motif, ids, jeton_b):
            url = reverse(motif.name, kwargs=kwargs)
            response = client.get(url)
            vues += 1
            if response.status_code == 403 or response.status_code >= 500:
                problemes.append(f"{url}: {response.status_code}")
            elif response.status_code == 200:
                fuites = _fuites(_texte(response), secrets)
                if fuites:
                    problemes.append(f"{url}: {', '.join(fuites)}")
            elif 300 <= response.status_code < 400 and _fuites(response["Location"], secrets):
                problemes.append(f"{url} redirige vers {response['Location']}")
    for pk in ids:  # the planning of one child: ?enfant=
        response = client.get(reverse("planning_pdf", args=[2026, 12]), {"enfant": pk})
        if response.status_code == 200 and _fuites(_texte(response), secrets):
            problemes.append(f"planning ?enfant={pk}: {_fuites(_texte(response), secrets)}")
    assert vues >= len(routes)
    assert problemes == [], "\n".join(problemes)


def test_household_b_posting_to_every_parent_url_changes_nothing_of_a(client, foyers):
    """Forged POSTs (no form, A's ids everywhere): never a 403 or an error, and not one
    of A's bookings, enrolments, documents, messages, requests, mandates or invoices
    changes."""
    client.force_login(foyers["b"].user)
    avant = _etat_de_a(foyers)
    problemes = []
    for _route, motif in _routes():
        for kwargs in _remplissages(motif, _ids_a(foyers), "jeton-du-foyer-b"):
            url = reverse(motif.name, kwargs=kwargs)
            response = client.post(url, {"jours": ["2026-12-01"], "motif": "autre"})
            if response.status_code == 403 or response.status_code >= 500:
                problemes.append(f"POST {url}: {response.status_code}")
    assert problemes == [], "\n".join(problemes)
    assert _etat_de_a(foyers) == avant


@pytest.mark.parametrize(
    ("nom", "objet", "methode"),
    [
        ("facture_pdf", "facture_a", "get"),
        ("payer_en_ligne", "facture_a", "post"),
        ("justificatif_revenus", "revenu_a", "get"),
        ("inscription_detail", "inscription_a", "get"),
        ("demander_attestation", "inscription_a", "post"),
        ("retirer_demande", "inscription_a", "post"),
        ("attestation_pdf", "attestation_a", "get"),
        ("calendrier_courant", "inscription_a", "get"),
        ("semaine_type", "inscription_a", "get"),
        ("signaler_absence", "inscription_a", "get"),
        ("signaler_absence", "inscription_a", "post"),
        ("joindre_certificat", "absence_a", "get"),
        ("certificat_absence", "absence_a", "get"),
        ("document_fichier", "document_a", "get"),
        ("retirer_document", "document_a", "post"),
        ("discussion", "discussion_a", "get"),
        ("discussion", "discussion_a", "post"),
        ("piece_jointe", "piece_a", "get"),
    ],
)
def test_a_objects_are_404_for_b(client, foyers, nom, objet, methode):
    client.force_login(foyers["b"].user)
    avant = Reservation.objects.filter(inscription__famille=foyers["a"].famille).count()
    response = getattr(client, methode)(reverse(nom, args=[foyers[objet].pk]))
    assert response.status_code == 404
    assert Reservation.objects.filter(inscription__famille=foyers["a"].famille).count() == avant


def test_b_sees_the_child_file_shared_by_both_households(client, foyers):
    lea = foyers["lea"]
    client.force_login(foyers["b"].user)
    ma_famille = client.get(reverse("ma_famille")).content.decode()
    assert "Lea Partagee" in ma_famille and "Ecole des Deux-Maisons" in ma_famille
    assert "Mamie Partagee" in ma_famille
    fiche = html.unescape(client.get(reverse("fiche_sanitaire", args=[lea.pk])).content.decode())
    assert "Docteur Commun" in fiche
    assert "Fiche certifiée pour la saison 2026-2027 par l'autre foyer" in fiche
    reponses = client.get(reverse("autorisations", args=[lea.pk])).content.decode()
    assert "donnée par l'autre foyer" in html.unescape(reponses)
    modifier = client.get(reverse("enfant_modifier", args=[lea.pk])).content.decode()
    assert "Mamie" in modifier and "Partagee" in modifier


def test_the_other_household_feed_and_planning_show_only_its_own_days(client, foyers):
    b = foyers["b"]
    jours_a = {r.date for r in Reservation.objects.filter(inscription=foyers["inscription_a"])}
    flux_a = client.get(reverse("flux_ical", args=["jeton-du-foyer-a"])).content.decode()
    assert "20261201" in flux_a  # A's own feed has A's day
    jeton_b = FluxCalendrier.objects.create(famille=b.famille, jeton="jeton-du-foyer-b").jeton
    flux_b = client.get(reverse("flux_ical", args=[jeton_b])).content.decode()
    assert "20261203" in flux_b
    for jour in jours_a:
        assert f"{jour:%Y%m%d}" not in flux_b
    client.force_login(b.user)
    planning = _texte(client.get(reverse("planning_pdf", args=[2026, 12])))
    assert "Lea" in planning  # B's day of December
    assert _fuites(planning, _secrets(foyers)) == []


def test_the_walk_can_see_a_secrets_when_signed_in_as_a(client, foyers):
    """The control: the same walk as A finds A's secrets, so B's clean walk means something."""
    client.force_login(foyers["a"].user)
    secrets = _secrets(foyers)
    ids_a = _ids_a(foyers)
    vus = set()
    for _route, motif in _routes():
        for kwargs in _remplissages(motif, ids_a, "jeton-du-foyer-a"):
            response = client.get(reverse(motif.name, kwargs=kwargs))
            if response.status_code == 200:
                vus.update(_fuites(_texte(response), secrets))
    assert set(secrets) - vus == set()


def test_b_own_invoice_and_attestation_pdfs_carry_nothing_of_a(client, foyers):
    client.force_login(foyers["b"].user)
    secrets = _secrets(foyers)
    for nom, objet in (("facture_pdf", "facture_b"), ("attestation_pdf", "attestation_b")):
        response = client.get(reverse(nom, args=[foyers[objet].pk]))
        assert response.status_code == 200
        texte = _texte(response)
        assert "Lea" in texte
        assert _fuites(texte, secrets) == []
