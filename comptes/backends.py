"""Sign-in backends whose get_user (run on every signed-in request) reads the parent's
Responsable and household with the user, in the same query: parent pages then know their
household without a query of their own (familles/decorators.py). The household's unread
threads ("Mes messages", shown in the menu of every page) are counted in that query too."""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import backends, get_user_model
from django.db.models import Count, Q

# (by name: the account app does not import the household or messaging apps)
_NON_LUS = Count(
    "responsable__famille__discussions",
    filter=Q(responsable__famille__discussions__non_lu_famille=True),
)


def _utilisateur(backend, user_id):
    try:
        user = (
            get_user_model()
            ._default_manager.select_related("responsable__famille")
            .annotate(messages_non_lus=_NON_LUS)
            .get(pk=user_id)
        )
    except get_user_model().DoesNotExist:
        return None
    responsable = getattr(user, "responsable", None)  # (None for staff)
    if responsable is not None:
        responsable.messages_non_lus = user.messages_non_lus
    return user if backend.user_can_authenticate(user) else None


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        return _utilisateur(self, user_id)


class AllauthBackend(AuthenticationBackend):
    def get_user(self, user_id):
        return _utilisateur(self, user_id)
