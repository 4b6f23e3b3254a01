"""One function per e-mail the portal sends to families (queued, sent after commit)."""

from comptes.outbox import queue_email
from portail.models import Demande


def _destinataires(demande: Demande) -> list[str]:
    if demande.demandeur_id:
        return [demande.demandeur.user.email]
    return list(demande.famille.responsables.values_list("user__email", flat=True))


def demande_traitee(demande: Demande) -> None:
    template = (
        "demande_acceptee" if demande.statut == Demande.Statut.ACCEPTEE else "demande_refusee"
    )
    for email in _destinataires(demande):
        queue_email(email, template, {"demande": demande})
