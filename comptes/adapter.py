import logging
from types import SimpleNamespace
from urllib.parse import urlparse

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from comptes.outbox import queue_raw

logger = logging.getLogger(__name__)


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
        # A key or code is a sign-in secret (password reset, e-mail confirmation, login
        # code): whoever reads it takes the account, so staff must not see it.
        confidentiel = "key" in context or "code" in context
        queue_raw(email, message.subject, message.body, confidentiel=confidentiel)

    def get_login_redirect_url(self, request) -> str:
        # Staff without a household of their own land in the administration.
        user = request.user
        if user.is_staff and not hasattr(user, "responsable"):
            return reverse("admin:index")
        return super().get_login_redirect_url(request)

    def get_client_ip(self, request) -> str:
        # Rate limits key on the client's own address (TRUSTED_PROXY_COUNT proxies
        # added theirs to X-Forwarded-For). A request that went round the proxies
        # carries fewer addresses: limit it on the connection's address, not a 500.
        try:
            return super().get_client_ip(request)
        except ImproperlyConfigured:
            logger.warning(
                "X-Forwarded-For compte moins d'adresses que TRUSTED_PROXY_COUNT=%s.",
                settings.ALLAUTH_TRUSTED_PROXY_COUNT,
            )
            return request.META["REMOTE_ADDR"]


class MFAAdapter(DefaultMFAAdapter):
    """Two-factor sign-in is mandatory for staff: they cannot switch it off themselves
    (a superuser deletes a lost authenticator in the administration)."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": (
            "La double authentification est obligatoire pour les agents du service : "
            "elle ne peut pas être désactivée."
        ),
    }

    def can_delete_authenticator(self, authenticator) -> bool:
        return not authenticator.user.is_staff
