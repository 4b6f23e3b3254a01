"""Pièces justificatives (issue 11, part 3): the types the service asks for and the files
households give."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from comptes.mots import de
from familles.models.enfants import Enfant
from familles.models.foyers import Famille, Responsable
from familles.validators import valider_une_ligne


class TypeDocument(models.Model):
    """A kind of document the service asks for (assurance, vaccinations, PAI…), defined
    by staff: for each child or once per household, with how long it stays valid. The
    activities that require it are on the activity (inscriptions depends on familles)."""

    class Portee(models.TextChoices):
        ENFANT = "enfant", "Un par enfant"
        FAMILLE = "famille", "Un par foyer"

    class Validite(models.TextChoices):
        SAISON = "saison", "Jusqu'à la fin de l'année scolaire (31 août)"
        MOIS = "mois", "Un nombre de mois après le dépôt"
        DATE = "date", "Jusqu'à une date fixe"
        PERMANENTE = "permanente", "Sans limite de durée"

    nom = models.CharField("nom", max_length=150, unique=True, validators=[valider_une_ligne])
    description = models.TextField(
        "explication pour les familles",
        blank=True,
        help_text="Ce que le document doit contenir, où l'obtenir.",
    )
    portee = models.CharField("pour qui", max_length=8, choices=Portee, default=Portee.ENFANT)
    validite = models.CharField(
        "validité", max_length=12, choices=Validite, default=Validite.SAISON
    )
    duree_mois = models.PositiveSmallIntegerField(
        "durée de validité (mois)",
        null=True,
        blank=True,
        help_text="Seulement pour « un nombre de mois après le dépôt ».",
    )
    valide_jusqu_au = models.DateField(
        "valable jusqu'au",
        null=True,
        blank=True,
        help_text="Seulement pour « jusqu'à une date fixe ».",
    )
    actif = models.BooleanField(
        "demandé aux familles", default=True, help_text="Décochez pour ne plus le proposer."
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "type de document"
        verbose_name_plural = "types de documents"
        ordering = ["nom"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(validite="mois")
                | models.Q(duree_mois__isnull=False, duree_mois__gt=0),
                name="type_document_duree_si_mois",
                violation_error_message="Indiquez la durée de validité en mois.",
            ),
            models.CheckConstraint(
                condition=~models.Q(validite="date") | models.Q(valide_jusqu_au__isnull=False),
                name="type_document_date_si_fixe",
                violation_error_message="Indiquez la date jusqu'à laquelle le document vaut.",
            ),
        ]

    def __str__(self) -> str:
        return self.nom

    @property
    def par_enfant(self) -> bool:
        return self.portee == self.Portee.ENFANT

    @property
    def validite_en_clair(self) -> str:
        if self.validite == self.Validite.MOIS:
            return f"{self.duree_mois} mois après le dépôt"
        if self.validite == self.Validite.DATE and self.valide_jusqu_au:
            return f"jusqu'au {self.valide_jusqu_au:%d/%m/%Y}"
        if self.validite == self.Validite.SAISON:
            return "jusqu'à la fin de l'année scolaire (31 août)"
        return "sans limite de durée"


class DocumentQuerySet(models.QuerySet):
    def for_user(self, user) -> "DocumentQuerySet":
        """Documents of the user's own household: the other household of a separated
        family never sees them (a child's documents belong to the household that gave them)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(famille__responsables__user=user)


class Document(models.Model):
    """A file a household gave for a type of document (its child's, or its own); checked
    by staff through a Demande, then valid until `valide_jusqu_au` (None: no limit)."""

    class Statut(models.TextChoices):
        EN_ATTENTE = "en_attente", "En attente de vérification"
        ACCEPTE = "accepte", "Accepté"
        REFUSE = "refuse", "Refusé"
        ANNULE = "annule", "Annulé"

    type = models.ForeignKey(
        TypeDocument, on_delete=models.PROTECT, related_name="documents", verbose_name="type"
    )
    famille = models.ForeignKey(Famille, on_delete=models.CASCADE, related_name="documents")
    enfant = models.ForeignKey(
        Enfant, on_delete=models.CASCADE, null=True, blank=True, related_name="documents"
    )
    fichier = models.FileField("fichier", upload_to="documents/%Y/", blank=True)
    depose_le = models.DateTimeField("déposé le", auto_now_add=True)
    depose_par = models.ForeignKey(
        Responsable,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="déposé par",
    )
    demande = models.OneToOneField(
        "portail.Demande",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="document",
    )
    statut = models.CharField("statut", max_length=12, choices=Statut, default=Statut.EN_ATTENTE)
    valide_jusqu_au = models.DateField("valable jusqu'au", null=True, blank=True)
    # A file is accepted only once staff have opened it (never in bulk unseen).
    consulte_le = models.DateTimeField("ouvert par le service le", null=True, blank=True)
    consulte_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="ouvert par",
    )
    rappel_envoye_le = models.DateTimeField("rappel d'expiration envoyé le", null=True, blank=True)

    objects = DocumentQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = "document"
        verbose_name_plural = "documents"
        ordering = ["-depose_le", "-pk"]
        indexes = [models.Index(fields=["statut", "valide_jusqu_au"])]
        constraints = [
            # One file waiting for the service per household, type (and child).
            models.UniqueConstraint(
                fields=["famille", "type", "enfant"],
                condition=models.Q(statut="en_attente", enfant__isnull=False),
                name="document_enfant_unique_en_attente",
            ),
            models.UniqueConstraint(
                fields=["famille", "type"],
                condition=models.Q(statut="en_attente", enfant__isnull=True),
                name="document_foyer_unique_en_attente",
            ),
        ]

    def __str__(self) -> str:
        pour = f" {de(self.enfant.prenom)}" if self.enfant_id else ""
        return f"{self.type}{pour} ({self.famille})"
