"""Two-factor sign-in is mandatory for staff: until their session has passed the second
factor, a staff member reaches only allauth's own pages (sign-in, sign-out, 2FA)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from comptes.connexion import (
    ActiverApplicationView,
    a_une_application_d_authentification,
    session_double_authentifiee,
)


def _page_de_connexion(view_func) -> bool:
    # allauth's views (also the MFA ones) never show the town's data.
    module = getattr(view_func, "__module__", "") or ""
    return module.startswith("allauth.") or (
        getattr(view_func, "view_class", None) is ActiverApplicationView
    )


class DoubleAuthentificationAgentsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs) -> HttpResponse | None:
        user = request.user
        if not (user.is_authenticated and user.is_staff):
            return None
        if _page_de_connexion(view_func) or session_double_authentifiee(request):
            return None
        if a_une_application_d_authentification(user):
            # Signed in some other way (e.g. before becoming staff): show the code once.
            suite = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('mfa_reauthenticate')}?{suite}")
        messages.warning(
            request,
            "La double authentification est obligatoire pour les agents du service : "
            "activez une application d'authentification pour accéder à l'administration.",
        )
        return redirect("mfa_activate_totp")
