"""Openings by lottery (tirage au sort)."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from inscriptions.models import Activite


class Tirage(models.Model):
    """An opening by lottery: the requests for the days `premier_jour`..`dernier_jour`
    made between `ouverture` and `cloture` are drawn at the close (reservations/tirage.py).
    The seed and the drawn order are kept so that staff can re-run the draw."""

    activite = models.ForeignKey(Activite, on_delete=models.CASCADE, related_name="tirages")
    premier_jour = models.DateField("jours concernés : du")
    dernier_jour = models.DateField("au")
    ouverture = models.DateTimeField("demandes à partir du")
    cloture = models.DateTimeField(
        "tirage au sort le", help_text="Fin des demandes ; le tirage a lieu à cette heure."
    )
    graine = models.CharField("graine", max_length=64, blank=True, editable=False)
    # Households taking part (sorted ids) and the same ids in drawn order.
    participants = models.JSONField("familles participantes", default=list, editable=False)
    ordre = models.JSONField("ordre tiré", default=list, editable=False)
    # The draw's inputs (requests, places per day) and what it decided, request by
    # request (see tirage.repartir): kept as drawn, for the "vérifier" page.
    resultats = models.JSONField("résultats", default=dict, editable=False)
    tire_le = models.DateTimeField("tiré le", null=True, blank=True, editable=False)
    tire_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="tiré par",
    )
    tache = models.CharField("tâche", max_length=64, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "ouverture par tirage au sort"
        verbose_name_plural = "ouvertures par tirage au sort"
        ordering = ["-cloture"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(premier_jour__lte=models.F("dernier_jour")),
                name="tirage_jours_ordonnes",
                violation_error_message="Le dernier jour doit suivre le premier.",
            ),
            models.CheckConstraint(
                condition=models.Q(ouverture__lt=models.F("cloture")),
                name="tirage_fenetre_ordonnee",
                violation_error_message="Le tirage doit avoir lieu après l'ouverture des demandes.",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.activite.nom} — du {self.premier_jour:%d/%m/%Y} au {self.dernier_jour:%d/%m/%Y}"
        )
