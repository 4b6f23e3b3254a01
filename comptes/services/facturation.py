"""Invoicing a month in the background: staff ask, the worker invoices, the admin shows
the progress (TacheFacturation). No request ever holds a web worker for a town's month.

A run invoices in batches of households, each committed with its progress: an
interrupted run (worker stopped, database restarted) is retried with a growing delay
and carries on where it stopped, since households already invoiced are skipped.
"""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from comptes import tasks
from comptes.errors import DomainError
from comptes.models import TacheFacturation
from comptes.services import finances

logger = logging.getLogger(__name__)

# A run whose progress has not moved for this long lost its worker: it may be replaced.
INTERROMPUE_APRES = datetime.timedelta(minutes=15)
ESSAIS_MAX = 4  # then staff see the error and ask again


def delai_avant_essai(tentatives: int) -> datetime.timedelta:
    """Wait after the n-th failed attempt: 1, 2, 4 … minutes."""
    return datetime.timedelta(minutes=2 ** (tentatives - 1))


def demander(mois: datetime.date, familles=None, agent=None) -> TacheFacturation:
    """Queue the invoicing of `mois` (every household, or the chosen ones); the worker
    starts it after commit. Raises FinanceError for a month not yet over, or when a run
    for that month is already queued or running."""
    mois = mois.replace(day=1)
    finances.verifier_mois_facturable(mois)
    ids = sorted(f.pk for f in familles) if familles is not None else None
    with transaction.atomic():
        _liberer_si_interrompue(mois)
        try:
            with transaction.atomic():
                tache = TacheFacturation.objects.create(mois=mois, familles=ids, demandee_par=agent)
        except IntegrityError:
            raise finances.FinanceError(
                f"La facturation de {mois:%m/%Y} est déjà en cours : suivez-la dans "
                "« Facturations en arrière-plan ».",
                field="mois",
            ) from None
        tasks.apres_commit(tasks.facturer, tache.pk)
    return tache


def _liberer_si_interrompue(mois: datetime.date) -> None:
    TacheFacturation.objects.filter(
        mois=mois,
        etat=TacheFacturation.Etat.EN_COURS,
        mise_a_jour_le__lt=timezone.now() - INTERROMPUE_APRES,
    ).update(
        etat=TacheFacturation.Etat.ECHEC,
        fin=timezone.now(),
        erreur="Interrompue (worker arrêté ?) : relancez la facturation, elle reprend "
        "là où elle s'était arrêtée.",
    )


def executer(pk: int) -> str | None:
    """The worker's part: run the queued invoicing `pk`. Returns its final state, or None
    when there was nothing to do (already taken, finished or cancelled)."""
    maintenant = timezone.now()
    pris = TacheFacturation.objects.filter(pk=pk).filter(
        Q(etat=TacheFacturation.Etat.EN_ATTENTE)
        | Q(etat=TacheFacturation.Etat.EN_COURS, mise_a_jour_le__lt=maintenant - INTERROMPUE_APRES)
    )
    if not pris.update(etat=TacheFacturation.Etat.EN_COURS, mise_a_jour_le=maintenant):
        return None
    tache = TacheFacturation.objects.get(pk=pk)
    if tache.debut is None:
        TacheFacturation.objects.filter(pk=pk).update(debut=maintenant)
    from familles.models import Famille

    familles = None if tache.familles is None else Famille.objects.filter(pk__in=tache.familles)
    # A retry only finds what is left to invoice: add what earlier attempts committed.
    deja = {"familles": tache.familles_traitees, "factures": tache.factures, "total": tache.total}

    def progression(traitees: int, a_traiter: int, bilan: dict) -> None:
        TacheFacturation.objects.filter(pk=pk).update(
            familles_a_facturer=deja["familles"] + a_traiter,
            familles_traitees=deja["familles"] + traitees,
            factures=deja["factures"] + bilan["factures"],
            total=deja["total"] + bilan["total"],
            activites_sans_tarif=bilan["activites_sans_tarif"],
            mise_a_jour_le=timezone.now(),
        )

    try:
        finances.facturer_mois(
            tache.mois, familles=familles, agent=tache.demandee_par, progression=progression
        )
    except DomainError as exc:
        return _terminer(pk, TacheFacturation.Etat.ECHEC, exc.message)
    except Exception as exc:  # database gone, bug…: retried, then shown to staff
        return _reessayer(tache, exc)
    return _terminer(pk, TacheFacturation.Etat.TERMINEE, "")


def _terminer(pk: int, etat: str, erreur: str) -> str:
    TacheFacturation.objects.filter(pk=pk).update(
        etat=etat, erreur=erreur, fin=timezone.now(), mise_a_jour_le=timezone.now()
    )
    return etat


def _reessayer(tache: TacheFacturation, exc: Exception) -> str:
    tentatives = tache.tentatives + 1
    erreur = f"{type(exc).__name__} : {exc}"[:2000]
    if tentatives >= ESSAIS_MAX:
        logger.error("Facturation %s abandonnée après %s essais : %s", tache.pk, tentatives, erreur)
        TacheFacturation.objects.filter(pk=tache.pk).update(tentatives=tentatives)
        return _terminer(
            tache.pk,
            TacheFacturation.Etat.ECHEC,
            f"{erreur} (après {tentatives} essais ; les familles déjà facturées le restent, "
            "relancez pour facturer les autres)",
        )
    prochain = timezone.now() + delai_avant_essai(tentatives)
    logger.warning(
        "Facturation %s : essai %s en échec (%s), reprise à %s",
        tache.pk,
        tentatives,
        erreur,
        prochain,
    )
    with transaction.atomic():
        TacheFacturation.objects.filter(pk=tache.pk).update(
            etat=TacheFacturation.Etat.EN_ATTENTE,
            tentatives=tentatives,
            erreur=f"Essai {tentatives} en échec, reprise automatique : {erreur}",
            mise_a_jour_le=timezone.now(),
        )
        tasks.facturer.using(run_after=prochain).enqueue(tache.pk)
    return TacheFacturation.Etat.EN_ATTENTE
