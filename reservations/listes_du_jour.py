"""Day-list PDFs in batches (issue 13 part 6): the lists of several sites or days, built
by the worker, never by a request. Staff ask in the admin (admin_lots.py); the single
day's PDF of "Journée de l'école" stays immediate.

A batch makes one PDF per site and day with someone on the list, or one PDF of all of
them; each file is stored under a random name (comptes.fichiers) and served to staff
who may see every site of the batch.
"""

import datetime
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from comptes import fichiers, tasks
from comptes.errors import DomainError
from reservations import admin_journee
from reservations import tasks as taches
from reservations.models import LotListesDuJour, PdfListeDuJour, Reservation

logger = logging.getLogger(__name__)

JOURS_MAX = 31  # a month at most: a longer batch is a mistake more often than a need


class ListesError(DomainError):
    pass


def demander(sites, premier_jour: datetime.date, dernier_jour: datetime.date, forme, agent):
    """Queue a batch; the worker builds it (preparer)."""
    sites = list(sites)
    if not sites:
        raise ListesError("Choisissez au moins un site.", field="sites")
    if dernier_jour < premier_jour:
        raise ListesError("Le dernier jour doit suivre le premier.", field="dernier_jour")
    if (dernier_jour - premier_jour).days >= JOURS_MAX:
        raise ListesError(
            f"Un lot couvre {JOURS_MAX} jours au plus : demandez-en plusieurs.",
            field="dernier_jour",
        )
    if forme not in LotListesDuJour.Forme.values:
        raise ListesError("Choisissez la forme des PDF.", field="forme")
    with transaction.atomic():
        lot = LotListesDuJour.objects.create(
            premier_jour=premier_jour, dernier_jour=dernier_jour, forme=forme, demande_par=agent
        )
        lot.sites.set(sites)
        tasks.apres_commit(taches.preparer_listes_du_jour, lot.pk)
    return lot


def listes_a_faire(lot: LotListesDuJour) -> list[tuple]:
    """(site, day) pairs with at least one child on the list, by day then site name."""
    sites = {site.pk: site for site in lot.sites.all()}
    paires = (
        Reservation.objects.filter(
            activite__site_id__in=sites,
            date__gte=lot.premier_jour,
            date__lte=lot.dernier_jour,
            etat__in=admin_journee.ETATS_DE_LA_LISTE,
        )
        .values_list("date", "activite__site_id")
        .distinct()
    )
    return sorted(
        ((sites[site_id], jour) for jour, site_id in paires), key=lambda p: (p[1], p[0].nom)
    )


def preparer(pk: int) -> str | None:
    """The worker's part. Each file is saved as soon as it is made (separate PDFs), so
    the admin's progress is real; a failure keeps what was made and says why."""
    pris = LotListesDuJour.objects.filter(pk=pk, etat=LotListesDuJour.Etat.EN_ATTENTE).update(
        etat=LotListesDuJour.Etat.EN_COURS, mise_a_jour_le=timezone.now()
    )
    if not pris:  # already taken by another worker, or gone
        return None
    lot = LotListesDuJour.objects.get(pk=pk)
    try:
        a_faire = listes_a_faire(lot)
        LotListesDuJour.objects.filter(pk=pk).update(listes_a_faire=len(a_faire))
        documents = []
        for site, jour in a_faire:
            document = admin_journee.pdf_journee(admin_journee.contenu_journee(site, jour))
            if lot.forme == LotListesDuJour.Forme.SEPAREES:
                _enregistrer(lot, document.write_pdf(), site, jour)
            else:
                documents.append(document)
            LotListesDuJour.objects.filter(pk=pk).update(
                listes_faites=F("listes_faites") + 1, mise_a_jour_le=timezone.now()
            )
        if documents:
            pages = [page for document in documents for page in document.pages]
            _enregistrer(lot, documents[0].copy(pages).write_pdf())
    except Exception as exc:  # a bug or a full disk: staff see why, the files made stay
        logger.exception("Lot de listes du jour %s en échec", pk)
        LotListesDuJour.objects.filter(pk=pk).update(
            etat=LotListesDuJour.Etat.ECHEC,
            erreur=f"{type(exc).__name__} : {exc}"[:2000],
            fin=timezone.now(),
        )
        return LotListesDuJour.Etat.ECHEC
    LotListesDuJour.objects.filter(pk=pk).update(
        etat=LotListesDuJour.Etat.TERMINE, fin=timezone.now()
    )
    return LotListesDuJour.Etat.TERMINE


def _enregistrer(lot, contenu: bytes, site=None, jour=None) -> None:
    with transaction.atomic():
        pdf = PdfListeDuJour(lot=lot, site=site, jour=jour)
        fichiers.enregistrer(pdf.fichier, ContentFile(contenu), fichiers.PDF)
        pdf.save()


def nom_du_fichier(pdf: PdfListeDuJour) -> str:
    if pdf.site_id is None:
        lot = pdf.lot
        return f"listes-du-jour-{lot.premier_jour.isoformat()}-{lot.dernier_jour.isoformat()}"
    return f"journee-{pdf.site_id}-{pdf.jour.isoformat()}"
