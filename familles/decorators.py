from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from familles.models import Responsable


def responsable_required(view):
    """Logged-in parent only; sets request.responsable (with famille, user and the
    household's unread message count, `messages_non_lus`)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        # Read with the user, its household and unread count, by the sign-in backend
        # (comptes/backends.py): no query here.
        try:
            responsable = request.user.responsable
        except Responsable.DoesNotExist:
            responsable = None
        if responsable is None:
            return render(request, "familles/sans_famille.html", status=403)
        request.responsable = responsable
        return view(request, *args, **kwargs)

    return wrapper
