import datetime

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from familles.validators import valider_code_postal, valider_telephone, valider_une_ligne


class Famille(models.Model):
    """A household: the unit that holds children, pays and is billed."""

    class Regime(models.TextChoices):
        CAF = "caf", "CAF"
        MSA = "msa", "MSA"
        AUTRE = "autre", "Autre régime"

    nom = models.CharField("nom de la famille", max_length=150, validators=[valider_une_ligne])
    adresse = models.CharField(
        "adresse", max_length=250, blank=True, validators=[valider_une_ligne]
    )
    complement_adresse = models.CharField(
        "complément d'adresse", max_length=250, blank=True, validators=[valider_une_ligne]
    )
    code_postal = models.CharField(
        "code postal", max_length=5, blank=True, validators=[valider_code_postal]
    )
    ville = models.CharField("commune", max_length=150, blank=True, validators=[valider_une_ligne])
    regime = models.CharField("régime", max_length=8, choices=Regime, default=Regime.CAF)
    numero_allocataire = models.CharField(
        "n° d'allocataire CAF/MSA", max_length=20, blank=True, validators=[valider_une_ligne]
    )
    nombre_enfants_a_charge = models.PositiveSmallIntegerField("enfants à charge", default=0)
    nombre_enfants_handicapes = models.PositiveSmallIntegerField(
        "dont enfants en situation de handicap", default=0
    )
    hors_commune = models.BooleanField(
        "hors commune", default=False, help_text="Foyer non résident : tarif hors commune."
    )
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    # Set when the household's account was closed (RGPD): what remains is what the law
    # keeps (invoices, payments), without names or contact details.
    anonymisee_le = models.DateTimeField("anonymisée le", null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "famille"
        verbose_name_plural = "familles"
        ordering = ["nom", "pk"]

    def __str__(self) -> str:
        return self.nom


class Responsable(models.Model):
    """A legal guardian: one login each; a household has one or two."""

    class Civilite(models.TextChoices):
        MADAME = "mme", "Madame"
        MONSIEUR = "m", "Monsieur"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="responsable"
    )
    famille = models.ForeignKey(Famille, on_delete=models.PROTECT, related_name="responsables")
    civilite = models.CharField("civilité", max_length=3, choices=Civilite)
    nom = models.CharField("nom", max_length=150, validators=[valider_une_ligne])
    prenom = models.CharField("prénom", max_length=150, validators=[valider_une_ligne])
    adresse = models.CharField("adresse", max_length=250, validators=[valider_une_ligne])
    complement_adresse = models.CharField(
        "complément d'adresse", max_length=250, blank=True, validators=[valider_une_ligne]
    )
    code_postal = models.CharField("code postal", max_length=5, validators=[valider_code_postal])
    ville = models.CharField("commune", max_length=150, validators=[valider_une_ligne])
    telephone_mobile = models.CharField(
        "téléphone portable", max_length=20, blank=True, validators=[valider_telephone]
    )
    telephone_fixe = models.CharField(
        "téléphone fixe", max_length=20, blank=True, validators=[valider_telephone]
    )
    telephone_travail = models.CharField(
        "téléphone professionnel", max_length=20, blank=True, validators=[valider_telephone]
    )
    profession = models.CharField(
        "profession", max_length=150, blank=True, validators=[valider_une_ligne]
    )
    employeur = models.CharField(
        "employeur", max_length=150, blank=True, validators=[valider_une_ligne]
    )

    # Fields a parent may ask to change (the e-mail is not one of them).
    CHAMPS_COORDONNEES = (
        "civilite",
        "nom",
        "prenom",
        "adresse",
        "complement_adresse",
        "code_postal",
        "ville",
        "telephone_mobile",
        "telephone_fixe",
        "telephone_travail",
        "profession",
        "employeur",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "responsable légal"
        verbose_name_plural = "responsables légaux"
        ordering = ["nom", "prenom"]

    def __str__(self) -> str:
        return f"{self.prenom} {self.nom}"

    @property
    def nom_complet(self) -> str:
        return f"{self.get_civilite_display()} {self.prenom} {self.nom}"


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


class Rattachement(models.Model):
    """Enfant × Famille: a child of separated parents belongs to two households."""

    enfant = models.ForeignKey(Enfant, on_delete=models.CASCADE, related_name="rattachements")
    famille = models.ForeignKey(Famille, on_delete=models.CASCADE, related_name="rattachements")
    depuis = models.DateField("depuis le", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "rattachement à une famille"
        verbose_name_plural = "rattachements aux familles"
        constraints = [
            models.UniqueConstraint(fields=["enfant", "famille"], name="rattachement_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.enfant} — {self.famille}"


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
