"""Public pages every French public website owes its users: mentions légales, données
personnelles, déclaration d'accessibilité (RGAA) and the service's contact.

The town's own details come from `InformationsCommune` (edited by staff); what the portal
collects and for how long is described here, next to the retention periods of the settings
that the retention job applies.
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portail.models import InformationsCommune

MISSION = "Mission d'intérêt public (RGPD, article 6.1.e)"


@dataclass(frozen=True)
class Traitement:
    categorie: str
    donnees: str
    finalite: str
    base_legale: str
    duree: str  # key of settings.PORTAIL_CONSERVATION
    depuis: str  # when the retention period starts


TRAITEMENTS = [
    Traitement(
        "Identité et coordonnées",
        "Civilité, nom, prénom, adresse, téléphones, adresse e-mail, profession des "
        "responsables ; composition du foyer.",
        "Gérer votre compte, vous joindre, vous adresser factures et réponses.",
        MISSION,
        "famille",
        "sans inscription, connexion ni facture : le compte est alors anonymisé",
    ),
    Traitement(
        "Enfants",
        "Nom, prénom, date de naissance, sexe, école et classe, régime alimentaire, "
        "personnes autorisées à venir les chercher, autorisations.",
        "Inscrire et accueillir les enfants en sécurité.",
        MISSION,
        "famille",
        "sans inscription, connexion ni facture du foyer : l'enfant est alors anonymisé",
    ),
    Traitement(
        "Santé (fiche sanitaire)",
        "Vaccinations, allergies, projet d'accueil individualisé (PAI), traitement, "
        "médecin, personne à prévenir en cas d'urgence ; certificats médicaux d'absence.",
        "Protéger l'enfant pendant l'accueil ; seuls les agents qui l'accueillent y ont accès.",
        "Mission d'intérêt public et protection des intérêts vitaux de l'enfant "
        "(RGPD, articles 6.1.e, 9.2.c et 9.2.g)",
        "sante",
        "après la fin de la dernière inscription de l'enfant",
    ),
    Traitement(
        "Revenus et quotient familial",
        "Revenus déclarés et justificatifs, nombre d'enfants à charge, numéro "
        "d'allocataire CAF ou MSA, quotient familial.",
        "Calculer le tarif qui correspond à vos ressources.",
        MISSION,
        "revenus",
        "après leur dépôt pour les justificatifs ; les montants retenus restent avec "
        "les factures qu'ils justifient",
    ),
    Traitement(
        "Documents (pièces justificatives)",
        "Attestations d'assurance, carnet de vaccinations, attestation CAF ou MSA, PAI, "
        "jugement de garde, certificats… que vous envoyez, et leur vérification par le service.",
        "Vérifier que l'enfant peut être accueilli dans les conditions requises.",
        MISSION,
        "documents",
        "après leur expiration ou leur refus (ils sont effacés avec le compte du foyer)",
    ),
    Traitement(
        "Réservations, factures et paiements",
        "Jours réservés, présences et absences, factures, avoirs, paiements (au guichet ou "
        "en ligne : la commune ne reçoit jamais votre numéro de carte).",
        "Facturer le service rendu et encaisser les paiements.",
        "Obligation légale : comptabilité publique (RGPD, article 6.1.c)",
        "factures",
        "après la fin de l'année de la facture",
    ),
    Traitement(
        "Journaux de connexion",
        "Date et heure des connexions et des tentatives, adresse IP.",
        "Assurer la sécurité du portail et de vos données.",
        "Obligation légale de sécurité (RGPD, article 32)",
        "journaux",
        "après leur enregistrement",
    ),
    Traitement(
        "E-mails envoyés",
        "Destinataire, objet et texte des e-mails que le portail vous envoie.",
        "Vous informer des décisions, factures et places obtenues ; vérifier un envoi.",
        MISSION,
        "courriels",
        "après leur envoi",
    ),
    Traitement(
        "Messages",
        "Messages échangés avec le service et leurs pièces jointes.",
        "Répondre à vos questions sur vos démarches.",
        MISSION,
        "messages",
        "après le dernier message de la conversation",
    ),
    Traitement(
        "Historique des modifications",
        "Qui a modifié quoi et quand (foyer, enfants, inscriptions, réservations, "
        "factures, paiements).",
        "Pouvoir expliquer et corriger chaque changement ; sécurité des données.",
        "Obligation légale de sécurité (RGPD, article 32)",
        "historique",
        "après la modification",
    ),
]


def duree_en_clair(mois: int) -> str:
    """36 → "3 ans", 18 → "18 mois", 12 → "1 an"."""
    if mois % 12:
        return f"{mois} mois"
    ans = mois // 12
    return f"{ans} an{'s' if ans > 1 else ''}"


def mentions_legales(request: HttpRequest) -> HttpResponse:
    return render(request, "portail/legal/mentions_legales.html", _contexte())


def donnees_personnelles(request: HttpRequest) -> HttpResponse:
    durees = settings.PORTAIL_CONSERVATION
    traitements = [
        {"traitement": t, "duree": f"{duree_en_clair(durees[t.duree])} {t.depuis}"}
        for t in TRAITEMENTS
    ]
    return render(
        request,
        "portail/legal/donnees_personnelles.html",
        {**_contexte(), "traitements": traitements},
    )


def accessibilite(request: HttpRequest) -> HttpResponse:
    return render(request, "portail/legal/accessibilite.html", _contexte())


def contact(request: HttpRequest) -> HttpResponse:
    return render(request, "portail/legal/contact.html", _contexte())


def _contexte() -> dict:
    return {"infos": InformationsCommune.actuelles(), "PORTAIL_URL": settings.PORTAIL_URL}
