"""Weekly booking patterns (semaines types)."""

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from inscriptions.models import Inscription


class SemaineType(models.Model):
    """A weekly pattern for one enrolment, kept to be re-applied or changed."""

    class Frequence(models.TextChoices):
        TOUTES = "toutes", "Toutes les semaines"
        # Alternating custody: counted week by week from the pattern's first week, so the
        # rhythm never breaks at a year with 53 ISO weeks.
        UNE_SUR_DEUX = "une_sur_deux", "Une semaine sur deux, à partir de la première semaine"
        UNE_SUR_DEUX_DECALEE = (
            "une_sur_deux_decalee",
            ("Une semaine sur deux, à partir de la deuxième semaine"),
        )
        # Garde alternée by ISO week number, as the household's link (Rattachement) says.
        SEMAINES_PAIRES = "semaines_paires", "Semaines paires (numéros de semaine ISO)"
        SEMAINES_IMPAIRES = "semaines_impaires", "Semaines impaires (numéros de semaine ISO)"

    inscription = models.OneToOneField(
        Inscription, on_delete=models.CASCADE, related_name="semaine_type"
    )
    jours = models.JSONField("jours", default=list)
    frequence = models.CharField(
        "fréquence", max_length=24, choices=Frequence, default=Frequence.TOUTES
    )
    debut = models.DateField("du")
    fin = models.DateField("au")
    modifiee_le = models.DateTimeField("modifiée le", default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "semaine type"
        verbose_name_plural = "semaines types"

    def __str__(self) -> str:
        return f"Semaine type — {self.inscription}"
