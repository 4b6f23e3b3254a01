"""One-time tokens of create forms (ARCHITECTURE rule 10: a double submit does one thing).

Each display of a create form carries a fresh random token. Submitting it inserts a row
under a unique constraint in the same transaction as the creation: the second submit of
the same form (double click, reload after a slow answer, two tabs) hits the constraint and
creates nothing — even when both arrive at once, as the database makes the second insert
wait for the first transaction. A creation that fails rolls the token back with it, so
the corrected form can be sent again.
"""

import datetime
import re
import secrets
from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone

from comptes.errors import DomainError
from comptes.models import JetonFormulaire

# A resubmit comes within minutes; a day covers a laptop closed overnight.
DUREE = datetime.timedelta(days=1)
_FORMAT = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
JETON_INVALIDE = (
    "Ce formulaire a expiré ou est incomplet : vérifiez vos saisies et envoyez-le de nouveau."
)
DEJA_ENREGISTREE = "Cette demande a déjà été enregistrée."

T = TypeVar("T")


class JetonInvalide(DomainError):
    def __init__(self):
        super().__init__(JETON_INVALIDE)


class DoubleEnvoi(DomainError):
    """The form was already sent; `objet_id` is what its first submit created."""

    def __init__(self, objet_id: int | None):
        super().__init__(DEJA_ENREGISTREE)
        self.objet_id = objet_id


def nouveau_jeton() -> str:
    return secrets.token_urlsafe(24)


def verifier_format(cle: str | None) -> str:
    if not cle or not _FORMAT.match(cle):
        raise JetonInvalide
    return cle


def consommer_jeton(user, cle: str, formulaire: str) -> JetonFormulaire:
    """Record the token; DoubleEnvoi if this form was already sent. Call it inside the
    transaction that creates, so that a failed creation leaves the token unused."""
    verifier_format(cle)
    maintenant = timezone.now()
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction stays usable
            jeton = JetonFormulaire.objects.create(
                user=user, cle=cle, formulaire=formulaire, cree_le=maintenant
            )
    except IntegrityError:
        premier = JetonFormulaire.objects.filter(user=user, cle=cle).first()
        # A token sent to another form (hand-made request) points at nothing here.
        same = premier is not None and premier.formulaire == formulaire
        raise DoubleEnvoi(premier.objet_id if same else None) from None
    # Purge as we go: one indexed delete of this user's old tokens.
    JetonFormulaire.objects.filter(user=user, cree_le__lt=maintenant - DUREE).delete()
    return jeton


def une_seule_fois(user, cle: str, formulaire: str, creer: Callable[[], T]) -> T:
    """Run `creer()` (it returns the created object) once per form token, in one
    transaction with the token."""
    with transaction.atomic():
        jeton = consommer_jeton(user, cle, formulaire)
        objet = creer()
        jeton.objet_id = objet.pk
        jeton.save(update_fields=["objet_id"])
    return objet
