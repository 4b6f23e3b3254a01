"""Sign-in backends whose get_user (run on every signed-in request) reads the parent's
Responsable and household with the user, in the same query: parent pages then know their
household without a query of their own (familles/decorators.py), with its unread
threads' count ("Mes messages", in the menu of every page: a column of the household)."""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import backends, get_user_model

from portail.preparees import Preparee


def _avec_foyer(user_id: int):
    return (
        get_user_model()._default_manager.select_related("responsable__famille").filter(pk=user_id)
    )


# Compiled once per process: every signed-in page runs it (portail/preparees.py).
_AVEC_FOYER = Preparee(_avec_foyer, int)


def _utilisateur(backend, user_id):
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    lignes = _AVEC_FOYER(user_id)
    if not lignes:
        return None
    user = lignes[0]
    return user if backend.user_can_authenticate(user) else None


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        return _utilisateur(self, user_id)


class AllauthBackend(AuthenticationBackend):
    def get_user(self, user_id):
        return _utilisateur(self, user_id)
