"""When an activity opens: its booking rules, holidays, closures and special days."""

import datetime
import secrets

from django.db import models
from simple_history.models import HistoricalRecords

from inscriptions.models import Activite, Periode


class Jour(models.IntegerChoices):
    LUNDI = 0, "lundi"
    MARDI = 1, "mardi"
    MERCREDI = 2, "mercredi"
    JEUDI = 3, "jeudi"
    VENDREDI = 4, "vendredi"
    SAMEDI = 5, "samedi"
    DIMANCHE = 6, "dimanche"


class ModeDelai(models.TextChoices):
    JOURS = "jours", "J-n à HH:MM"
    HEBDO = "hebdo", "Tel jour à HH:MM de la semaine précédente"


class ModeOuverture(models.TextChoices):
    PREMIER_ARRIVE = "premier_arrive", "Premier arrivé, premier servi"
    TIRAGE = "tirage", "Tirage au sort (ouvertures ci-dessous)"


def nouvelle_version() -> int:
    return secrets.randbits(62)


class ParametresReservation(models.Model):
    """How an activity opens and what the manager allows: one row per activity."""

    class Pendant(models.TextChoices):
        SCOLAIRE = "scolaire", "En période scolaire (fermé pendant les vacances)"
        VACANCES = "vacances", "Pendant les vacances scolaires seulement"
        TOUJOURS = "toujours", "Toute l'année"

    activite = models.OneToOneField(
        Activite, on_delete=models.CASCADE, related_name="parametres_reservation"
    )
    jours_ouverture = models.JSONField(
        "jours d'ouverture", default=list, help_text="Jours de la semaine où l'activité a lieu."
    )
    pendant = models.CharField(
        "ouverture", max_length=10, choices=Pendant, default=Pendant.SCOLAIRE
    )
    places_par_jour = models.PositiveIntegerField(
        "places par jour",
        null=True,
        blank=True,
        help_text="Vide : pas de limite. Modifiable date par date (journées particulières).",
    )
    reservation_mode = models.CharField(
        "délai de réservation", max_length=6, choices=ModeDelai, default=ModeDelai.JOURS
    )
    reservation_jours = models.PositiveSmallIntegerField("réservation : n (J-n)", default=2)
    reservation_heure = models.TimeField(
        "réservation : heure limite", default=datetime.time(23, 59)
    )
    reservation_jour_semaine = models.PositiveSmallIntegerField(
        "réservation : jour de la semaine précédente", choices=Jour, default=Jour.JEUDI
    )
    reservation_sans_weekend = models.BooleanField(
        "réservation : week-ends non comptés", default=True
    )
    reservation_sans_feries = models.BooleanField(
        "réservation : jours fériés non comptés", default=True
    )
    annulation_autorisee = models.BooleanField("les familles peuvent annuler", default=True)
    annulation_mode = models.CharField(
        "délai d'annulation", max_length=6, choices=ModeDelai, default=ModeDelai.JOURS
    )
    annulation_jours = models.PositiveSmallIntegerField("annulation : n (J-n)", default=2)
    annulation_heure = models.TimeField("annulation : heure limite", default=datetime.time(23, 59))
    annulation_jour_semaine = models.PositiveSmallIntegerField(
        "annulation : jour de la semaine précédente", choices=Jour, default=Jour.JEUDI
    )
    annulation_sans_weekend = models.BooleanField(
        "annulation : week-ends non comptés", default=True
    )
    annulation_sans_feries = models.BooleanField(
        "annulation : jours fériés non comptés", default=True
    )
    validation_requise = models.BooleanField(
        "réservations validées par le service",
        default=False,
        help_text="Chaque réservation devient une demande à traiter.",
    )
    mode_ouverture = models.CharField(
        "mode d'ouverture",
        max_length=14,
        choices=ModeOuverture,
        default=ModeOuverture.PREMIER_ARRIVE,
        help_text="Tirage au sort : les demandes faites pendant une fenêtre d'ouverture "
        "sont tirées au sort à sa clôture (voir « Ouvertures par tirage au sort »).",
    )
    # Changed (to a new random value) whenever the activity's holidays, closures or
    # special days change: the month calendar keeps what it read of them in memory
    # under this key (reservations/calendrier.py). Random, not a counter, so that a row
    # id reused after a rollback never meets an old entry.
    version_calendrier = models.BigIntegerField(default=nouvelle_version, editable=False)
    # Absences declared by the family after the cancellation deadline (reservations/absences.py).
    absences_facturees = models.BooleanField(
        "absences signalées facturées",
        default=True,
        help_text="Un jour signalé absent après le délai d'annulation est facturé, "
        "sauf certificat accepté.",
    )
    jours_carence = models.PositiveSmallIntegerField(
        "jours de carence",
        default=1,
        help_text="Premiers jours d'une absence justifiée par un certificat qui restent facturés.",
    )

    history = HistoricalRecords(excluded_fields=["version_calendrier"])

    class Meta:
        verbose_name = "calendrier et règles de réservation"
        verbose_name_plural = "calendriers et règles de réservation"

    def __str__(self) -> str:
        return f"Réservations — {self.activite}"

    @property
    def jours_en_clair(self) -> str:
        """ "lundi, mardi, jeudi et vendredi, en période scolaire"."""
        noms = [Jour(j).label for j in sorted(self.jours_ouverture)]
        if not noms:
            return "aucun jour d'accueil pour l'instant"
        jours = noms[0] if len(noms) == 1 else f"{', '.join(noms[:-1])} et {noms[-1]}"
        quand = {
            self.Pendant.SCOLAIRE: "en période scolaire",
            self.Pendant.VACANCES: "pendant les vacances scolaires",
            self.Pendant.TOUJOURS: "toute l'année",
        }[self.pendant]
        return f"{jours}, {quand}"

    @property
    def reservation_en_clair(self) -> str:
        from reservations.delais import RegleDelai

        return RegleDelai(
            self.reservation_mode,
            self.reservation_jours,
            self.reservation_heure,
            self.reservation_jour_semaine,
            self.reservation_sans_weekend,
            self.reservation_sans_feries,
        ).en_clair()


class Vacances(models.Model):
    """School holidays of a season (the town's zone), first and last day off."""

    periode = models.ForeignKey(Periode, on_delete=models.CASCADE, related_name="vacances")
    nom = models.CharField("nom", max_length=100)
    debut = models.DateField("premier jour de vacances")
    fin = models.DateField("dernier jour de vacances")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "vacances scolaires"
        verbose_name_plural = "vacances scolaires"
        ordering = ["debut"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(debut__lte=models.F("fin")), name="vacances_dates_ordonnees"
            )
        ]

    def __str__(self) -> str:
        return f"{self.nom} ({self.debut:%d/%m/%Y} – {self.fin:%d/%m/%Y})"


class Fermeture(models.Model):
    """Days an activity is closed besides holidays (pont, travaux, grève…)."""

    activite = models.ForeignKey(Activite, on_delete=models.CASCADE, related_name="fermetures")
    debut = models.DateField("du")
    fin = models.DateField("au")
    motif = models.CharField("motif", max_length=150)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "fermeture"
        verbose_name_plural = "fermetures"
        ordering = ["debut"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(debut__lte=models.F("fin")), name="fermeture_dates_ordonnees"
            )
        ]

    def __str__(self) -> str:
        return self.motif


class Journee(models.Model):
    """One activity on one day: the row locked while its places are counted,
    and where staff override the places or close that one day."""

    activite = models.ForeignKey(Activite, on_delete=models.CASCADE, related_name="journees")
    date = models.DateField("date")
    places = models.PositiveIntegerField(
        "places ce jour",
        null=True,
        blank=True,
        help_text="Vide : les places par jour de l'activité.",
    )
    fermee = models.BooleanField("fermée ce jour", default=False)
    motif = models.CharField("motif de fermeture", max_length=150, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "journée particulière"
        verbose_name_plural = "journées particulières"
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["activite", "date"], name="journee_unique")]

    def __str__(self) -> str:
        return f"{self.activite.nom} — {self.date:%d/%m/%Y}"
