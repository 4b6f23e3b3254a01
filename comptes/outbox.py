"""Outgoing e-mail: queued inside the caller's transaction, sent after commit.

A row is written with the change it announces, so a rolled-back change sends
nothing, and a mail server that is down loses nothing: `manage.py
envoyer_courriels` retries what failed.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from comptes.models import Courriel

logger = logging.getLogger(__name__)

MAX_TENTATIVES = 10
DELAI_AVANT_REPRISE = datetime.timedelta(minutes=2)
ABANDON_APRES = datetime.timedelta(minutes=10)  # a claimant that died mid-send


def queue_email(to: str, template: str, context: dict) -> Courriel:
    """Render templates/emails/<template>.txt (first line = subject) and queue it."""
    context = {
        "COMMUNE": settings.PORTAIL_COMMUNE,
        "PORTAIL_URL": settings.PORTAIL_URL,
        **context,
    }
    rendered = render_to_string(f"emails/{template}.txt", context).strip()
    subject, _, body = rendered.partition("\n")
    return queue_raw(to, f"[{settings.PORTAIL_COMMUNE}] {subject.strip()}", body.strip() + "\n")


def courriels_differes(envois: list[tuple[str, str, dict]]) -> int:
    """Queue many e-mails in one insert, sent later by `envoyer_courriels` (cron)."""
    base = {"COMMUNE": settings.PORTAIL_COMMUNE, "PORTAIL_URL": settings.PORTAIL_URL}
    lignes = []
    for to, template, context in envois:
        rendered = render_to_string(f"emails/{template}.txt", {**base, **context}).strip()
        subject, _, body = rendered.partition("\n")
        lignes.append(
            Courriel(
                destinataire=to,
                sujet=f"[{settings.PORTAIL_COMMUNE}] {subject.strip()}"[:250],
                corps=body.strip() + "\n",
            )
        )
    Courriel.objects.bulk_create(lignes, batch_size=2000)
    return len(lignes)


def queue_raw(to: str, subject: str, body: str) -> Courriel:
    courriel = Courriel.objects.create(destinataire=to, sujet=subject[:250], corps=body)
    if settings.PORTAIL_COURRIELS_IMMEDIATS:
        transaction.on_commit(lambda: send_queued(courriel.pk))
    return courriel


def _reserver(pk: int) -> bool:
    """Claim the row for this process (a conditional UPDATE: one claimant wins)."""
    maintenant = timezone.now()
    return bool(
        Courriel.objects.filter(pk=pk)
        .exclude(statut=Courriel.Statut.ENVOYE)
        .filter(Q(en_cours_depuis__isnull=True) | Q(en_cours_depuis__lt=maintenant - ABANDON_APRES))
        .update(en_cours_depuis=maintenant)
    )


def send_queued(pk: int) -> bool:
    """Send one queued e-mail; never raises (the row records the failure).

    Returns False when it failed; True when sent, or when there was nothing to do.
    """
    if not _reserver(pk):
        return True
    courriel = Courriel.objects.get(pk=pk)
    courriel.en_cours_depuis = None
    courriel.tentatives += 1
    try:
        send_mail(
            courriel.sujet,
            courriel.corps,
            settings.DEFAULT_FROM_EMAIL,
            [courriel.destinataire],
        )
    except Exception as exc:  # any transport error: keep the row for a retry
        logger.warning("Envoi du courriel %s impossible : %s", pk, exc)
        courriel.statut = Courriel.Statut.ECHEC
        courriel.derniere_erreur = str(exc)[:2000]
        courriel.save(update_fields=["statut", "tentatives", "derniere_erreur", "en_cours_depuis"])
        return False
    courriel.statut = Courriel.Statut.ENVOYE
    courriel.envoye_le = timezone.now()
    courriel.derniere_erreur = ""
    courriel.save(
        update_fields=["statut", "tentatives", "envoye_le", "derniere_erreur", "en_cours_depuis"]
    )
    return True


def retry_pending(delai: datetime.timedelta | None = None) -> tuple[int, int]:
    """Send every e-mail still waiting; returns (sent, failed).

    With immediate sending on, rows younger than `delai` are left to the request
    that queued them.
    """
    if delai is None:
        delai = (
            DELAI_AVANT_REPRISE if settings.PORTAIL_COURRIELS_IMMEDIATS else datetime.timedelta()
        )
    sent = failed = 0
    pending = Courriel.objects.exclude(statut=Courriel.Statut.ENVOYE).filter(
        tentatives__lt=MAX_TENTATIVES, cree_le__lte=timezone.now() - delai
    )
    for pk in pending.order_by("cree_le").values_list("pk", flat=True):
        if send_queued(pk):
            sent += 1
        else:
            failed += 1
    return sent, failed
