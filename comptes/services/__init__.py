"""Accounts created and maintained by staff."""

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from comptes.errors import DomainError
from comptes.models import User
from comptes.outbox import queue_email


class CompteError(DomainError):
    pass


def verifier_email_libre(email: str, sauf: User | None = None) -> str:
    email = email.strip().lower()
    pris = User.objects.filter(email__iexact=email)
    if sauf is not None:
        pris = pris.exclude(pk=sauf.pk)
    if (
        pris.exists()
        or EmailAddress.objects.filter(email__iexact=email).exclude(user=sauf).exists()
    ):
        raise CompteError("Un compte utilise déjà cette adresse e-mail.", field="email")
    return email


def creer_compte(email: str, mot_de_passe: str | None = None) -> User:
    """A login created by staff: the address is the town's record, so it is verified."""
    with transaction.atomic():
        user = User.objects.create_user(verifier_email_libre(email), mot_de_passe or None)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def changer_email(user: User, email: str) -> User:
    """Only staff change a parent's e-mail (it is the login)."""
    email = verifier_email_libre(email, sauf=user)
    if email == user.email:
        return user
    with transaction.atomic():
        EmailAddress.objects.filter(user=user).delete()
        user.email = email
        user.save(update_fields=["email"])
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def lien_invitation(user: User) -> str:
    """A one-time link to choose a password (allauth's reset-from-key page)."""
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    return f"{settings.PORTAIL_URL}{path}"


def envoyer_invitation(user: User) -> None:
    if not user.is_active:
        raise CompteError(f"Le compte {user.email} est désactivé : pas d'invitation.")
    queue_email(
        user.email,
        "invitation",
        {
            "user": user,
            "lien": lien_invitation(user),
            "jours": settings.PASSWORD_RESET_TIMEOUT // 86400,
        },
        confidentiel=True,
    )
