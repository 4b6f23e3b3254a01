"""Rows that let staff and the load balancer see the background worker at work."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class TacheFacturation(models.Model):
    """One invoicing run, done by the worker (comptes/services/facturation.py); the admin
    shows its progress. Only one run per month is queued or running at a time."""

    class Etat(models.TextChoices):
        EN_ATTENTE = "en_attente", "en attente du worker"
        EN_COURS = "en_cours", "en cours"
        TERMINEE = "terminee", "terminée"
        ECHEC = "echec", "en échec"

    ACTIVES = (Etat.EN_ATTENTE, Etat.EN_COURS)

    mois = models.DateField("mois facturé")
    # Chosen households' ids; empty for the whole town.
    familles = models.JSONField("familles choisies", null=True, blank=True)
    etat = models.CharField("état", max_length=16, choices=Etat, default=Etat.EN_ATTENTE)
    demandee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    demandee_le = models.DateTimeField("demandée le", default=timezone.now)
    debut = models.DateTimeField("commencée le", null=True, blank=True)
    fin = models.DateTimeField("finie le", null=True, blank=True)
    # Written after each batch: a run in progress not updated for long was interrupted.
    mise_a_jour_le = models.DateTimeField("dernier progrès", default=timezone.now)
    tentatives = models.PositiveSmallIntegerField("tentatives", default=0)
    familles_a_facturer = models.PositiveIntegerField("familles à facturer", default=0)
    familles_traitees = models.PositiveIntegerField("familles traitées", default=0)
    factures = models.PositiveIntegerField("factures émises", default=0)
    total = models.DecimalField("total facturé", max_digits=14, decimal_places=2, default=0)
    activites_sans_tarif = models.JSONField("activités sans tarif", default=list, blank=True)
    erreur = models.TextField("erreur", blank=True)

    class Meta:
        verbose_name = "facturation en arrière-plan"
        verbose_name_plural = "facturations en arrière-plan"
        ordering = ["-demandee_le"]
        constraints = [
            models.UniqueConstraint(
                fields=["mois"],
                condition=Q(etat__in=["en_attente", "en_cours"]),
                name="une_facturation_active_par_mois",
            )
        ]

    def __str__(self) -> str:
        return f"Facturation de {self.mois:%m/%Y} ({self.get_etat_display()})"

    @property
    def pourcentage(self) -> int:
        if self.etat == self.Etat.TERMINEE:
            return 100
        if not self.familles_a_facturer:
            return 0
        return min(100, self.familles_traitees * 100 // self.familles_a_facturer)


class PoulsWorker(models.Model):
    """The last sign of life of each worker process (`manage.py worker`), read by /sante/."""

    worker_id = models.CharField("worker", max_length=64, unique=True)
    hote = models.CharField("machine", max_length=255)
    pid = models.PositiveIntegerField("processus")
    demarre_le = models.DateTimeField("démarré le", default=timezone.now)
    vu_le = models.DateTimeField("vu le", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "worker"
        verbose_name_plural = "workers"

    def __str__(self) -> str:
        return f"{self.hote} ({self.pid})"
