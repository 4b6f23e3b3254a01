from functools import wraps

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render

from familles.models import Responsable


def avec_messages_non_lus(responsables):
    """The household's unread threads ("Mes messages", in portail) read in the same query
    as the parent, through the reverse relation: the menu's count costs no query."""
    return responsables.annotate(
        messages_non_lus=Count(
            "famille__discussions", filter=Q(famille__discussions__non_lu_famille=True)
        )
    )


def responsable_required(view):
    """Logged-in parent only; sets request.responsable (with famille, user and the
    household's unread message count)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        responsable = (
            avec_messages_non_lus(Responsable.objects.select_related("famille", "user"))
            .filter(user=request.user)
            .first()
        )
        if responsable is None:
            return render(request, "familles/sans_famille.html", status=403)
        request.responsable = responsable
        return view(request, *args, **kwargs)

    return wrapper
