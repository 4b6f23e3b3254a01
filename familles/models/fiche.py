"""The child's file (issue 11): fiche sanitaire, vaccinations, autorisations, régimes."""

import datetime

from django.db import models
from simple_history.models import HistoricalRecords

from comptes.mots import de
from familles.models.enfants import Enfant
from familles.models.foyers import Responsable
from familles.validators import valider_telephone, valider_une_ligne


def saison_de(jour: datetime.date) -> int:
    """The school year a day belongs to, by its first year (2026 for 2026-2027):
    a season runs from 1 September to 31 August."""
    return jour.year if jour.month >= 9 else jour.year - 1


def libelle_saison(saison: int) -> str:
    return f"{saison}-{saison + 1}"


class FicheSanitaire(models.Model):
    """The fiche sanitaire de liaison: what the official form asks, beside the child's
    allergies, PAI, notes and doctor (kept on Enfant). Shared by the child's households;
    a responsable certifies it each season."""

    enfant = models.OneToOneField(Enfant, on_delete=models.CASCADE, related_name="fiche_sanitaire")
    allergie_alimentaire = models.BooleanField("allergie alimentaire", default=False)
    allergie_medicamenteuse = models.BooleanField("allergie médicamenteuse", default=False)
    allergie_autre = models.BooleanField(
        "autre allergie (animaux, pollens, piqûres…)", default=False
    )
    traitement = models.TextField(
        "traitement médical en cours",
        blank=True,
        help_text="Médicament, dose et horaires. Joignez l'ordonnance au service.",
    )
    contre_indication_vaccinale = models.BooleanField(
        "contre-indication à la vaccination (certificat médical)", default=False
    )
    recommandations = models.TextField(
        "recommandations utiles",
        blank=True,
        help_text="Lunettes, appareil dentaire ou auditif, comportement, sommeil…",
    )
    medecin_telephone = models.CharField(
        "téléphone du médecin traitant", max_length=20, blank=True, validators=[valider_telephone]
    )
    urgence_nom = models.CharField(
        "personne à prévenir en cas d'urgence",
        max_length=150,
        blank=True,
        validators=[valider_une_ligne],
    )
    urgence_lien = models.CharField(
        "lien avec l'enfant", max_length=100, blank=True, validators=[valider_une_ligne]
    )
    urgence_telephone = models.CharField(
        "téléphone en cas d'urgence", max_length=20, blank=True, validators=[valider_telephone]
    )
    # "Je certifie…": who, when, for which season (the first year: 2026 for 2026-2027).
    saison_confirmee = models.PositiveSmallIntegerField(
        "saison certifiée", null=True, blank=True, editable=False
    )
    confirmee_le = models.DateTimeField("certifiée le", null=True, blank=True, editable=False)
    confirmee_par = models.ForeignKey(
        Responsable,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="certifiée par",
    )
    modifiee_le = models.DateTimeField("modifiée le", auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "fiche sanitaire de liaison"
        verbose_name_plural = "fiches sanitaires de liaison"

    def __str__(self) -> str:
        return f"Fiche sanitaire {de(self.enfant)}"

    def est_confirmee(self, jour: datetime.date) -> bool:
        return self.saison_confirmee == saison_de(jour)

    @property
    def allergies_declarees(self) -> list[str]:
        return [
            libelle
            for coche, libelle in (
                (self.allergie_alimentaire, "alimentaire"),
                (self.allergie_medicamenteuse, "médicamenteuse"),
                (self.allergie_autre, "autre"),
            )
            if coche
        ]


class Vaccination(models.Model):
    class Vaccin(models.TextChoices):
        DTP = "dtp", "Diphtérie, tétanos, poliomyélite (DTP)"
        COQUELUCHE = "coqueluche", "Coqueluche"
        HIB = "hib", "Haemophilus influenzae b"
        HEPATITE_B = "hepatite_b", "Hépatite B"
        PNEUMOCOQUE = "pneumocoque", "Pneumocoque"
        MENINGOCOQUE_C = "meningocoque_c", "Méningocoque C"
        ROR = "ror", "Rougeole, oreillons, rubéole (ROR)"
        BCG = "bcg", "BCG (tuberculose)"
        AUTRE = "autre", "Autre vaccin"

    enfant = models.ForeignKey(Enfant, on_delete=models.CASCADE, related_name="vaccinations")
    vaccin = models.CharField("vaccin", max_length=16, choices=Vaccin)
    precision = models.CharField(
        "précision", max_length=100, blank=True, validators=[valider_une_ligne]
    )
    date = models.DateField("date du dernier rappel")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "vaccination"
        verbose_name_plural = "vaccinations"
        ordering = ["vaccin", "date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date__gte=datetime.date(1990, 1, 1)),
                name="vaccination_date_plausible",
                violation_error_message="Cette date de vaccination n'est pas plausible.",
            ),
        ]

    def __str__(self) -> str:
        nom = (
            self.precision
            if self.vaccin == self.Vaccin.AUTRE and self.precision
            else (self.get_vaccin_display())
        )
        return f"{nom} : {self.date:%d/%m/%Y}"


class TypeAutorisation(models.Model):
    """Droit à l'image, sortie seul(e)… and any the town adds."""

    nom = models.CharField(
        "autorisation", max_length=150, unique=True, validators=[valider_une_ligne]
    )
    description = models.TextField(
        "texte présenté aux familles", blank=True, help_text="Ce que la famille autorise."
    )
    avec_heure = models.BooleanField(
        "demande une heure",
        default=False,
        help_text="Par exemple « sortie seul(e) à partir de 17 h 30 ».",
    )
    ordre = models.PositiveSmallIntegerField("ordre d'affichage", default=0)
    active = models.BooleanField("proposée aux familles", default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "type d'autorisation"
        verbose_name_plural = "types d'autorisation"
        ordering = ["ordre", "nom"]

    def __str__(self) -> str:
        return self.nom


class AutorisationQuerySet(models.QuerySet):
    def en_vigueur(self) -> "AutorisationQuerySet":
        return self.filter(revoquee_le__isnull=True)


class Autorisation(models.Model):
    """A responsable's answer (yes or no) for one child and one type, dated. A new
    answer revokes the previous one: the rows are the history."""

    enfant = models.ForeignKey(Enfant, on_delete=models.CASCADE, related_name="autorisations")
    type = models.ForeignKey(
        TypeAutorisation, on_delete=models.PROTECT, related_name="autorisations"
    )
    accordee = models.BooleanField("accordée")
    heure = models.TimeField("à partir de", null=True, blank=True)
    donnee_par = models.ForeignKey(
        Responsable,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="donnée par",
    )
    donnee_le = models.DateTimeField("donnée le")
    revoquee_le = models.DateTimeField("révoquée le", null=True, blank=True)
    revoquee_par = models.ForeignKey(
        Responsable,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="révoquée par",
    )

    objects = AutorisationQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = "autorisation"
        verbose_name_plural = "autorisations"
        ordering = ["type__ordre", "type__nom", "-donnee_le"]
        constraints = [
            models.UniqueConstraint(
                fields=["enfant", "type"],
                condition=models.Q(revoquee_le__isnull=True),
                name="autorisation_une_en_vigueur",
                violation_error_message="Cet enfant a déjà une réponse en vigueur pour ce type.",
            ),
            models.CheckConstraint(
                condition=models.Q(heure__isnull=True) | models.Q(accordee=True),
                name="autorisation_heure_si_accordee",
                violation_error_message="Une heure n'a de sens que pour une autorisation accordée.",
            ),
        ]

    def __str__(self) -> str:
        return self.libelle

    @property
    def libelle(self) -> str:
        if not self.accordee:
            return f"{self.type.nom} : non"
        if self.heure:
            return f"{self.type.nom} : oui, à partir de {self.heure:%H h %M}"
        return f"{self.type.nom} : oui"


class RegimeAlimentaire(models.Model):
    """A diet the kitchen prepares (sans porc, végétarien…); none chosen is standard."""

    nom = models.CharField("régime", max_length=100, unique=True, validators=[valider_une_ligne])
    ordre = models.PositiveSmallIntegerField("ordre d'affichage", default=0)
    actif = models.BooleanField("proposé aux familles", default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "régime alimentaire"
        verbose_name_plural = "régimes alimentaires"
        ordering = ["ordre", "nom"]

    def __str__(self) -> str:
        return self.nom
