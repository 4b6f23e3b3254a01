"""Sign-in rules that allauth's settings alone do not express.

- The password reset form answers the same for known and unknown addresses (sign-up
  may still say an address is taken: ACCOUNT_PREVENT_ENUMERATION stays off for it).
- A session counts as "second factor passed" once allauth recorded an `mfa` step in it:
  at sign-in, at re-authentication, or when the authenticator app was just activated.
"""

from allauth.account.authentication import get_authentication_records
from allauth.account.forms import ResetPasswordForm
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.views import ActivateTOTPView
from django.core.exceptions import ValidationError
from django.http import HttpRequest


class MotDePasseOublieForm(ResetPasswordForm):
    def clean_email(self) -> str:
        try:
            return super().clean_email()
        except ValidationError as erreur:
            if erreur.code != "unknown_email":
                raise
            # allauth then e-mails the address that it has no account; the page
            # shown is the same as for a known address.
            self.users = []
            return self.cleaned_data["email"]


def session_double_authentifiee(request: HttpRequest) -> bool:
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def a_une_application_d_authentification(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


class ActiverApplicationView(ActivateTOTPView):
    """allauth's "Activer l'application d'authentification" page (same URL). Activating
    needs a valid code from the app: the session has then shown the second factor, as
    at sign-in, and a staff member goes on without signing in again."""

    def form_valid(self, form):
        response = super().form_valid(form)
        application = Authenticator.objects.get(
            user_id=self.request.user.pk, type=Authenticator.Type.TOTP
        )
        record_authentication(
            self.request, self.request.user, "mfa", id=application.pk, type=application.type
        )
        return response
