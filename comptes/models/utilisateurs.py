from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email: str):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A login. Parents and staff alike sign in with their e-mail address."""

    email = models.EmailField("adresse e-mail", unique=True)
    is_staff = models.BooleanField(
        "équipe", default=False, help_text="Peut se connecter à l'administration."
    )
    is_active = models.BooleanField("actif", default=True)
    date_joined = models.DateTimeField("créé le", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    history = HistoricalRecords(excluded_fields=["password", "last_login"], m2m_fields=["groups"])

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["email"]
        permissions = [("attribuer_roles", "Peut donner un rôle aux agents (pas superutilisateur)")]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.email

    def get_short_name(self) -> str:
        return self.email


class Courriel(models.Model):
    """An e-mail waiting to leave (or already sent).

    Written in the same transaction as the change it announces; the background worker
    sends it after commit and retries a failure with a growing delay (comptes/outbox.py).
    """

    class Statut(models.TextChoices):
        A_ENVOYER = "a_envoyer", "à envoyer"
        ENVOYE = "envoye", "envoyé"
        ECHEC = "echec", "en échec, nouvel essai prévu"
        # Still failing a day after it was written: staff must look (still retried).
        ECHEC_DURABLE = "echec_durable", "en échec durable (plus de 24 h)"
        ANNULE = "annule", "annulé"

    # What the worker still tries to send.
    A_TENTER = (Statut.A_ENVOYER, Statut.ECHEC, Statut.ECHEC_DURABLE)

    destinataire = models.EmailField("destinataire")
    sujet = models.CharField("sujet", max_length=250)
    corps = models.TextField("message")
    statut = models.CharField("statut", max_length=16, choices=Statut, default=Statut.A_ENVOYER)
    tentatives = models.PositiveSmallIntegerField("tentatives", default=0)
    derniere_erreur = models.TextField("dernière erreur", blank=True)
    cree_le = models.DateTimeField("créé le", default=timezone.now)
    envoye_le = models.DateTimeField("envoyé le", null=True, blank=True)
    # When the worker may try it (next); empty once sent or cancelled. A task that comes
    # earlier (a duplicate) leaves it alone.
    prochain_essai = models.DateTimeField(
        "prochain essai", null=True, blank=True, default=timezone.now
    )
    # Set while one process sends it, so that two workers never both do.
    en_cours_depuis = models.DateTimeField("envoi en cours depuis", null=True, blank=True)
    # It carries a sign-in secret (password reset, invitation, e-mail confirmation):
    # never shown in the administration, and its body is blanked once sent.
    confidentiel = models.BooleanField("contient un lien de connexion", default=False)

    class Meta:
        verbose_name = "courriel"
        verbose_name_plural = "courriels"
        ordering = ["-cree_le"]
        indexes = [
            models.Index(fields=["statut", "cree_le"]),
            models.Index(fields=["statut", "prochain_essai"]),
        ]

    def __str__(self) -> str:
        return f"{self.sujet} → {self.destinataire}"
