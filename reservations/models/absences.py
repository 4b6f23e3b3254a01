"""Absences a family declared after the cancellation deadline."""

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from familles.models import Responsable
from inscriptions.models import Inscription


class AbsenceQuerySet(models.QuerySet):
    def for_user(self, user) -> "AbsenceQuerySet":
        if not user.is_authenticated:
            return self.none()
        return self.filter(inscription__famille__responsables__user=user)


class Absence(models.Model):
    """An absence a family declared for one or more booked days after the cancellation
    deadline (days still cancellable were cancelled instead). Its days are the bookings
    pointing at it; a medical certificate accepted by staff makes them "justifiées"."""

    class Motif(models.TextChoices):
        MALADIE = "maladie", "Maladie"
        AUTRE = "autre", "Autre raison"

    inscription = models.ForeignKey(Inscription, on_delete=models.PROTECT, related_name="absences")
    motif = models.CharField("motif", max_length=10, choices=Motif)
    premier_jour = models.DateField("du")
    dernier_jour = models.DateField("au")
    certificat = models.FileField("certificat", upload_to="certificats/%Y/", blank=True)
    # The staff queue's request to check the certificate (none without a certificate).
    demande = models.OneToOneField(
        "portail.Demande",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="absence",
    )
    declaree_le = models.DateTimeField("signalée le", default=timezone.now)
    declaree_par = models.ForeignKey(
        Responsable,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="signalée par",
    )

    objects = AbsenceQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = "absence signalée"
        verbose_name_plural = "absences signalées"
        ordering = ["-premier_jour", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(premier_jour__lte=models.F("dernier_jour")),
                name="absence_jours_ordonnes",
            )
        ]

    def __str__(self) -> str:
        if self.premier_jour == self.dernier_jour:
            return f"Absence du {self.premier_jour:%d/%m/%Y}"
        return f"Absence du {self.premier_jour:%d/%m/%Y} au {self.dernier_jour:%d/%m/%Y}"
