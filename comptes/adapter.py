from types import SimpleNamespace
from urllib.parse import urlparse

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse

from comptes.outbox import queue_raw


class AccountAdapter(DefaultAccountAdapter):
    """allauth, with its e-mails going through our outbox (sent after commit, retried)."""

    def is_open_for_signup(self, request) -> bool:
        return settings.PORTAIL_INSCRIPTION_OUVERTE

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        site = SimpleNamespace(
            name=settings.PORTAIL_COMMUNE, domain=urlparse(settings.PORTAIL_URL).netloc
        )
        message = self.render_mail(
            template_prefix, email, {"email": email, "current_site": site, **context}
        )
        queue_raw(email, message.subject, message.body)

    def get_login_redirect_url(self, request) -> str:
        # Staff without a household of their own land in the administration.
        user = request.user
        if user.is_staff and not hasattr(user, "responsable"):
            return reverse("admin:index")
        return super().get_login_redirect_url(request)
