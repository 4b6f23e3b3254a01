"""One function per e-mail about bookings (queued, sent after commit)."""

from comptes.outbox import queue_email


def place_obtenue(reservation) -> None:
    famille = reservation.inscription.famille
    for email in famille.responsables.values_list("user__email", flat=True):
        queue_email(email, "place_obtenue", {"reservation": reservation})


def jour_ferme(reservation, motif: str) -> None:
    famille = reservation.inscription.famille
    for email in famille.responsables.values_list("user__email", flat=True):
        queue_email(email, "jour_ferme", {"reservation": reservation, "motif": motif})
