"""Outgoing e-mail: written inside the caller's transaction, sent by the background worker.

A row is written with the change it announces, so a rolled-back change sends nothing;
after the commit a task (comptes/tasks.py) sends it. No request ever talks to the mail
server. A failure is recorded on the row and retried after 1, 2, 4 … minutes (at most
an hour apart) without end: a mail still not sent a day after it was written is flagged
"en échec durable" for staff and logged at ERROR for the operator, until it leaves or
staff cancel it. `manage.py envoyer_courriels` (cron) re-enqueues what no task picked up.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from comptes import tasks
from comptes.models import Courriel

logger = logging.getLogger(__name__)

RETARD_MINIMAL = datetime.timedelta(minutes=1)
RETARD_MAXIMAL = datetime.timedelta(hours=1)
ECHEC_DURABLE_APRES = datetime.timedelta(hours=24)
# A worker that died mid-send loses its claim after this (far above EMAIL_TIMEOUT).
ABANDON_APRES = datetime.timedelta(minutes=10)
# A due row no task has picked up after this: its task was lost or no worker runs.
TACHE_PERDUE_APRES = datetime.timedelta(minutes=10)
TAILLE_LOT = 200


def delai_avant_essai(tentatives: int) -> datetime.timedelta:
    """Wait after the n-th failed attempt: 1, 2, 4 … minutes, at most an hour."""
    return min(RETARD_MINIMAL * 2 ** min(tentatives - 1, 10), RETARD_MAXIMAL)


def _rendre(template: str, context: dict) -> tuple[str, str]:
    """Render templates/emails/<template>.txt: first line is the subject."""
    context = {"COMMUNE": settings.PORTAIL_COMMUNE, "PORTAIL_URL": settings.PORTAIL_URL, **context}
    rendered = render_to_string(f"emails/{template}.txt", context).strip()
    subject, _, body = rendered.partition("\n")
    return f"[{settings.PORTAIL_COMMUNE}] {subject.strip()}", body.strip() + "\n"


def queue_email(to: str, template: str, context: dict, *, confidentiel: bool = False) -> Courriel:
    return queue_raw(to, *_rendre(template, context), confidentiel=confidentiel)


def _une_ligne(sujet: str) -> str:
    """A header is one line: a line break kept from older data would block the mail."""
    return " ".join(sujet.split())[:250]


def queue_raw(to: str, subject: str, body: str, *, confidentiel: bool = False) -> Courriel:
    """`confidentiel`: the body holds a sign-in secret (reset or invitation link, code);
    staff never see it and it is blanked once sent."""
    courriel = Courriel.objects.create(
        destinataire=to, sujet=_une_ligne(subject), corps=body, confidentiel=confidentiel
    )
    tasks.apres_commit(tasks.envoyer_courriel, courriel.pk)
    return courriel


def courriels_differes(envois: list[tuple[str, str, dict]]) -> int:
    """Queue many e-mails in one insert; the worker sends them in lots after commit."""
    lignes, rendus = [], {}
    for to, template, context in envois:
        # The same context for several addresses (both parents) is rendered once.
        cle = (template, id(context))
        if cle not in rendus:
            rendus[cle] = _rendre(template, context)
        sujet, corps = rendus[cle]
        lignes.append(Courriel(destinataire=to, sujet=_une_ligne(sujet), corps=corps))
    pks = [c.pk for c in Courriel.objects.bulk_create(lignes, batch_size=2000)]
    _enqueue_par_lots(pks, apres_commit=True)
    return len(lignes)


def _enqueue_par_lots(pks: list[int], *, apres_commit: bool) -> None:
    for debut in range(0, len(pks), TAILLE_LOT):
        lot = pks[debut : debut + TAILLE_LOT]
        if apres_commit:
            tasks.apres_commit(tasks.envoyer_courriels, lot)
        else:
            tasks.envoyer_courriels.enqueue(lot)


def _reserver(pk: int) -> bool:
    """Claim a due row for this worker (a conditional UPDATE: one claimant wins)."""
    maintenant = timezone.now()
    return bool(
        Courriel.objects.filter(pk=pk, statut__in=Courriel.A_TENTER, prochain_essai__lte=maintenant)
        .filter(Q(en_cours_depuis__isnull=True) | Q(en_cours_depuis__lt=maintenant - ABANDON_APRES))
        .update(en_cours_depuis=maintenant)
    )


def envoyer(pk: int) -> bool | None:
    """Send one queued e-mail if it is due; never raises for a mail server's error.

    True when sent, False when it failed (the row says why and when the next attempt
    is), None when there was nothing to do (sent, cancelled, not due, or being sent).
    """
    if not _reserver(pk):
        return None
    courriel = Courriel.objects.get(pk=pk)
    try:
        send_mail(
            courriel.sujet, courriel.corps, settings.DEFAULT_FROM_EMAIL, [courriel.destinataire]
        )
    except Exception as exc:  # any transport error: the row keeps it for the next attempt
        _echec(courriel, exc)
        return False
    # A sent link must not stay readable in the database (admin, backups).
    corps = {"corps": ""} if courriel.confidentiel else {}
    Courriel.objects.filter(pk=pk).update(
        statut=Courriel.Statut.ENVOYE,
        envoye_le=timezone.now(),
        tentatives=courriel.tentatives + 1,
        derniere_erreur="",
        prochain_essai=None,
        en_cours_depuis=None,
        **corps,
    )
    return True


def _echec(courriel: Courriel, exc: Exception) -> None:
    maintenant = timezone.now()
    tentatives = courriel.tentatives + 1
    prochain = maintenant + delai_avant_essai(tentatives)
    durable = maintenant - courriel.cree_le >= ECHEC_DURABLE_APRES
    logger.warning(
        "Envoi du courriel %s impossible (essai %s, prochain à %s) : %s",
        courriel.pk,
        tentatives,
        timezone.localtime(prochain).strftime("%d/%m %H:%M"),
        exc,
    )
    with transaction.atomic():
        # Staff may have cancelled it meanwhile: then nothing is rescheduled.
        reprogramme = Courriel.objects.filter(pk=courriel.pk, statut__in=Courriel.A_TENTER).update(
            statut=Courriel.Statut.ECHEC_DURABLE if durable else Courriel.Statut.ECHEC,
            tentatives=tentatives,
            derniere_erreur=f"{type(exc).__name__} : {exc}"[:2000],
            prochain_essai=prochain,
            en_cours_depuis=None,
        )
        if reprogramme:
            tasks.envoyer_courriel.using(run_after=prochain).enqueue(courriel.pk)
    if reprogramme and durable and courriel.statut != Courriel.Statut.ECHEC_DURABLE:
        _journaliser_echec_durable(1, f"courriel {courriel.pk} à {courriel.destinataire}")


def envoyer_lot(pks: list[int]) -> int:
    """Send a batch in order; returns how many left.

    After the first failure the server is likely down: the rest waits a minute in one
    new task rather than each costing the worker a timeout now.
    """
    envoyes = 0
    for rang, pk in enumerate(pks):
        resultat = envoyer(pk)
        if resultat is False:
            _reporter(pks[rang + 1 :])
            break
        envoyes += bool(resultat)
    return envoyes


def _reporter(pks: list[int]) -> None:
    if not pks:
        return
    plus_tard = timezone.now() + RETARD_MINIMAL
    with transaction.atomic():
        Courriel.objects.filter(
            pk__in=pks, statut__in=Courriel.A_TENTER, prochain_essai__lt=plus_tard
        ).update(prochain_essai=plus_tard)
        tasks.envoyer_courriels.using(run_after=plus_tard).enqueue(pks)


def _journaliser_echec_durable(nombre: int, detail: str) -> None:
    logger.error(
        "%s courriel(s) toujours pas envoyé(s) %s h après leur création (%s) : voir "
        "« Courriels » en échec durable dans l'administration ; nouvel essai chaque heure.",
        nombre,
        int(ECHEC_DURABLE_APRES.total_seconds() // 3600),
        detail,
    )


def signaler_echecs_durables() -> int:
    """Flag the mails still waiting a day after they were written (a worker that is down
    never fails them itself); returns how many were flagged now."""
    a_signaler = Courriel.objects.filter(
        statut__in=[Courriel.Statut.A_ENVOYER, Courriel.Statut.ECHEC],
        cree_le__lte=timezone.now() - ECHEC_DURABLE_APRES,
    )
    exemples = list(a_signaler.order_by("pk").values_list("pk", flat=True)[:20])
    nombre = a_signaler.update(statut=Courriel.Statut.ECHEC_DURABLE)
    if nombre:
        _journaliser_echec_durable(nombre, "numéros " + ", ".join(map(str, exemples)))
    return nombre


def rattraper() -> tuple[int, int]:
    """Cron safety net: re-enqueue due mails no task picked up (task lost, worker down)
    and flag durable failures. Returns (re-enqueued, newly flagged)."""
    durables = signaler_echecs_durables()
    maintenant = timezone.now()
    perdus = Courriel.objects.filter(
        statut__in=Courriel.A_TENTER, prochain_essai__lte=maintenant - TACHE_PERDUE_APRES
    )
    with transaction.atomic():
        pks = list(perdus.select_for_update().values_list("pk", flat=True))
        # Pushed to now so that the next run does not enqueue them again meanwhile.
        Courriel.objects.filter(pk__in=pks).update(prochain_essai=maintenant)
        _enqueue_par_lots(pks, apres_commit=False)
    if pks:
        logger.warning(
            "%s courriel(s) en attente n'avaient été pris par aucune tâche : remis en file "
            "(le worker `manage.py db_worker` tourne-t-il ?).",
            len(pks),
        )
    return len(pks), durables


def renvoyer(courriels: QuerySet[Courriel]) -> int:
    """Staff's "Renvoyer maintenant": the worker tries them at once (never the request).
    A cancelled mail goes back to the queue; one already sent is left alone."""
    with transaction.atomic():
        pks = list(
            courriels.exclude(statut=Courriel.Statut.ENVOYE)
            .select_for_update()
            .values_list("pk", flat=True)
        )
        a_renvoyer = Courriel.objects.filter(pk__in=pks)
        a_renvoyer.filter(statut=Courriel.Statut.ANNULE).update(statut=Courriel.Statut.A_ENVOYER)
        a_renvoyer.update(prochain_essai=timezone.now())
        _enqueue_par_lots(pks, apres_commit=True)
    return len(pks)


def annuler(courriels: QuerySet[Courriel]) -> int:
    """Staff give up on these mails (wrong address…): no further attempt."""
    return courriels.filter(statut__in=Courriel.A_TENTER).update(
        statut=Courriel.Statut.ANNULE, prochain_essai=None
    )
