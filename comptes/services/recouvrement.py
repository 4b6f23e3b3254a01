"""Chasing unpaid invoices: the reminder steps set in the admin (EtapeRelance), sent by
the daily background run (`relancer`), each recorded on the invoice (RelanceFacture);
and the treasury's CSV export of a month."""

import csv
import datetime
import io
import logging

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from comptes import fichiers
from comptes.models import EtapeRelance, Facture, Paiement, RelanceFacture
from comptes.outbox import queue_email
from comptes.services import finances

logger = logging.getLogger(__name__)


def relancer(aujourd_hui: datetime.date | None = None) -> int:
    """Send the reminders due today; returns how many were sent. Idempotent: a step is
    sent once per invoice (a database constraint), and an invoice late enough for
    several steps at once gets only the latest one (the earlier ones are past)."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    etapes = list(EtapeRelance.objects.filter(active=True).order_by("jours_apres_echeance"))
    if not etapes:
        return 0
    premiere = etapes[0].jours_apres_echeance
    en_retard = list(
        finances.annoter_paye(
            Facture.objects.filter(
                type=Facture.Type.FACTURE,
                echeance__lte=aujourd_hui - datetime.timedelta(days=premiere),
            ).defer("pdf")
        ).filter(paye__lt=F("montant"))
    )
    deja = {}
    for facture_id, jours in RelanceFacture.objects.filter(
        facture_id__in=[f.pk for f in en_retard]
    ).values_list("facture_id", "etape__jours_apres_echeance"):
        deja[facture_id] = max(jours, deja.get(facture_id, -1))
    envoyees = 0
    for facture in en_retard:
        retard = (aujourd_hui - facture.echeance).days
        etape = [e for e in etapes if e.jours_apres_echeance <= retard][-1]
        if deja.get(facture.pk, -1) >= etape.jours_apres_echeance:
            continue
        try:
            envoyees += _envoyer(facture, etape, facture.montant - facture.paye)
        except Exception:  # one invoice's problem (a letter that fails) stops no other
            logger.exception("Relance de la facture %s impossible", facture.numero)
    return envoyees


def _envoyer(facture: Facture, etape: EtapeRelance, reste) -> int:
    from familles.models import Responsable

    reste = finances.arrondi(reste)
    try:
        with transaction.atomic():
            relance = RelanceFacture.objects.create(
                facture=facture,
                etape=etape,
                reste_du=reste,
                canal=(
                    RelanceFacture.Canal.COURRIEL_ET_LETTRE
                    if etape.lettre
                    else RelanceFacture.Canal.COURRIEL
                ),
            )
            contexte = {"facture": facture, "etape": etape, "reste": reste, "relance": relance}
            if etape.lettre:
                fichiers.enregistrer(
                    relance.lettre, ContentFile(_lettre_pdf(contexte)), fichiers.PDF
                )
                relance.save(update_fields=["lettre"])
            for email in Responsable.objects.filter(famille_id=facture.famille_id).values_list(
                "user__email", flat=True
            ):
                queue_email(email, "relance_facture", contexte)
    except IntegrityError:
        return 0  # another run sent it a moment ago
    return 1


def _lettre_pdf(contexte: dict) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_to_string("pdf/relance.html", contexte)).write_pdf()


# --- the treasury's export -----------------------------------------------------------


def _nombre(valeur) -> str:
    """An amount as French spreadsheets read it: 1234,50 (no thousands separator)."""
    return f"{finances.arrondi(valeur):.2f}".replace(".", ",")


COLONNES_MONTANTS = ["Montant", "Réglé", "Reste", "Statut"]


def export_tresorerie(mois: datetime.date) -> str:
    """The month's invoices and credit notes (by month invoiced) and the payments
    received in the month (by payment date), with totals, as a ";"-separated CSV."""
    mois = mois.replace(day=1)
    fin = (mois + datetime.timedelta(days=32)).replace(day=1)
    factures = list(
        Facture.objects.filter(mois=mois).defer("pdf").select_related("famille").order_by("numero")
    )
    payes = finances.paye_par_facture([f for f in factures if f.type == Facture.Type.FACTURE])
    paiements = list(
        Paiement.objects.filter(date__gte=mois, date__lt=fin)
        .select_related("famille", "facture")
        .order_by("date", "pk")
    )
    sortie = io.StringIO()
    ecrire = csv.writer(sortie, delimiter=";").writerow
    ecrire([f"Factures de {mois:%m/%Y}"])
    ecrire(["Numéro", "Type", "Famille", "Émise le", "Échéance"] + COLONNES_MONTANTS)
    total_factures = total_avoirs = finances.ZERO
    aujourd_hui = timezone.localdate()
    for f in factures:
        if f.type == Facture.Type.AVOIR:
            total_avoirs += f.montant
            ecrire(
                [
                    f.numero,
                    "Avoir",
                    f.famille.nom,
                    f"{timezone.localtime(f.emise_le):%d/%m/%Y}",
                    "",
                    _nombre(-f.montant),
                    "",
                    "",
                    "",
                ]
            )
            continue
        total_factures += f.montant
        paye = payes[f.pk]
        ecrire(
            [
                f.numero,
                "Facture",
                f.famille.nom,
                f"{timezone.localtime(f.emise_le):%d/%m/%Y}",
                f"{f.echeance:%d/%m/%Y}",
                _nombre(f.montant),
                _nombre(paye),
                _nombre(max(finances.ZERO, f.montant - paye)),
                finances.statut_facture(f, paye, aujourd_hui),
            ]
        )
    ecrire(["Total des factures", "", "", "", "", _nombre(total_factures)])
    ecrire(["Total des avoirs", "", "", "", "", _nombre(-total_avoirs)])
    ecrire(["Net facturé", "", "", "", "", _nombre(total_factures - total_avoirs)])
    ecrire([])
    ecrire([f"Paiements reçus en {mois:%m/%Y}"])
    ecrire(["Date", "Famille", "Facture", "Mode", "Référence", "Montant"])
    total_paiements = finances.ZERO
    for p in paiements:
        total_paiements += p.montant
        ecrire(
            [
                f"{p.date:%d/%m/%Y}",
                p.famille.nom,
                p.facture.numero if p.facture else "",
                p.get_mode_display(),
                p.reference,
                _nombre(p.montant),
            ]
        )
    ecrire(["Total des paiements", "", "", "", "", _nombre(total_paiements)])
    return sortie.getvalue()
