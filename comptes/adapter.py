from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from comptes.outbox import queue_raw


class AccountAdapter(DefaultAccountAdapter):
    """allauth, with its e-mails going through our outbox (sent after commit, retried)."""

    def is_open_for_signup(self, request) -> bool:
        return settings.PORTAIL_INSCRIPTION_OUVERTE

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        message = self.render_mail(template_prefix, email, context)
        queue_raw(email, message.subject, message.body)
