"""Children, their links to one or two households (custody share) and the people
allowed to pick them up."""

import datetime

from django.db import models
from simple_history.models import HistoricalRecords

from familles.models.foyers import Famille
from familles.validators import valider_telephone, valider_une_ligne


class EnfantQuerySet(models.QuerySet):
    def for_user(self, user) -> "EnfantQuerySet":
        """Children of the households the user is a Responsable of: the only door in."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(rattachements__famille__responsables__user=user)

    def for_famille(self, famille: Famille) -> "EnfantQuerySet":
        return self.filter(rattachements__famille=famille)


class Enfant(models.Model):
    class Sexe(models.TextChoices):
        FILLE = "f", "Fille"
        GARCON = "g", "Garçon"

    class Classe(models.TextChoices):
        NON_SCOLARISE = "", "Non scolarisé"
        TPS = "tps", "Toute petite section"
        PS = "ps", "Petite section"
        MS = "ms", "Moyenne section"
        GS = "gs", "Grande section"
        CP = "cp", "CP"
        CE1 = "ce1", "CE1"
        CE2 = "ce2", "CE2"
        CM1 = "cm1", "CM1"
        CM2 = "cm2", "CM2"
        COLLEGE = "college", "Collège"

    nom = models.CharField("nom", max_length=150, validators=[valider_une_ligne])
    prenom = models.CharField("prénom", max_length=150, validators=[valider_une_ligne])
    sexe = models.CharField("sexe", max_length=1, choices=Sexe)
    date_naissance = models.DateField("date de naissance")
    ecole = models.CharField("école", max_length=150, blank=True, validators=[valider_une_ligne])
    classe = models.CharField("classe", max_length=8, choices=Classe, blank=True, default="")
    allergies = models.TextField(
        "allergies", blank=True, help_text="Aliments ou médicaments, et la conduite à tenir."
    )
    pai = models.BooleanField(
        "projet d'accueil individualisé (PAI)",
        default=False,
        help_text="Cochez si un PAI a été signé avec l'école ou le médecin scolaire.",
    )
    notes_sante = models.TextField(
        "autres informations de santé",
        blank=True,
        help_text="Traitement, régime alimentaire, handicap… ce que l'équipe doit savoir.",
    )
    medecin_traitant = models.CharField(
        "médecin traitant", max_length=150, blank=True, validators=[valider_une_ligne]
    )
    # Empty: the standard meal. The list of diets is the town's (admin).
    regime_alimentaire = models.ForeignKey(
        "RegimeAlimentaire",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enfants",
        verbose_name="régime alimentaire",
    )
    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    objects = EnfantQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = "enfant"
        verbose_name_plural = "enfants"
        ordering = ["date_naissance", "prenom"]
        constraints = [
            # "Not in the future" depends on today: checked in the form and the service.
            models.CheckConstraint(
                condition=models.Q(date_naissance__gte=datetime.date(1990, 1, 1)),
                name="enfant_date_naissance_plausible",
                violation_error_message="Cette date de naissance n'est pas plausible.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prenom} {self.nom}"

    @property
    def a_des_alertes_sante(self) -> bool:
        return bool(self.allergies or self.pai)


JOURS_SEMAINE = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


class Rattachement(models.Model):
    """Enfant × Famille: a child of separated parents belongs to two households.

    Each household's link says its share of the custody. The share guides the household
    (its calendar shows its weeks, its semaine type offers "mes semaines de garde"); it
    never forbids a booking: parents swap weeks, and one child is at most once per day
    and activity whoever booked (the booking constraint stays per child).
    """

    class Garde(models.TextChoices):
        LIBRE = "libre", "Sans répartition fixée (les foyers s'organisent)"
        SEMAINES = "semaines", "Une semaine sur deux (semaines paires ou impaires)"
        JOURS = "jours", "Certains jours de la semaine"

    class Semaines(models.TextChoices):
        PAIRES = "paires", "Semaines paires"
        IMPAIRES = "impaires", "Semaines impaires"

    enfant = models.ForeignKey(Enfant, on_delete=models.CASCADE, related_name="rattachements")
    famille = models.ForeignKey(Famille, on_delete=models.CASCADE, related_name="rattachements")
    depuis = models.DateField("depuis le", auto_now_add=True)
    garde = models.CharField(
        "partage de la garde", max_length=10, choices=Garde, default=Garde.LIBRE
    )
    semaines = models.CharField(
        "semaines de ce foyer",
        max_length=10,
        choices=Semaines,
        blank=True,
        help_text="Numéros de semaine ISO, comme sur les calendriers français.",
    )
    # Weekdays of this household when the custody is split by weekday (0 = lundi).
    jours = models.JSONField("jours de ce foyer", default=list, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "rattachement à une famille"
        verbose_name_plural = "rattachements aux familles"
        constraints = [
            models.UniqueConstraint(fields=["enfant", "famille"], name="rattachement_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.enfant} — {self.famille}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.garde == self.Garde.SEMAINES and not self.semaines:
            raise ValidationError(
                {"semaines": "Indiquez si ce foyer a les semaines paires ou impaires."}
            )
        jours_valides = bool(self.jours) and all(
            isinstance(j, int) and 0 <= j <= 6 for j in self.jours
        )
        if self.garde == self.Garde.JOURS and not jours_valides:
            raise ValidationError({"jours": "Indiquez au moins un jour de la semaine."})
        if self.garde != self.Garde.SEMAINES:
            self.semaines = ""
        if self.garde != self.Garde.JOURS:
            self.jours = []

    def a_la_garde(self, jour: datetime.date) -> bool:
        """Whether the day falls in this household's share (always, without a split)."""
        if self.garde == self.Garde.SEMAINES and self.semaines:
            paire = jour.isocalendar().week % 2 == 0
            return paire == (self.semaines == self.Semaines.PAIRES)
        if self.garde == self.Garde.JOURS and self.jours:
            return jour.weekday() in self.jours
        return True

    @property
    def description_garde(self) -> str:
        """ "semaines paires", "le lundi et le mardi", "" when nothing is fixed."""
        if self.garde == self.Garde.SEMAINES and self.semaines:
            return self.get_semaines_display().lower()
        if self.garde == self.Garde.JOURS and self.jours:
            noms = [JOURS_SEMAINE[j] for j in sorted(self.jours)]
            if len(noms) == 1:
                return f"le {noms[0]}"
            return "le " + ", le ".join(noms[:-1]) + f" et le {noms[-1]}"
        return ""


class PersonneAutorisee(models.Model):
    """Someone allowed to pick the child up."""

    enfant = models.ForeignKey(
        Enfant, on_delete=models.CASCADE, related_name="personnes_autorisees"
    )
    nom = models.CharField("nom", max_length=150, validators=[valider_une_ligne])
    prenom = models.CharField("prénom", max_length=150, validators=[valider_une_ligne])
    lien = models.CharField(
        "lien avec l'enfant",
        max_length=100,
        help_text="Grand-mère, voisin…",
        validators=[valider_une_ligne],
    )
    telephone = models.CharField("téléphone", max_length=20, validators=[valider_telephone])

    history = HistoricalRecords()

    class Meta:
        verbose_name = "personne autorisée à récupérer l'enfant"
        verbose_name_plural = "personnes autorisées à récupérer l'enfant"
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.prenom} {self.nom} ({self.lien})"
