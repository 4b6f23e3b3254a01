"""A responsable's invitation to the other parent to link his household (garde alternée)."""

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from familles.models.enfants import Enfant, Rattachement
from familles.models.foyers import Famille, Responsable


class InvitationSecondFoyer(models.Model):
    """A responsable invites the other parent of a child to link his own household
    (garde alternée). The link in the e-mail carries a random token; only its SHA-256 is
    kept here. Used once (it becomes a Demande for staff), or cancelled, or expired.
    `garde`, `semaines` and `jours` are the inviting household's proposed share; the
    other household gets the complement (second_foyer.complement)."""

    enfant = models.ForeignKey(
        Enfant, on_delete=models.CASCADE, related_name="invitations_second_foyer"
    )
    famille = models.ForeignKey(
        Famille,
        on_delete=models.CASCADE,
        related_name="invitations_second_foyer",
        verbose_name="foyer qui invite",
    )
    invite_par = models.ForeignKey(
        Responsable,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="invitation envoyée par",
    )
    email = models.EmailField("adresse de l'autre parent")
    jeton_hash = models.CharField(max_length=64, unique=True, editable=False)
    garde = models.CharField(
        "partage de la garde", max_length=10, choices=Rattachement.Garde, default="libre"
    )
    semaines = models.CharField(
        "semaines du foyer qui invite",
        max_length=10,
        choices=Rattachement.Semaines,
        blank=True,
    )
    jours = models.JSONField("jours du foyer qui invite", default=list, blank=True)
    cree_le = models.DateTimeField("envoyée le", default=timezone.now)
    expire_le = models.DateTimeField("valable jusqu'au")
    utilisee_le = models.DateTimeField("utilisée le", null=True, blank=True)
    annulee_le = models.DateTimeField("annulée le", null=True, blank=True)
    demande = models.OneToOneField(
        "portail.Demande",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation_second_foyer",
    )

    history = HistoricalRecords(excluded_fields=["jeton_hash"])

    class Meta:
        verbose_name = "invitation de l'autre parent"
        verbose_name_plural = "invitations de l'autre parent"
        ordering = ["-cree_le", "-pk"]
        constraints = [
            # One open invitation per child and inviting household (an expired one is
            # closed by the service before a new one is sent).
            models.UniqueConstraint(
                fields=["enfant", "famille"],
                condition=models.Q(utilisee_le__isnull=True, annulee_le__isnull=True),
                name="invitation_second_foyer_une_ouverte",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation pour {self.enfant} ({self.famille})"

    @property
    def partage(self) -> dict:
        return {"garde": self.garde, "semaines": self.semaines, "jours": list(self.jours)}

    def est_ouverte(self, maintenant=None) -> bool:
        maintenant = maintenant or timezone.now()
        return self.utilisee_le is None and self.annulee_le is None and self.expire_le > maintenant
