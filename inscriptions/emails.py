"""One function per e-mail about enrolments (queued, sent after commit)."""

from comptes.outbox import queue_email
from inscriptions.models import Attestation, Inscription


def _destinataires(inscription: Inscription) -> list[str]:
    return list(inscription.famille.responsables.values_list("user__email", flat=True))


def inscription_decidee(inscription: Inscription) -> None:
    template = {"validee": "inscription_validee", "annulee": "inscription_annulee"}.get(
        inscription.statut, "inscription_refusee"
    )
    for email in _destinataires(inscription):
        queue_email(email, template, {"inscription": inscription})


def attestation_disponible(inscription: Inscription, attestation: Attestation) -> None:
    for email in _destinataires(inscription):
        queue_email(
            email,
            "attestation_disponible",
            {"inscription": inscription, "attestation": attestation},
        )
