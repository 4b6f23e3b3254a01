"""Sign-in backends whose get_user (run on every signed-in request) reads the parent's
Responsable and household with the user, in the same query: parent pages then know their
household without a query of their own (familles/decorators.py), with its unread
threads' count ("Mes messages", in the menu of every page: a column of the household)."""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import backends, get_user_model


def _utilisateur(backend, user_id):
    try:
        user = (
            get_user_model()._default_manager.select_related("responsable__famille").get(pk=user_id)
        )
    except get_user_model().DoesNotExist:
        return None
    return user if backend.user_can_authenticate(user) else None


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        return _utilisateur(self, user_id)


class AllauthBackend(AuthenticationBackend):
    def get_user(self, user_id):
        return _utilisateur(self, user_id)
