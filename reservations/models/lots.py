"""Batches of day-list PDFs built by the worker."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from inscriptions.models import Site


class LotListesDuJour(models.Model):
    """Day-list PDFs of several sites or days, built by the worker
    (reservations/listes_du_jour.py); the admin shows its progress and the files."""

    class Etat(models.TextChoices):
        EN_ATTENTE = "en_attente", "en attente du worker"
        EN_COURS = "en_cours", "en cours"
        TERMINE = "termine", "terminé"
        ECHEC = "echec", "en échec"

    class Forme(models.TextChoices):
        SEPAREES = "separees", "un PDF par site et par jour"
        COMBINEE = "combinee", "un seul PDF pour tout"

    ACTIFS = (Etat.EN_ATTENTE, Etat.EN_COURS)

    sites = models.ManyToManyField(Site, related_name="+", verbose_name="sites")
    premier_jour = models.DateField("du")
    dernier_jour = models.DateField("au")
    forme = models.CharField("forme", max_length=12, choices=Forme, default=Forme.SEPAREES)
    etat = models.CharField("état", max_length=12, choices=Etat, default=Etat.EN_ATTENTE)
    demande_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    demande_le = models.DateTimeField("demandé le", default=timezone.now)
    fin = models.DateTimeField("fini le", null=True, blank=True)
    # Written at each list: a batch "en cours" not updated for long lost its worker.
    mise_a_jour_le = models.DateTimeField("dernier progrès", default=timezone.now)
    listes_a_faire = models.PositiveIntegerField("listes à préparer", default=0)
    listes_faites = models.PositiveIntegerField("listes préparées", default=0)
    erreur = models.TextField("erreur", blank=True)

    class Meta:
        verbose_name = "lot de listes du jour (PDF)"
        verbose_name_plural = "lots de listes du jour (PDF)"
        ordering = ["-demande_le"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(premier_jour__lte=models.F("dernier_jour")),
                name="lot_listes_jours_ordonnes",
                violation_error_message="Le dernier jour doit suivre le premier.",
            )
        ]

    def __str__(self) -> str:
        if self.premier_jour == self.dernier_jour:
            return f"Listes du {self.premier_jour:%d/%m/%Y}"
        return f"Listes du {self.premier_jour:%d/%m/%Y} au {self.dernier_jour:%d/%m/%Y}"

    INTERROMPU_APRES = datetime.timedelta(minutes=15)

    @property
    def interrompu(self) -> bool:
        """Still "en cours" but no list made for long: the worker was stopped (killed,
        restarted); nothing resumes it, staff ask again."""
        return (
            self.etat == self.Etat.EN_COURS
            and self.mise_a_jour_le < timezone.now() - self.INTERROMPU_APRES
        )

    @property
    def pourcentage(self) -> int:
        if self.etat == self.Etat.TERMINE:
            return 100
        if not self.listes_a_faire:
            return 0
        return min(100, self.listes_faites * 100 // self.listes_a_faire)


class PdfListeDuJour(models.Model):
    """One file of a batch: a site's day, or (combined) every list in one PDF. Stored
    under a random name in the private storage, served to staff only."""

    lot = models.ForeignKey(LotListesDuJour, on_delete=models.CASCADE, related_name="pdfs")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, null=True, blank=True)
    jour = models.DateField("jour", null=True, blank=True)
    fichier = models.FileField("PDF", upload_to="listes-du-jour/%Y/")

    class Meta:
        verbose_name = "PDF de listes du jour"
        verbose_name_plural = "PDF de listes du jour"
        ordering = ["jour", "site__nom", "pk"]

    def __str__(self) -> str:
        if self.site_id is None:
            return "Toutes les listes"
        return f"{self.site.nom} — {self.jour:%d/%m/%Y}"
