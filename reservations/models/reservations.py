"""Bookings (one child, one activity, one day) and a household's iCalendar feed."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from familles.models import Enfant, Famille
from inscriptions.models import Activite, Inscription


class ReservationQuerySet(models.QuerySet):
    def actives(self) -> "ReservationQuerySet":
        return self.exclude(etat=Reservation.Etat.ANNULEE)

    def confirmees(self) -> "ReservationQuerySet":
        """Bookings that hold a place (waiting list and cancelled ones do not)."""
        return self.filter(etat__in=Reservation.ETATS_OCCUPANT_UNE_PLACE)

    def for_user(self, user) -> "ReservationQuerySet":
        if not user.is_authenticated:
            return self.none()
        return self.filter(inscription__famille__responsables__user=user)


class Reservation(models.Model):
    """One child, one activity, one day."""

    class Etat(models.TextChoices):
        RESERVEE = "reservee", "Réservé"
        DEMANDEE = "demandee", "Réservation à valider par le service"
        ATTENTE = "attente", "Liste d'attente"
        ANNULEE = "annulee", "Annulé"
        PRESENT = "present", "Présent"
        ABSENT = "absent", "Absent"
        ABSENCE_JUSTIFIEE = "absence_justifiee", "Absence justifiée"
        # Declared by the family after the cancellation deadline (reservations/absences.py).
        ABSENCE_SIGNALEE = "absence_signalee", "Absence signalée"
        # Asked during an opening by lottery: holds no place until the draw decides.
        TIRAGE = "tirage", "Demande pour le tirage au sort"

    class Source(models.TextChoices):
        CALENDRIER = "calendrier", "Calendrier"
        SEMAINE_TYPE = "semaine_type", "Semaine type"
        SERVICE = "service", "Service"
        LISTE_ATTENTE = "liste_attente", "Liste d'attente"
        TIRAGE = "tirage", "Tirage au sort"

    ETATS_OCCUPANT_UNE_PLACE = [
        Etat.RESERVEE,
        Etat.DEMANDEE,
        Etat.PRESENT,
        Etat.ABSENT,
        Etat.ABSENCE_JUSTIFIEE,
        Etat.ABSENCE_SIGNALEE,
    ]
    ETATS_POINTES = [Etat.PRESENT, Etat.ABSENT, Etat.ABSENCE_JUSTIFIEE]
    # Days the family said the child will miss (the place stays held, the kitchen knows).
    ETATS_ABSENCE = [Etat.ABSENCE_SIGNALEE, Etat.ABSENCE_JUSTIFIEE]

    inscription = models.ForeignKey(
        Inscription, on_delete=models.PROTECT, related_name="reservations"
    )
    # Copied from the inscription so that the database can hold the invariant.
    enfant = models.ForeignKey(Enfant, on_delete=models.PROTECT, related_name="reservations")
    activite = models.ForeignKey(Activite, on_delete=models.PROTECT, related_name="reservations")
    date = models.DateField("date")
    etat = models.CharField("état", max_length=20, choices=Etat, default=Etat.RESERVEE)
    rang_attente = models.PositiveIntegerField(
        "ordre sur la liste d'attente", null=True, blank=True
    )
    source = models.CharField("origine", max_length=16, choices=Source, default=Source.CALENDRIER)
    # Staff marked the child present on a day nobody had booked (billed with a surcharge).
    sans_reservation = models.BooleanField("présent sans réservation", default=False)
    demande = models.ForeignKey(
        "portail.Demande",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reservations",
    )
    # The absence the family declared for this day (after the cancellation deadline).
    absence = models.ForeignKey(
        "Absence",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reservations",
    )
    cree_le = models.DateTimeField("réservé le", default=timezone.now)
    modifiee_le = models.DateTimeField("modifié le", default=timezone.now)
    modifiee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ReservationQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = "réservation"
        verbose_name_plural = "réservations"
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["enfant", "activite", "date"],
                condition=~models.Q(etat="annulee"),
                name="reservation_active_unique",
                violation_error_message="Ce jour est déjà réservé pour cet enfant.",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(etat="attente", rang_attente__isnull=False)
                    | (~models.Q(etat="attente") & models.Q(rang_attente__isnull=True))
                ),
                name="reservation_rang_si_attente",
            ),
        ]
        indexes = [
            models.Index(fields=["activite", "date", "etat"]),
            models.Index(fields=["inscription", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.enfant} — {self.activite.nom} — {self.date:%d/%m/%Y}"


class FluxCalendrier(models.Model):
    """A household's private iCalendar address (secret, revocable)."""

    famille = models.OneToOneField(
        Famille, on_delete=models.CASCADE, related_name="flux_calendrier"
    )
    jeton = models.CharField(max_length=64, unique=True)
    cree_le = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "agenda partagé"
        verbose_name_plural = "agendas partagés"

    def __str__(self) -> str:
        return f"Agenda — {self.famille}"
