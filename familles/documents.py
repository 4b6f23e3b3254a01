"""Pièces justificatives: parents give documents, staff check them (a Demande each),
the family sees what is missing, pending, valid, expiring or refused, and is reminded
once, 30 days before a document expires.

A document belongs to the household that gave it: the other household of a separated
family gives its own (neither sees the other's). Files follow comptes/fichiers.py.
"""

import calendar
import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from comptes import fichiers
from comptes.errors import DomainError
from comptes.outbox import queue_email
from familles.models import Document, Enfant, Famille, Responsable, TypeDocument

TAILLE_MAX_DOCUMENT = 5 * fichiers.MIO
RAPPEL_AVANT = datetime.timedelta(days=30)


class DocumentError(DomainError):
    pass


# --- validity ---------------------------------------------------------------------------


def _plus_mois(jour: datetime.date, mois: int) -> datetime.date:
    annee, rang = divmod(jour.month - 1 + mois, 12)
    annee += jour.year
    dernier = calendar.monthrange(annee, rang + 1)[1]
    return jour.replace(year=annee, month=rang + 1, day=min(jour.day, dernier))


def fin_de_validite(type_document: TypeDocument, depot: datetime.date) -> datetime.date | None:
    """The last day a document given on `depot` is valid (None: no limit). A season is
    a school year: it ends on the 31st of August."""
    V = TypeDocument.Validite
    if type_document.validite == V.SAISON:
        return datetime.date(depot.year if depot.month <= 8 else depot.year + 1, 8, 31)
    if type_document.validite == V.MOIS:
        return _plus_mois(depot, type_document.duree_mois or 0) - datetime.timedelta(days=1)
    if type_document.validite == V.DATE:
        return type_document.valide_jusqu_au
    return None


# --- what the family sees ------------------------------------------------------------------


MANQUANT = "manquant"
EN_ATTENTE = "en_attente"
VALIDE = "valide"
EXPIRE_BIENTOT = "expire_bientot"
EXPIRE = "expire"
REFUSE = "refuse"

LIBELLES = {
    MANQUANT: "Manquant",
    EN_ATTENTE: "En attente de vérification",
    VALIDE: "Valide",
    EXPIRE_BIENTOT: "Expire bientôt",
    EXPIRE: "Expiré",
    REFUSE: "Refusé",
}


@dataclass
class Ligne:
    """One document the household may give: its state, from its latest files."""

    type: TypeDocument
    enfant: Enfant | None
    etat: str = MANQUANT
    valide: Document | None = None  # the accepted one in force (or the last expired)
    en_attente: Document | None = None
    refuse: Document | None = None
    requis_pour: list[str] = field(default_factory=list)

    @property
    def libelle(self) -> str:
        if self.etat == MANQUANT and not self.requis_pour:
            return "Non fourni"  # asked of those concerned only: not an alarm
        return LIBELLES[self.etat]

    @property
    def motif_refus(self) -> str:
        return self.refuse.demande.reponse if self.refuse and self.refuse.demande else ""

    @property
    def peut_deposer(self) -> bool:
        return self.en_attente is None

    @property
    def a_fournir(self) -> bool:
        """Required and not (or no longer) valid: the parent must act."""
        return bool(self.requis_pour) and self.etat in (MANQUANT, EXPIRE, REFUSE)


def _etat(ligne: Ligne, documents: list[Document], aujourd_hui: datetime.date) -> None:
    """`documents`: this line's files, newest first."""
    en_vigueur = [
        d
        for d in documents
        if d.statut == Document.Statut.ACCEPTE
        and (d.valide_jusqu_au is None or d.valide_jusqu_au >= aujourd_hui)
    ]
    ligne.en_attente = next((d for d in documents if d.statut == Document.Statut.EN_ATTENTE), None)
    dernier = next((d for d in documents if d.statut != Document.Statut.ANNULE), None)
    if dernier is not None and dernier.statut == Document.Statut.REFUSE:
        ligne.refuse = dernier
    if en_vigueur:
        # The one that lasts longest (no limit first).
        ligne.valide = max(en_vigueur, key=lambda d: d.valide_jusqu_au or datetime.date.max)
        fin = ligne.valide.valide_jusqu_au
        ligne.etat = EXPIRE_BIENTOT if fin and fin - aujourd_hui <= RAPPEL_AVANT else VALIDE
    elif ligne.en_attente is not None:
        ligne.etat = EN_ATTENTE
    elif ligne.refuse is not None:
        ligne.etat = REFUSE
    else:
        ligne.valide = next((d for d in documents if d.statut == Document.Statut.ACCEPTE), None)
        ligne.etat = EXPIRE if ligne.valide else MANQUANT


def _exigences(famille: Famille, aujourd_hui: datetime.date) -> dict[tuple[int, int], list[str]]:
    """(type id, child id) → names of the current activities of this household's
    enrolments that require that type (one query)."""
    Exigence = TypeDocument._meta.get_field("activites").through
    lignes = (
        Exigence.objects.filter(
            activite__inscriptions__famille=famille,
            activite__inscriptions__date_fin__gte=aujourd_hui,
        )
        .exclude(activite__inscriptions__statut__in=["refusee", "annulee"])
        .values_list("typedocument_id", "activite__inscriptions__enfant_id", "activite__nom")
        .order_by("activite__nom")
        .distinct()
    )
    exigences: dict[tuple[int, int], list[str]] = {}
    for type_id, enfant_id, nom in lignes:
        noms = exigences.setdefault((type_id, enfant_id), [])
        if nom not in noms:
            noms.append(nom)
    return exigences


def etat_des_documents(famille: Famille, enfants: list[Enfant]) -> tuple[list[Ligne], dict]:
    """The household's lines and each child's, required ones first (three queries
    whatever the family's size)."""
    aujourd_hui = timezone.localdate()
    types = list(TypeDocument.objects.filter(actif=True))
    documents = list(
        Document.objects.filter(famille=famille).select_related("demande").order_by("-depose_le")
    )
    exigences = _exigences(famille, aujourd_hui)
    par_cle: dict[tuple[int, int | None], list[Document]] = {}
    for document in documents:
        par_cle.setdefault((document.type_id, document.enfant_id), []).append(document)

    def ligne(type_document, enfant):
        ligne = Ligne(type_document, enfant)
        if enfant is not None:
            ligne.requis_pour = exigences.get((type_document.pk, enfant.pk), [])
        else:
            ligne.requis_pour = sorted(
                {n for (t, _), noms in exigences.items() if t == type_document.pk for n in noms}
            )
        _etat(
            ligne, par_cle.get((type_document.pk, enfant.pk if enfant else None), []), aujourd_hui
        )
        return ligne

    def ordre(lignes):
        return sorted(lignes, key=lambda x: (not x.requis_pour, x.type.nom))

    foyer = ordre(ligne(t, None) for t in types if not t.par_enfant)
    par_enfant = {e: ordre(ligne(t, e) for t in types if t.par_enfant) for e in enfants}
    return foyer, par_enfant


def manquants_pour(famille: Famille, enfant: Enfant, activite) -> list[Ligne]:
    """The documents `activite` requires that this household has not (validly) given
    for `enfant`: pending ones are listed too, with their state."""
    aujourd_hui = timezone.localdate()
    requis = list(activite.documents_requis.filter(actif=True))
    if not requis:
        return []
    documents = list(
        Document.objects.filter(famille=famille, type__in=requis)
        .filter(Q(enfant=enfant) | Q(enfant__isnull=True))
        .select_related("demande")
        .order_by("-depose_le")
    )
    lignes = []
    for type_document in requis:
        cible = enfant if type_document.par_enfant else None
        ligne = Ligne(type_document, cible, requis_pour=[activite.nom])
        _etat(
            ligne,
            [
                d
                for d in documents
                if d.type_id == type_document.pk and d.enfant_id == (cible.pk if cible else None)
            ],
            aujourd_hui,
        )
        if ligne.etat not in (VALIDE, EXPIRE_BIENTOT):
            lignes.append(ligne)
    return lignes


# --- giving a document -------------------------------------------------------------------


def verifier_fichier(fichier) -> fichiers.Nature:
    if fichier is None:
        raise DocumentError("Choisissez le fichier à envoyer.", field="fichier")
    try:
        return fichiers.verifier(fichier, TAILLE_MAX_DOCUMENT, "fichier", libelle="Le document")
    except fichiers.FichierError as exc:
        raise DocumentError(exc.message, field=exc.field) from None


def objet_demande(type_document: TypeDocument, enfant: Enfant | None) -> str:
    return f"{type_document.nom} — {enfant.prenom}" if enfant else f"{type_document.nom} (foyer)"


def deposer(
    responsable: Responsable, type_document: TypeDocument, enfant: Enfant | None, fichier
) -> Document:
    """The parent gives a document: the file, its Document and a Demande for staff, in
    one transaction (the file is deleted if it does not commit)."""
    from portail.models import Demande

    famille = responsable.famille
    if not type_document.actif:
        raise DocumentError("Ce document n'est plus demandé par le service.")
    if type_document.par_enfant != (enfant is not None):
        raise DocumentError(
            "Ce document se donne pour chaque enfant."
            if type_document.par_enfant
            else "Ce document se donne une fois pour le foyer."
        )
    if enfant is not None and not Enfant.objects.for_famille(famille).filter(pk=enfant.pk).exists():
        raise DocumentError("Cet enfant n'est pas rattaché à votre foyer.")
    nature = verifier_fichier(fichier)
    objet = objet_demande(type_document, enfant)
    try:
        with transaction.atomic():
            demande = Demande.objects.create(
                famille=famille,
                demandeur=responsable,
                type=Demande.Type.DOCUMENT,
                objet=objet,
                donnees={"type_document": type_document.pk, "enfant": enfant and enfant.pk},
            )
            document = Document(
                type=type_document,
                famille=famille,
                enfant=enfant,
                depose_par=responsable,
                demande=demande,
            )
            fichiers.enregistrer(document.fichier, fichier, nature)
            document.save()
    except IntegrityError:
        raise DocumentError(
            f"Un document « {objet} » attend déjà la vérification du service : vous pourrez "
            "en envoyer un autre une fois qu'il aura répondu."
        ) from None
    return document


def retirer(responsable: Responsable, document_id: int) -> Document:
    """The family withdraws a file the service has not checked yet (a wrong file): its
    request is cancelled and the file deleted after commit; another may then be given."""
    from portail.models import Demande

    with transaction.atomic():
        document = (
            Document.objects.select_for_update(of=("self",), no_key=True)
            .select_related("type", "enfant")
            .get(pk=document_id, famille_id=responsable.famille_id)
        )
        demande = (
            Demande.objects.select_for_update(of=("self",), no_key=True)
            .filter(pk=document.demande_id)
            .first()
        )
        if document.statut != Document.Statut.EN_ATTENTE or (
            demande is not None and not demande.est_en_attente
        ):
            raise DocumentError(
                "Le service a déjà traité ce document : il ne peut plus être retiré."
            )
        nom = document.fichier.name
        document.statut = Document.Statut.ANNULE
        document.fichier = ""
        document.save(update_fields=["statut", "fichier"])
        if nom:
            stockage = Document._meta.get_field("fichier").storage
            transaction.on_commit(lambda: stockage.delete(nom))
        if demande is not None:
            demande.statut = Demande.Statut.ANNULEE
            demande.traitee_le = timezone.now()
            demande.reponse = "Retiré par la famille."
            demande.save(update_fields=["statut", "traitee_le", "reponse"])
    return document


# --- staff --------------------------------------------------------------------------------


def noter_consultation(document: Document, agent) -> None:
    """Staff opened the file: only then may they accept it."""
    Document.objects.filter(pk=document.pk).update(consulte_le=timezone.now(), consulte_par=agent)


def _document_de(demande) -> Document:
    document = (
        Document.objects.select_for_update(of=("self",), no_key=True)
        .select_related("type")
        .filter(demande=demande)
        .first()
    )
    if document is None:
        raise DocumentError(f"La demande « {demande.objet} » n'a plus de document.")
    return document


def accepter_depuis_demande(demande, agent) -> Document:
    """Staff accept a document they have opened; it is valid from the day it was given."""
    document = _document_de(demande)
    if document.consulte_le is None or (agent is not None and document.consulte_par_id != agent.pk):
        raise DocumentError(
            f"Ouvrez le document « {demande.objet} » avant de l'accepter : un document ne "
            "s'accepte pas sans avoir été vu."
        )
    document.statut = Document.Statut.ACCEPTE
    document.valide_jusqu_au = fin_de_validite(
        document.type, timezone.localdate(document.depose_le)
    )
    document.save(update_fields=["statut", "valide_jusqu_au"])
    return document


def refuser_depuis_demande(demande, agent, motif: str) -> Document:
    document = _document_de(demande)
    document.statut = Document.Statut.REFUSE
    document.save(update_fields=["statut"])
    return document


# --- reminders ----------------------------------------------------------------------------


def _plus_recent_qui_remplace(**enfant) -> Exists:
    """A newer file of the same kind than the outer document: pending, or accepted for
    longer (the renewal is on its way or done)."""
    return Exists(
        Document.objects.filter(
            famille=OuterRef("famille"),
            type=OuterRef("type"),
            depose_le__gt=OuterRef("depose_le"),
            **enfant,
        ).filter(
            Q(statut=Document.Statut.EN_ATTENTE)
            | Q(statut=Document.Statut.ACCEPTE, valide_jusqu_au__gt=OuterRef("valide_jusqu_au"))
        )
    )


def rappels_dus(aujourd_hui: datetime.date | None = None):
    """Accepted documents ending within 30 days, not reminded yet, that no newer file of
    the same kind replaces."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    return (
        Document.objects.filter(
            statut=Document.Statut.ACCEPTE,
            rappel_envoye_le__isnull=True,
            valide_jusqu_au__gte=aujourd_hui,
            valide_jusqu_au__lte=aujourd_hui + RAPPEL_AVANT,
            famille__anonymisee_le__isnull=True,
        )
        # A child's document (NULL never equals NULL: the household's are checked apart).
        .exclude(_plus_recent_qui_remplace(enfant=OuterRef("enfant")))
        .exclude(_plus_recent_qui_remplace(enfant__isnull=True), enfant__isnull=True)
        .order_by("pk")
    )


def envoyer_rappels(aujourd_hui: datetime.date | None = None) -> int:
    """One e-mail per responsable of the household for each document due; a document is
    reminded once (a conditional update claims it, so two runs never both send)."""
    envoyes = 0
    for pk in list(rappels_dus(aujourd_hui).values_list("pk", flat=True)):
        with transaction.atomic():
            if not Document.objects.filter(pk=pk, rappel_envoye_le__isnull=True).update(
                rappel_envoye_le=timezone.now()
            ):
                continue
            document = Document.objects.select_related("type", "enfant").get(pk=pk)
            emails = Responsable.objects.filter(famille_id=document.famille_id).values_list(
                "user__email", flat=True
            )
            for email in emails:
                queue_email(email, "document_a_renouveler", {"document": document})
            envoyes += 1
    return envoyes
