"""Households and their legal guardians (one login each)."""

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
    # Threads from the service the household has not read ("Mes messages"): shown in the
    # menu of every parent page, so kept here (read with the parent, no count per page)
    # and recounted from the threads by portail.messagerie at each change of their state.
    messages_non_lus = models.PositiveIntegerField("messages non lus", default=0, editable=False)

    history = HistoricalRecords(excluded_fields=["messages_non_lus"])

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
    def messages_non_lus(self) -> int:
        """The household's unread threads (Famille.messages_non_lus)."""
        return self.famille.messages_non_lus

    @property
    def nom_complet(self) -> str:
        return f"{self.get_civilite_display()} {self.prenom} {self.nom}"
