from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class DemandeQuerySet(models.QuerySet):
    def en_attente(self) -> "DemandeQuerySet":
        return self.filter(statut=Demande.Statut.EN_ATTENTE)

    def for_famille(self, famille) -> "DemandeQuerySet":
        return self.filter(famille=famille)

    def timeline(self) -> "DemandeQuerySet":
        """Pending first, then newest first: the order of "Mon tableau de bord"."""
        en_attente_d_abord = models.Case(
            models.When(statut=Demande.Statut.EN_ATTENTE, then=0),
            default=1,
            output_field=models.IntegerField(),
        )
        return self.order_by(en_attente_d_abord, "-cree_le", "-pk")


class Demande(models.Model):
    """Every request a parent makes: the dashboard timeline and the staff queue."""

    class Type(models.TextChoices):
        COORDONNEES = "coordonnees", "Modification de coordonnées"
        ENFANT_AJOUT = "enfant_ajout", "Ajout d'un enfant"
        ENFANT_MODIFICATION = "enfant_modification", "Modification d'un enfant"
        INSCRIPTION = "inscription", "Inscription"
        RESERVATION = "reservation", "Réservation"
        ATTESTATION = "attestation", "Attestation d'inscription"
        REVENUS = "revenus", "Justificatif de revenus"
        CLOTURE = "cloture", "Clôture du compte"

    class Statut(models.TextChoices):
        EN_ATTENTE = "en_attente", "En attente"
        ACCEPTEE = "acceptee", "Acceptée"
        REFUSEE = "refusee", "Refusée"
        ANNULEE = "annulee", "Annulée"

    famille = models.ForeignKey(
        "familles.Famille", on_delete=models.PROTECT, related_name="demandes"
    )
    demandeur = models.ForeignKey(
        "familles.Responsable",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="demandes",
        verbose_name="demandeur",
    )
    type = models.CharField("type", max_length=24, choices=Type)
    statut = models.CharField("statut", max_length=12, choices=Statut, default=Statut.EN_ATTENTE)
    objet = models.CharField("objet", max_length=250)
    donnees = models.JSONField("données demandées", default=dict, blank=True)
    # The enrolment an "inscription" or "attestation" request is about.
    inscription = models.ForeignKey(
        "inscriptions.Inscription",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="demandes",
    )
    cree_le = models.DateTimeField("demandée le", default=timezone.now)
    traitee_le = models.DateTimeField("traitée le", null=True, blank=True)
    traitee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="traitée par",
    )
    reponse = models.TextField("réponse du service", blank=True)

    objects = DemandeQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = "demande"
        verbose_name_plural = "demandes"
        ordering = ["-cree_le", "-pk"]
        indexes = [
            models.Index(fields=["famille", "statut", "cree_le"]),
            models.Index(fields=["statut", "type", "cree_le"]),
        ]
        constraints = [
            # One pending change of details per parent: a new one updates it.
            models.UniqueConstraint(
                fields=["demandeur", "type"],
                condition=models.Q(statut="en_attente", type="coordonnees"),
                name="demande_coordonnees_unique_en_attente",
            ),
            # One pending attestation request per enrolment.
            models.UniqueConstraint(
                fields=["inscription", "type"],
                condition=models.Q(statut="en_attente", type="attestation"),
                name="demande_attestation_unique_en_attente",
            ),
            models.CheckConstraint(
                condition=models.Q(statut="en_attente", traitee_le__isnull=True)
                | (~models.Q(statut="en_attente") & models.Q(traitee_le__isnull=False)),
                name="demande_traitee_le_coherent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} — {self.objet}"

    @property
    def est_en_attente(self) -> bool:
        return self.statut == self.Statut.EN_ATTENTE
