"""One function per e-mail about bookings: queued in bulk inside the caller's transaction
(one insert, whatever the number of families), sent by the worker after commit."""

from collections import defaultdict

from comptes.outbox import courriels_differes
from familles.models import Responsable


def _a_chaque_famille(reservations, template: str, contexte) -> None:
    """Each booking's household (every guardian) gets the mail: two queries in all."""
    adresses = defaultdict(list)
    familles = {r.inscription.famille_id for r in reservations}
    for famille_id, email in Responsable.objects.filter(famille_id__in=familles).values_list(
        "famille_id", "user__email"
    ):
        adresses[famille_id].append(email)
    courriels_differes(
        [
            (email, template, contexte(r))
            for r in reservations
            for email in adresses[r.inscription.famille_id]
            if email
        ]
    )


def places_obtenues(reservations) -> None:
    """Children moved from the waiting list to a place (reservations with enfant,
    inscription and activite__site loaded)."""
    if reservations:
        _a_chaque_famille(reservations, "place_obtenue", lambda r: {"reservation": r})


def jours_fermes(reservations, motifs: dict) -> None:
    """Bookings cancelled because staff closed their day; `motifs`: date -> reason."""
    if reservations:
        _a_chaque_famille(
            reservations, "jour_ferme", lambda r: {"reservation": r, "motif": motifs[r.date]}
        )


def _a_la_famille(famille_id: int, template: str, contexte: dict) -> None:
    courriels_differes(
        [
            (email, template, contexte)
            for email in Responsable.objects.filter(famille_id=famille_id).values_list(
                "user__email", flat=True
            )
            if email
        ]
    )


def certificat_accepte(absence, carence: int, non_factures: list, avoirs: list) -> None:
    """The certificate of a declared absence was accepted (days justified, credit notes)."""
    _a_la_famille(
        absence.inscription.famille_id,
        "certificat_accepte",
        {
            "absence": absence,
            "carence": carence,
            "non_factures": len(non_factures),
            "avoirs": avoirs,
        },
    )


def certificat_refuse(absence, motif: str) -> None:
    _a_la_famille(
        absence.inscription.famille_id, "certificat_refuse", {"absence": absence, "motif": motif}
    )
