"""The audit trail (django-simple-history) for writes that bypass `save()`.

`save()` and `delete()` are recorded by simple-history itself, with the signed-in user
of the request (HistoryRequestMiddleware). Bulk inserts and set-based updates are not:
services that use them call these helpers, so a booking made by a semaine type or an
invoice made by the monthly run has its line in the history like any other change.
A change made by a job (no request) has no user and says which job made it.
"""

from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history


def utilisateur_courant():
    """The signed-in user of the request being served, if any (None in a job)."""
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def creer_en_masse(modele, objets: list, *, par=None, raison: str = "", batch_size=None) -> list:
    """`bulk_create` that also writes one "+" history row per object."""
    if not objets:
        return objets
    return bulk_create_with_history(
        objets,
        modele,
        batch_size=batch_size,
        default_user=par or utilisateur_courant(),
        default_change_reason=raison,
    )


def historiser(objets, *, par=None, raison: str = "") -> None:
    """One "~" history row per object changed by a set-based `update()`.

    Pass the rows as they are after the update (re-read them once, in one query).
    """
    objets = list(objets)
    if not objets:
        return
    type(objets[0]).history.bulk_history_create(
        objets,
        update=True,
        default_user=par or utilisateur_courant(),
        default_change_reason=raison,
    )
