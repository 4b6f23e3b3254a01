"""RGPD: what the portal holds about a household, closing an account, and retention.

- `donnees_du_foyer` gathers everything held about a household, section by section, for
  "Mes données" (JSON and a readable PDF).
- `demander_cloture` turns a parent's request to close the account into a Demande;
  staff accept it and `anonymiser_famille` erases or anonymises what the law allows.
  Invoices and payments are public accounting records: they stay, as issued, for
  their legal period (`PORTAIL_CONSERVATION["factures"]`).
- `purger` (the `purger_donnees` command, run each night) removes what has expired.

Durations live in settings.PORTAIL_CONSERVATION, in months, and are shown to parents
on the "Données personnelles" page: one source for what we say and what we do.
"""

import datetime
import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from comptes.errors import DomainError
from comptes.historique import historiser
from comptes.models import (
    Courriel,
    Facture,
    LigneFacture,
    MandatSepa,
    Paiement,
    QuotientFamilial,
    Revenu,
    TransactionEnLigne,
)
from comptes.services import finances
from familles.fiche import effacer_dossiers
from familles.models import (
    Autorisation,
    Document,
    Enfant,
    Famille,
    FicheSanitaire,
    InvitationSecondFoyer,
    PersonneAutorisee,
    Rattachement,
    Responsable,
    Vaccination,
)
from inscriptions.models import Activite, Attestation, Inscription
from portail import messagerie
from portail.models import Demande, Discussion, Message, PieceJointe
from reservations.models import Absence, FluxCalendrier, Reservation, SemaineType

logger = logging.getLogger(__name__)
Etat = Reservation.Etat

MOTIF_ANONYMISATION = "Anonymisation (RGPD)"
ECHUE = "Durée de conservation échue"
# A child's health information, erased.
SANTE_EFFACEE = {"allergies": "", "pai": False, "notes_sante": "", "medecin_traitant": ""}
# Fields never shown in an export: secrets, binary documents, internal bookkeeping.
EXCLUS = {
    "password",
    "pdf",
    "jeton",
    "en_cours_depuis",
    "prochain_essai",
    "derniere_erreur",
    "corps",
    "snapshot",
}


class RgpdError(DomainError):
    pass


def conservation(cle: str) -> int:
    """A retention period in months (settings.PORTAIL_CONSERVATION)."""
    return settings.PORTAIL_CONSERVATION[cle]


def _il_y_a(mois: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=round(mois * 30.44))


# --- export --------------------------------------------------------------------------


AUTRE_FOYER = "un responsable de l'autre foyer"


def _valeur(objet, champ, lisible: bool, famille_id: int | None = None) -> object:
    """The JSON value (ISO dates, "12.50"), or, for the PDF, as a person reads it."""
    if champ.choices:
        return getattr(objet, f"get_{champ.name}_display")()
    valeur = getattr(objet, champ.attname if champ.is_relation else champ.name)
    if champ.is_relation:
        cible = getattr(objet, champ.name, None)
        # A shared child's file (garde alternée) also names the other household's parent
        # (who certified, who answered): never theirs to export.
        if isinstance(cible, Responsable) and famille_id and cible.famille_id != famille_id:
            return AUTRE_FOYER
        return str(cible) if cible is not None else None
    if isinstance(valeur, datetime.datetime):
        local = timezone.localtime(valeur)
        return f"{local:%d/%m/%Y à %H:%M}" if lisible else local.isoformat(timespec="minutes")
    if isinstance(valeur, datetime.date):
        return f"{valeur:%d/%m/%Y}" if lisible else valeur.isoformat()
    if isinstance(valeur, Decimal):
        return str(valeur).replace(".", ",") if lisible else str(valeur)
    if lisible and isinstance(valeur, dict | list):
        return json.dumps(valeur, ensure_ascii=False) if valeur else ""
    if isinstance(champ, models.FileField):
        return valeur.name.rsplit("/", 1)[-1] if valeur else ""
    return valeur


def _libelle(champ) -> str:
    # A relation named after its model ("user", "activite") reads as the model's name.
    if champ.is_relation and champ.verbose_name == champ.name.replace("_", " "):
        return str(champ.related_model._meta.verbose_name)
    return str(champ.verbose_name)


# A related object is exported by its name (`str`); these names read one level further,
# so the section's single query follows those relations too (rule 9: the export costs
# one query per section whatever the family's size).
_LIBELLE_LU_DANS = {
    Activite: ("site", "periode"),
    Inscription: ("enfant", "activite"),
    Reservation: ("enfant", "activite"),
}


def _section_de(
    titre: str, queryset, exclure=(), lisible: bool = False, famille_id: int | None = None
) -> dict:
    modele = queryset.model
    champs = [
        f
        for f in modele._meta.concrete_fields
        if f.name not in EXCLUS and f.name not in exclure and not f.primary_key
    ]
    relations = [
        chemin
        for f in champs
        if f.is_relation
        for chemin in [f.name]
        + [f"{f.name}__{suite}" for suite in _LIBELLE_LU_DANS.get(f.related_model, ())]
    ]
    objets = queryset.select_related(*relations) if relations else queryset
    return {
        "titre": titre,
        "colonnes": [{"nom": f.name, "libelle": _libelle(f)} for f in champs],
        "elements": [{f.name: _valeur(o, f, lisible, famille_id) for f in champs} for o in objets],
    }


def donnees_du_foyer(famille: Famille, lisible: bool = False) -> dict:
    """Everything the portal holds about a household (one query per section)."""
    responsables = Responsable.objects.filter(famille=famille)
    enfants = Enfant.objects.for_famille(famille).distinct()
    emails = list(responsables.values_list("user__email", flat=True))

    def _section(titre, queryset, exclure=()):
        return _section_de(titre, queryset, exclure, lisible, famille.pk)

    sections = [
        _section("Foyer", Famille.objects.filter(pk=famille.pk)),
        _section("Responsables légaux", responsables),
        _section(
            "Comptes de connexion",
            apps.get_model(settings.AUTH_USER_MODEL).objects.filter(responsable__famille=famille),
            exclure=("is_superuser",),
        ),
        _section("Enfants", enfants),
        _section(
            "Personnes autorisées à récupérer les enfants",
            PersonneAutorisee.objects.filter(enfant__in=enfants),
        ),
        _section("Fiches sanitaires", FicheSanitaire.objects.filter(enfant__in=enfants)),
        _section("Vaccinations", Vaccination.objects.filter(enfant__in=enfants)),
        _section("Autorisations", Autorisation.objects.filter(enfant__in=enfants)),
        _section("Inscriptions", Inscription.objects.filter(famille=famille)),
        _section(
            "Réservations et présences",
            Reservation.objects.filter(inscription__famille=famille).order_by("date"),
        ),
        _section("Semaines types", SemaineType.objects.filter(inscription__famille=famille)),
        _section("Absences signalées", Absence.objects.filter(inscription__famille=famille)),
        _section("Attestations", Attestation.objects.filter(inscription__famille=famille)),
        _section("Demandes", Demande.objects.filter(famille=famille).order_by("cree_le")),
        _section("Messages", Discussion.objects.filter(famille=famille).order_by("cree_le")),
        _section(
            "Messages échangés avec le service",
            Message.objects.filter(discussion__famille=famille).order_by("envoye_le", "pk"),
            exclure=("auteur",),  # an agent's own address is not the household's data
        ),
        _section(
            "Pièces jointes aux messages",
            PieceJointe.objects.filter(message__discussion__famille=famille).order_by("pk"),
        ),
        _section("Revenus déclarés", Revenu.objects.filter(famille=famille)),
        _section(
            "Documents (pièces justificatives)",
            Document.objects.filter(famille=famille).order_by("depose_le"),
        ),
        _section("Quotients familiaux", QuotientFamilial.objects.filter(famille=famille)),
        _section("Factures et avoirs", Facture.objects.filter(famille=famille)),
        _section("Lignes de factures", LigneFacture.objects.filter(facture__famille=famille)),
        _section("Paiements", Paiement.objects.filter(famille=famille)),
        _section("Mandats de prélèvement", MandatSepa.objects.filter(famille=famille)),
        _section(
            "Courriels envoyés",
            Courriel.objects.filter(destinataire__in=emails).order_by("cree_le"),
        ),
    ]
    return {
        "commune": settings.PORTAIL_COMMUNE,
        "genere_le": (
            f"{timezone.localtime():%d/%m/%Y à %H:%M}"
            if lisible
            else timezone.localtime().isoformat(timespec="minutes")
        ),
        "foyer": famille.nom,
        "sections": sections,
    }


def pdf_du_foyer(famille: Famille) -> bytes:
    from django.template.loader import render_to_string
    from weasyprint import HTML

    html = render_to_string(
        "pdf/mes_donnees.html", {"donnees": donnees_du_foyer(famille, lisible=True)}
    )
    return HTML(string=html).write_pdf()


# --- closing an account ---------------------------------------------------------------


def demander_cloture(responsable: Responsable, motif: str = "") -> Demande:
    """The parent asks to close the household's account (one pending request at most)."""
    with transaction.atomic():
        # The household row is the lock two simultaneous requests wait on.
        Famille.objects.select_for_update(no_key=True).filter(pk=responsable.famille_id).exists()
        deja = Demande.objects.filter(
            famille_id=responsable.famille_id,
            type=Demande.Type.CLOTURE,
            statut=Demande.Statut.EN_ATTENTE,
        ).first()
        if deja is not None:
            return deja
        return Demande.objects.create(
            famille_id=responsable.famille_id,
            demandeur=responsable,
            type=Demande.Type.CLOTURE,
            objet="Clôture du compte du foyer",
            donnees={"motif": (motif or "").strip()[:1000]},
        )


@dataclass
class Bilan:
    enfants_anonymises: int = 0
    enfants_detaches: int = 0
    responsables: int = 0
    inscriptions_closes: int = 0
    fichiers_supprimes: int = 0
    details: list[str] = field(default_factory=list)


def _purger_historique(modele, ids) -> None:
    """Old values of anonymised rows must not survive in the audit trail."""
    modele.history.filter(**{f"{modele._meta.pk.attname}__in": list(ids)}).delete()


def _anonymiser(objet, valeurs: dict) -> None:
    for nom, valeur in valeurs.items():
        setattr(objet, nom, valeur)
    objet._change_reason = MOTIF_ANONYMISATION
    objet.save()


def anonymiser_famille(famille: Famille, agent=None) -> Bilan:
    """Erase or anonymise a household (accepted closure request, or inactive account).

    Kept, as the law requires: invoices, credit notes and payments as issued (with the
    recipient's name and address they carry), quotients and declared amounts that
    justify the prices billed, and days attended (what the invoices bill). Erased: the
    contact details, logins, children's identity and health information, pick-up
    persons, proofs of income, documents and absence certificates, request contents,
    messages and their attachments, e-mails, and their old values in the audit trail. A
    child also attached to another household keeps its file there.
    """
    from reservations import services as reservations

    bilan = Bilan()
    with transaction.atomic():
        famille = Famille.objects.select_for_update().get(pk=famille.pk)
        if famille.anonymisee_le is not None:
            raise RgpdError("Ce foyer est déjà anonymisé.")
        du = finances.solde(famille)
        if du > 0:
            raise RgpdError(
                f"Le foyer doit encore {finances.euros(du)} : les données utiles au "
                "recouvrement sont conservées tant que la dette n'est pas réglée."
            )
        aujourd_hui = timezone.localdate()
        # Days already served but not yet invoiced would be billed to a household with
        # no name or address left: invoice them first.
        a_facturer = Reservation.objects.filter(
            inscription__famille=famille,
            date__lt=aujourd_hui,
            etat__in=[Etat.RESERVEE, Etat.PRESENT, Etat.ABSENT],
            activite__tarif__isnull=False,
            lignes_facture__isnull=True,
        ).order_by("date")
        premier = a_facturer.values_list("date", flat=True).first()
        if premier is not None:
            raise RgpdError(
                f"Des jours sont à facturer depuis le {premier:%d/%m/%Y} : facturez ce mois "
                "pour le foyer avant de clore son compte."
            )
        # Coming days are given back (waiting lists move up), enrolments end.
        for inscription in Inscription.objects.filter(famille=famille).actives():
            futurs = list(
                Reservation.objects.filter(inscription=inscription, date__gte=aujourd_hui)
                .actives()
                .values_list("date", flat=True)
            )
            if futurs:
                reservations.annuler(inscription, futurs, par=agent, par_le_service=True)
            inscription.statut = Inscription.Statut.ANNULEE
            inscription.decidee_le = timezone.now()
            inscription.decidee_par = agent
            inscription.motif_refus = "Compte du foyer clos."
            inscription.commentaire = ""
            inscription._change_reason = MOTIF_ANONYMISATION
            inscription.save()
            bilan.inscriptions_closes += 1
        Inscription.objects.filter(famille=famille).update(commentaire="")
        # A closed household is no longer debited; its mandates stay as the proof of the
        # debits made (kept like the payments).
        MandatSepa.objects.filter(famille=famille, revoque_le__isnull=True).update(
            revoque_le=timezone.now()
        )
        Demande.objects.filter(famille=famille, statut=Demande.Statut.EN_ATTENTE).exclude(
            type=Demande.Type.CLOTURE
        ).update(statut=Demande.Statut.ANNULEE, traitee_le=timezone.now(), traitee_par=agent)
        demandes = Demande.objects.filter(famille=famille)
        _purger_historique(Demande, demandes.values_list("pk", flat=True))
        for demande in demandes:
            demande.objet = demande.get_type_display()
            demande.donnees = {}
            demande.reponse = ""
        Demande.objects.bulk_update(demandes, ["objet", "donnees", "reponse"])

        enfants = list(Enfant.objects.for_famille(famille).distinct())
        ailleurs = set(
            Rattachement.objects.filter(enfant__in=enfants)
            .exclude(famille=famille)
            .values_list("enfant_id", flat=True)
        )
        seuls = [e for e in enfants if e.pk not in ailleurs]
        # A child with another home keeps its file there: this household lets go.
        Rattachement.objects.filter(famille=famille, enfant_id__in=ailleurs).delete()
        bilan.enfants_detaches = len(ailleurs)
        personnes = PersonneAutorisee.objects.filter(enfant__in=seuls)
        ids_personnes = list(personnes.values_list("pk", flat=True))
        personnes.delete()
        # After the delete: its own history rows hold the names and phones too.
        _purger_historique(PersonneAutorisee, ids_personnes)
        effacer_dossiers([e.pk for e in seuls], autorisations=True)
        _purger_historique(Enfant, [e.pk for e in seuls])
        for numero, enfant in enumerate(seuls, start=1):
            _anonymiser(
                enfant,
                {
                    "prenom": f"Enfant {numero}",
                    "nom": "Anonyme",
                    # The year is kept: prices and the tax certificate depend on the age.
                    "date_naissance": enfant.date_naissance.replace(month=1, day=1),
                    "ecole": "",
                    "regime_alimentaire": None,
                    **SANTE_EFFACEE,
                },
            )
        bilan.enfants_anonymises = len(seuls)

        User = apps.get_model(settings.AUTH_USER_MODEL)
        responsables = list(Responsable.objects.filter(famille=famille).select_related("user"))
        _purger_historique(Responsable, [r.pk for r in responsables])
        _purger_historique(User, [r.user_id for r in responsables])
        emails = [r.user.email for r in responsables]
        for responsable in responsables:
            _anonymiser(
                responsable,
                {
                    "nom": "Anonyme",
                    "prenom": f"Responsable {responsable.pk}",
                    "adresse": "",
                    "complement_adresse": "",
                    "code_postal": "00000",
                    "ville": "",
                    "telephone_mobile": "",
                    "telephone_fixe": "",
                    "telephone_travail": "",
                    "profession": "",
                    "employeur": "",
                },
            )
            user = responsable.user
            EmailAddress.objects.filter(user=user).delete()
            if apps.is_installed("allauth.mfa"):
                apps.get_model("mfa", "Authenticator").objects.filter(user=user).delete()
            user.set_unusable_password()
            _anonymiser(user, {"email": f"anonyme-{user.pk}@anonyme.invalid", "is_active": False})
        bilan.responsables = len(responsables)
        Courriel.objects.filter(destinataire__in=emails).delete()
        FluxCalendrier.objects.filter(famille=famille).delete()
        # Invitations of the other parent it sent or used: they hold an e-mail address.
        invitations = InvitationSecondFoyer.objects.filter(
            Q(famille=famille) | Q(demande__famille=famille)
        )
        ids_invitations = list(invitations.values_list("pk", flat=True))
        InvitationSecondFoyer.objects.filter(pk__in=ids_invitations).delete()
        _purger_historique(InvitationSecondFoyer, ids_invitations)
        _effacer_messages(Discussion.objects.filter(famille=famille))

        bilan.fichiers_supprimes = _effacer_justificatifs(
            Revenu.objects.filter(famille=famille), MOTIF_ANONYMISATION
        ) + _effacer_documents(Document.objects.filter(famille=famille))
        bilan.fichiers_supprimes += _effacer_certificats(
            Absence.objects.filter(inscription__famille=famille), MOTIF_ANONYMISATION
        )

        nom_anonyme = f"Foyer anonymisé n° {famille.pk}"
        # Attestations already issued: the public check no longer names the child.
        for attestation in Attestation.objects.filter(inscription__famille=famille):
            naissance = attestation.contenu.get("date_naissance", "")
            attestation.contenu = {
                **attestation.contenu,
                "enfant": "données effacées à la demande de la famille",
                "date_naissance": f"{naissance[:4]}-01-01" if naissance else "",
                "sexe": "",
                "famille": nom_anonyme,
                "efface": True,
            }
            attestation.pdf = None
            attestation.save(update_fields=["contenu", "pdf"])
        # The admin's own log names the objects it touched.
        _renommer_dans_le_journal(Famille, [famille.pk], nom_anonyme)
        for enfant in seuls:
            _renommer_dans_le_journal(Enfant, [enfant.pk], str(enfant))
        for responsable in responsables:
            _renommer_dans_le_journal(Responsable, [responsable.pk], str(responsable))
            _renommer_dans_le_journal(User, [responsable.user_id], responsable.user.email)
        _purger_historique(Famille, [famille.pk])
        _anonymiser(
            famille,
            {
                "nom": nom_anonyme,
                "adresse": "",
                "complement_adresse": "",
                "code_postal": "",
                "ville": "",
                "numero_allocataire": "",
                "anonymisee_le": timezone.now(),
            },
        )
    logger.info("Foyer %s anonymisé (%s)", famille.pk, bilan)
    return bilan


def _renommer_dans_le_journal(modele, ids, libelle: str) -> None:
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(modele),
        object_id__in=[str(i) for i in ids],
    ).update(object_repr=libelle[:200])


def _effacer_justificatifs(revenus, raison: str) -> int:
    """Erase the proofs of these incomes (the amounts stay); files go after commit."""
    nombre = 0
    for revenu in revenus.exclude(justificatif=""):
        nom = revenu.justificatif.name
        revenu.justificatif = ""
        revenu._change_reason = raison
        revenu.save()
        transaction.on_commit(lambda nom=nom: _supprimer_fichier(nom))
        nombre += 1
    return nombre


def _effacer_documents(documents) -> int:
    """Delete these documents, their old versions in the audit trail, and their files
    (after commit). Their requests stay, emptied by the caller or kept as a trace."""
    lignes = list(documents.values_list("pk", "fichier"))
    for _, nom in lignes:
        if nom:
            transaction.on_commit(lambda nom=nom: _supprimer_fichier(nom))
    ids = [pk for pk, _ in lignes]
    Document.objects.filter(pk__in=ids).delete()
    _purger_historique(Document, ids)
    return sum(1 for _, nom in lignes if nom)


def _effacer_certificats(absences, raison: str) -> int:
    """Erase the medical certificates of these absences (the days and their billing
    stay); files go after commit."""
    nombre = 0
    for absence in absences.exclude(certificat=""):
        nom = absence.certificat.name
        absence.certificat = ""
        absence._change_reason = raison
        absence.save()
        transaction.on_commit(lambda nom=nom: _supprimer_fichier(nom))
        nombre += 1
    return nombre


def _effacer_messages(discussions) -> int:
    """Delete these threads, their messages' old versions and their files (after commit)."""
    ids = list(discussions.values_list("pk", flat=True))
    ids_messages = list(Message.objects.filter(discussion_id__in=ids).values_list("pk", flat=True))
    noms = list(
        PieceJointe.objects.filter(message_id__in=ids_messages).values_list("fichier", flat=True)
    )
    familles = list(discussions.values_list("famille_id", flat=True).distinct())
    nombre, _ = Discussion.objects.filter(pk__in=ids).delete()
    messagerie.recompter_non_lus(familles)
    # After the delete: its own history rows hold the texts too.
    _purger_historique(Message, ids_messages)
    _purger_historique(Discussion, ids)
    for nom in noms:
        transaction.on_commit(lambda nom=nom: _supprimer_fichier(nom))
    return nombre


def _supprimer_fichier(nom: str) -> None:
    from django.core.files.storage import default_storage

    try:
        default_storage.delete(nom)
    except OSError as exc:  # already gone, or storage down: logged for the operator
        logger.warning("Fichier %s non supprimé : %s", nom, exc)


def anonymiser_depuis_demande(demande: Demande, agent) -> None:
    """Staff accepted a closure request: anonymise, then tell the parents it is done."""
    from comptes.outbox import queue_email

    emails = list(
        Responsable.objects.filter(famille_id=demande.famille_id).values_list(
            "user__email", flat=True
        )
    )
    anonymiser_famille(demande.famille, agent)
    # The request row is saved again by the queue: it must not bring the old text back.
    demande.objet = demande.get_type_display()
    demande.donnees = {}
    for email in emails:
        queue_email(email, "compte_clos", {})


# --- retention ------------------------------------------------------------------------


def foyers_inactifs():
    """Households nobody has signed in to, and nothing happened in, for the period."""
    limite = _il_y_a(conservation("famille"))
    User = apps.get_model(settings.AUTH_USER_MODEL)
    foyer = OuterRef("pk")
    return (
        Famille.objects.filter(anonymisee_le__isnull=True, cree_le__lt=limite)
        .exclude(Exists(User.objects.filter(responsable__famille=foyer, last_login__gte=limite)))
        .exclude(Exists(Inscription.objects.filter(famille=foyer, date_fin__gte=limite.date())))
        .exclude(Exists(Facture.objects.filter(famille=foyer, emise_le__gte=limite)))
        .exclude(Exists(Responsable.objects.filter(famille=foyer, user__is_staff=True)))
    )


def _fichiers_connus(dossier: str) -> set[str]:
    if dossier == "messages":
        return set(PieceJointe.objects.values_list("fichier", flat=True))
    connus = set(Revenu.objects.exclude(justificatif="").values_list("justificatif", flat=True))
    return connus | set(Document.objects.exclude(fichier="").values_list("fichier", flat=True))


def fichiers_orphelins(dossier: str = "justificatifs") -> list[str]:
    """Stored proofs, documents (or message attachments) no row points to, older than a
    day (a process killed between the file and its row's commit): a safety net behind
    comptes.fichiers.enregistrer."""
    from django.core.files.storage import default_storage

    connus = _fichiers_connus(dossier)
    limite = timezone.now() - datetime.timedelta(days=1)
    orphelins = []
    try:
        sous_dossiers, _ = default_storage.listdir(dossier)
    except FileNotFoundError:
        return []
    for sous_dossier in sous_dossiers:
        _, noms = default_storage.listdir(f"{dossier}/{sous_dossier}")
        for nom in noms:
            chemin = f"{dossier}/{sous_dossier}/{nom}"
            if chemin not in connus and default_storage.get_modified_time(chemin) < limite:
                orphelins.append(chemin)
    return orphelins


def purger(simulation: bool = False) -> dict[str, int]:
    """Remove what has outlived its retention period; returns counts per kind."""
    compte = {}
    with transaction.atomic():
        courriels = Courriel.objects.filter(cree_le__lt=_il_y_a(conservation("courriels")))
        compte["courriels"] = courriels.count()
        limite_justificatifs = _il_y_a(conservation("revenus"))
        revenus = Revenu.objects.filter(declare_le__lt=limite_justificatifs).exclude(
            justificatif=""
        )
        compte["justificatifs"] = revenus.count()
        transactions = TransactionEnLigne.objects.filter(
            cree_le__lt=_il_y_a(conservation("factures"))
        )
        compte["transactions_en_ligne"] = transactions.count()
        limite_historique = _il_y_a(conservation("historique"))
        historiques = [
            m.history.filter(history_date__lt=limite_historique)
            for m in apps.get_models()
            if hasattr(m, "history") and hasattr(m.history, "filter")
        ]
        compte["historique"] = sum(h.count() for h in historiques)
        # Health information of children whose last enrolment ended long ago.
        limite_sante = _il_y_a(conservation("sante")).date()
        sante = (
            Enfant.objects.annotate(fin=Max("inscriptions__date_fin"))
            .filter(Q(fin__lt=limite_sante) | Q(fin__isnull=True, cree_le__lt=limite_sante))
            .filter(
                Q(pai=True)
                | ~Q(allergies="")
                | ~Q(notes_sante="")
                | ~Q(medecin_traitant="")
                | Exists(FicheSanitaire.objects.filter(enfant=OuterRef("pk")))
                | Exists(Vaccination.objects.filter(enfant=OuterRef("pk")))
            )
        )
        enfants_sante = list(sante.values_list("pk", flat=True))
        compte["fiches_sante"] = len(enfants_sante)
        # Medical certificates of absences, once their enrolment is as old as that.
        certificats = Absence.objects.filter(inscription__date_fin__lt=limite_sante).exclude(
            certificat=""
        )
        compte["certificats_absence"] = certificats.count()
        inactifs = list(foyers_inactifs())
        compte["foyers_inactifs"] = len(inactifs)
        # Documents expired, or refused, for the period (accepted ones in force stay).
        limite_documents = _il_y_a(conservation("documents"))
        documents = Document.objects.filter(
            Q(valide_jusqu_au__lt=limite_documents.date())
            | Q(
                statut__in=[Document.Statut.REFUSE, Document.Statut.ANNULE],
                demande__traitee_le__lt=limite_documents,
            )
            | Q(
                statut__in=[Document.Statut.REFUSE, Document.Statut.ANNULE],
                demande__isnull=True,
                depose_le__lt=limite_documents,
            )
        )
        compte["documents"] = documents.count()
        orphelins = (
            fichiers_orphelins() + fichiers_orphelins("documents") + fichiers_orphelins("messages")
        )
        compte["fichiers_orphelins"] = len(orphelins)
        # Threads whose last message is older than the period (with their files).
        discussions = Discussion.objects.filter(
            dernier_message_le__lt=_il_y_a(conservation("messages"))
        )
        compte["messages"] = discussions.count()
        if simulation:
            transaction.set_rollback(True)
            return compte
        courriels.delete()
        _effacer_messages(discussions)
        _effacer_justificatifs(revenus, ECHUE)
        _effacer_documents(documents)
        transactions.delete()
        for historique in historiques:
            historique.delete()
        for chemin in orphelins:
            _supprimer_fichier(chemin)
        _effacer_certificats(certificats, ECHUE)
        Enfant.objects.filter(pk__in=enfants_sante).update(**SANTE_EFFACEE)
        historiser(Enfant.objects.filter(pk__in=enfants_sante), raison=ECHUE)
        effacer_dossiers(enfants_sante)
        # Old values of health fields must not outlive the fields in the audit trail.
        Enfant.history.filter(id__in=enfants_sante).exclude(history_change_reason=ECHUE).update(
            **SANTE_EFFACEE
        )
    # One household at a time: a refusal (unpaid debt) leaves the others to go on.
    compte["foyers_anonymises"] = 0
    for famille in inactifs:
        try:
            anonymiser_famille(famille)
        except DomainError as exc:  # a debt, a day that cannot be given back…
            logger.warning("Foyer %s inactif non anonymisé : %s", famille.pk, exc.message)
        else:
            compte["foyers_anonymises"] += 1
    return compte
