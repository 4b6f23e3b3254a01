"""SEPA direct debit: mandates signed online by parents, the month's pain.008 file made
by the worker, and rejects recorded by the finance service.

The creditor (ICS, account, name) comes from settings (PORTAIL_SEPA_*). Generating a
file records each debit as a Paiement of mode "prélèvement" dated on the collection day:
the invoice shows as paid. A reject writes the opposite Paiement (the payment is
cancelled, the audit trail keeps both), the invoice is "à payer" again and the parents
are told by e-mail.
"""

import datetime
import logging
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from comptes import fichiers, tasks
from comptes.models import Facture, LignePrelevement, MandatSepa, Paiement, RemisePrelevement
from comptes.outbox import queue_email
from comptes.services import finances
from comptes.services.finances import FinanceError

logger = logging.getLogger(__name__)

DELAI_MINIMAL = datetime.timedelta(days=2)  # the bank needs the file before the day
# Reasons the banks give for a reject (ISO 20022 codes most seen in France).
MOTIFS_REJET = {
    "AC01": "IBAN erroné",
    "AC04": "compte clôturé",
    "AC06": "compte bloqué",
    "AM04": "provision insuffisante",
    "MD01": "pas de mandat",
    "MD06": "contestation du débiteur",
    "MS02": "refus du débiteur",
    "MS03": "raison non communiquée",
    "SL01": "service spécifique de la banque",
}


def configure() -> bool:
    return bool(settings.PORTAIL_SEPA_ICS and settings.PORTAIL_SEPA_IBAN)


def mandat_actif(famille) -> MandatSepa | None:
    return MandatSepa.objects.filter(famille=famille, revoque_le__isnull=True).first()


def verifier_iban(saisie: str) -> IBAN:
    try:
        return IBAN(saisie or "")
    except SchwiftyException:
        raise FinanceError(
            "Cet IBAN n'est pas valide : vérifiez-le sur votre relevé d'identité bancaire.",
            field="iban",
        ) from None


def signer_mandat(famille, user, titulaire: str, iban: str, bic: str = "") -> MandatSepa:
    if not configure():
        raise FinanceError("Le prélèvement automatique n'est pas proposé par la commune.")
    titulaire = " ".join((titulaire or "").split())
    if not titulaire:
        raise FinanceError("Indiquez le titulaire du compte.", field="titulaire")
    if len(titulaire) > 70:
        raise FinanceError("Le nom du titulaire compte 70 caractères au plus.", field="titulaire")
    compte = verifier_iban(iban)
    if not compte.in_sepa_zone:
        raise FinanceError("Ce compte n'est pas dans la zone SEPA.", field="iban")
    bic = (bic or "").replace(" ", "").upper()
    if not bic and compte.bic is not None:
        bic = str(compte.bic)
    if bic and len(bic) not in (8, 11):
        raise FinanceError("Le BIC compte 8 ou 11 caractères.", field="bic")
    try:
        with transaction.atomic():
            return MandatSepa.objects.create(
                famille=famille,
                rum=f"PF-{famille.pk}-{secrets.token_hex(6).upper()}",
                titulaire=titulaire,
                iban=compte.compact,
                bic=bic,
                signe_par=user,
            )
    except IntegrityError:
        raise FinanceError(
            "Un mandat est déjà actif pour votre foyer : révoquez-le avant d'en signer un autre."
        ) from None


def revoquer_mandat(mandat: MandatSepa) -> MandatSepa:
    updated = MandatSepa.objects.filter(pk=mandat.pk, revoque_le__isnull=True).update(
        revoque_le=timezone.now()
    )
    if not updated:
        raise FinanceError("Ce mandat est déjà révoqué.")
    mandat.refresh_from_db()
    return mandat


# --- the month's file ---------------------------------------------------------------


def demander_remise(mois: datetime.date, date_prelevement: datetime.date, agent=None):
    """Queue the direct-debit file of `mois`, collected on `date_prelevement`."""
    if not configure():
        raise FinanceError(
            "Le prélèvement n'est pas configuré (PORTAIL_SEPA_ICS, PORTAIL_SEPA_IBAN)."
        )
    if date_prelevement < timezone.localdate() + DELAI_MINIMAL:
        raise FinanceError(
            "La date de prélèvement doit être au moins deux jours après aujourd'hui.",
            field="date_prelevement",
        )
    with transaction.atomic():
        remise = RemisePrelevement.objects.create(
            mois=mois.replace(day=1), date_prelevement=date_prelevement, demandee_par=agent
        )
        tasks.apres_commit(tasks.generer_prelevements, remise.pk)
    return remise


def a_prelever(mois: datetime.date) -> list[tuple[Facture, MandatSepa, object]]:
    """The month's invoices not settled, of households with an active mandate, not in
    a debit already (unless rejected), with what is left to pay on each."""
    mandats = MandatSepa.objects.filter(famille=OuterRef("famille"), revoque_le__isnull=True)
    factures = list(
        Facture.objects.filter(type=Facture.Type.FACTURE, mois=mois)
        .filter(Exists(mandats))
        .exclude(prelevements__statut=LignePrelevement.Statut.PRELEVE)
        .defer("pdf")
        .order_by("numero")
    )
    payes = finances.paye_par_facture(factures)
    actifs = {
        m.famille_id: m
        for m in MandatSepa.objects.filter(
            famille_id__in={f.famille_id for f in factures}, revoque_le__isnull=True
        )
    }
    resultat = []
    for facture in factures:
        reste = facture.montant - payes[facture.pk]
        if reste > 0:
            resultat.append((facture, actifs[facture.famille_id], finances.arrondi(reste)))
    return resultat


def generer(pk: int) -> str | None:
    """The worker's part: build, validate and store the file, record the debits."""
    if not RemisePrelevement.objects.filter(pk=pk, etat=RemisePrelevement.Etat.EN_ATTENTE).exists():
        return None
    try:
        with transaction.atomic():
            remise = RemisePrelevement.objects.select_for_update().get(pk=pk)
            if remise.etat != RemisePrelevement.Etat.EN_ATTENTE:
                return None
            _generer(remise)
    except FinanceError as exc:  # nothing to debit: staff see why
        return _echec(pk, exc.message)
    except IntegrityError:  # another file debited the same invoice a moment ago
        return _echec(
            pk,
            "Une autre remise vient de prélever certaines de ces factures : rien n'a été "
            "enregistré, demandez un nouveau fichier.",
        )
    except Exception as exc:  # an invalid file or a bug: nothing recorded, staff see why
        logger.exception("Remise de prélèvements %s en échec", pk)
        return _echec(pk, f"{type(exc).__name__} : {exc}")
    return RemisePrelevement.Etat.TERMINEE


def _echec(pk: int, message: str) -> str:
    RemisePrelevement.objects.filter(pk=pk).update(
        etat=RemisePrelevement.Etat.ECHEC, erreur=message[:2000], fin=timezone.now()
    )
    return RemisePrelevement.Etat.ECHEC


def _generer(remise: RemisePrelevement) -> None:
    from sepaxml import SepaDD

    a_faire = a_prelever(remise.mois)
    if not a_faire:
        raise FinanceError(
            f"Aucune facture de {remise.mois:%m/%Y} à prélever (pas de mandat actif, ou "
            "tout est déjà réglé ou prélevé)."
        )
    deja_preleves = set(
        LignePrelevement.objects.filter(
            mandat__in=[m for _, m, _ in a_faire], statut=LignePrelevement.Statut.PRELEVE
        ).values_list("mandat_id", flat=True)
    )
    fichier = SepaDD(
        {
            "name": settings.PORTAIL_SEPA_NOM[:70],
            "IBAN": settings.PORTAIL_SEPA_IBAN,
            "BIC": settings.PORTAIL_SEPA_BIC or "NOTPROVIDED",
            "batch": True,
            "creditor_id": settings.PORTAIL_SEPA_ICS,
            "currency": "EUR",
        },
        schema="pain.008.001.02",
    )
    lignes, total = [], finances.ZERO
    for facture, mandat, reste in a_faire:
        sequence = (
            LignePrelevement.Sequence.RCUR
            if mandat.pk in deja_preleves
            else LignePrelevement.Sequence.FRST
        )
        reference = f"{facture.numero}-{secrets.token_hex(4).upper()}"
        paiement = {
            "name": mandat.titulaire,
            "IBAN": mandat.iban,
            "amount": int(reste * 100),
            "type": sequence,
            "collection_date": remise.date_prelevement,
            "mandate_id": mandat.rum,
            "mandate_date": mandat.signe_le,
            "description": f"Facture {facture.numero} {settings.PORTAIL_COMMUNE}",
            "endtoend_id": reference,
        }
        if mandat.bic:
            paiement["BIC"] = mandat.bic
        fichier.add_payment(paiement)
        lignes.append((facture, mandat, reste, sequence, reference))
        total += reste
    xml = fichier.export(validate=True)  # against the pain.008.001.02 schema
    for facture, mandat, reste, sequence, reference in lignes:
        paiement = Paiement.objects.create(
            famille_id=facture.famille_id,
            facture=facture,
            montant=reste,
            mode=Paiement.Mode.PRELEVEMENT,
            date=remise.date_prelevement,
            reference=reference,
            enregistre_par=remise.demandee_par,
        )
        LignePrelevement.objects.create(
            remise=remise,
            facture=facture,
            mandat=mandat,
            montant=reste,
            sequence=sequence,
            reference=reference,
            paiement=paiement,
        )
    fichiers.enregistrer(remise.fichier, ContentFile(xml), _XML)
    remise.etat = RemisePrelevement.Etat.TERMINEE
    remise.nombre = len(lignes)
    remise.total = total
    remise.fin = timezone.now()
    remise.erreur = ""
    remise.save()


_XML = fichiers.Nature("XML", "xml", "application/xml")


# --- rejects ------------------------------------------------------------------------


def rejeter(ligne: LignePrelevement, motif: str, agent=None) -> LignePrelevement:
    """The bank returned this debit: the payment is cancelled by the opposite entry, the
    invoice is "à payer" again, the parents are told."""
    from familles.models import Responsable

    motif = (motif or "").strip().upper()
    if motif not in MOTIFS_REJET:
        raise FinanceError("Choisissez le motif du rejet donné par la banque.", field="motif")
    with transaction.atomic():
        ligne = (
            LignePrelevement.objects.select_for_update(of=("self",))
            .select_related("facture")
            .get(pk=ligne.pk)
        )
        if ligne.statut == LignePrelevement.Statut.REJETE:
            raise FinanceError(
                f"Le prélèvement de la facture {ligne.facture.numero} est déjà rejeté."
            )
        annulation = Paiement.objects.create(
            famille_id=ligne.facture.famille_id,
            facture=ligne.facture,
            montant=-ligne.montant,
            mode=Paiement.Mode.PRELEVEMENT,
            date=timezone.localdate(),
            reference=f"Rejet {motif} {ligne.reference}"[:100],
            enregistre_par=agent,
        )
        ligne.statut = LignePrelevement.Statut.REJETE
        ligne.motif_rejet = motif
        ligne.rejet_le = timezone.now()
        ligne.annulation = annulation
        ligne.save(update_fields=["statut", "motif_rejet", "rejet_le", "annulation"])
        contexte = {
            "facture": ligne.facture,
            "montant": ligne.montant,
            "motif": MOTIFS_REJET[motif],
        }
        for email in Responsable.objects.filter(famille_id=ligne.facture.famille_id).values_list(
            "user__email", flat=True
        ):
            queue_email(email, "prelevement_rejete", contexte)
    return ligne
