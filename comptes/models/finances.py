"""The financial account of a household: incomes, quotient familial, tariffs, invoices,
payments. Money is Decimal, always."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from comptes.formats import euros

ZERO = Decimal("0.00")
CENTIME = Decimal("0.01")


class Revenu(models.Model):
    """Incomes a household declared for a year (with a proof), or staff entered."""

    famille = models.ForeignKey(
        "familles.Famille", on_delete=models.CASCADE, related_name="revenus"
    )
    annee = models.PositiveSmallIntegerField("année des revenus")
    montant_annuel = models.DecimalField(
        "revenus annuels (€)", max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    justificatif = models.FileField("justificatif", upload_to="justificatifs/%Y/", blank=True)
    declare_le = models.DateTimeField("déclarés le", default=timezone.now)
    demande = models.OneToOneField(
        "portail.Demande", on_delete=models.SET_NULL, null=True, blank=True, related_name="revenu"
    )
    valide = models.BooleanField("acceptés par le service", default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "revenus déclarés"
        verbose_name_plural = "revenus déclarés"
        ordering = ["-annee", "-declare_le"]

    def __str__(self) -> str:
        return f"{self.famille} — revenus {self.annee} : {euros(self.montant_annuel)}"


class QuotientFamilial(models.Model):
    """The quotient in force from a date (history kept: never rewritten backwards)."""

    class Source(models.TextChoices):
        CAF = "caf", "Quotient CAF / MSA saisi par le service"
        CALCULE = "calcule", "Calculé à partir des revenus déclarés"

    famille = models.ForeignKey(
        "familles.Famille", on_delete=models.CASCADE, related_name="quotients"
    )
    valeur = models.DecimalField(
        "quotient familial (€)",
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(ZERO)],
    )
    source = models.CharField("source", max_length=8, choices=Source)
    depuis = models.DateField("en vigueur depuis")
    parts = models.DecimalField(
        "nombre de parts", max_digits=4, decimal_places=1, null=True, blank=True
    )
    revenu = models.ForeignKey(
        Revenu, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cree_le = models.DateTimeField("enregistré le", default=timezone.now)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "quotient familial"
        verbose_name_plural = "quotients familiaux"
        ordering = ["-depuis", "-cree_le"]
        indexes = [models.Index(fields=["famille", "depuis"])]

    def __str__(self) -> str:
        return f"QF {euros(self.valeur)} depuis le {self.depuis:%d/%m/%Y}"


class Tarif(models.Model):
    """The price of one unit of an activity, by quotient bracket or effort rate."""

    class Unite(models.TextChoices):
        JOUR = "jour", "journée"
        REPAS = "repas", "repas"
        DEMI_JOURNEE = "demi_journee", "demi-journée"
        SEANCE = "seance", "séance"

    class Mode(models.TextChoices):
        TRANCHES = "tranches", "Prix par tranche de quotient"
        TAUX_EFFORT = "taux_effort", "Taux d'effort (prix = taux × QF)"

    activite = models.OneToOneField(
        "inscriptions.Activite", on_delete=models.CASCADE, related_name="tarif"
    )
    unite = models.CharField("unité", max_length=12, choices=Unite, default=Unite.JOUR)
    mode = models.CharField("calcul", max_length=12, choices=Mode, default=Mode.TRANCHES)
    taux_effort = models.DecimalField(
        "taux d'effort",
        max_digits=8,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="Par exemple 0,0050 : 5 € pour un QF de 1 000.",
    )
    prix_minimum = models.DecimalField(
        "prix minimum (€)", max_digits=8, decimal_places=2, null=True, blank=True
    )
    prix_maximum = models.DecimalField(
        "prix maximum (€)", max_digits=8, decimal_places=2, null=True, blank=True
    )
    prix_sans_quotient = models.DecimalField(
        "prix si quotient inconnu (€)",
        max_digits=8,
        decimal_places=2,
        help_text="Le tarif le plus haut, appliqué tant que le quotient n'est pas connu.",
    )
    prix_hors_commune = models.DecimalField(
        "prix hors commune (€)", max_digits=8, decimal_places=2, null=True, blank=True
    )
    majoration_retard = models.DecimalField(
        "majoration réservation tardive (%)",
        max_digits=5,
        decimal_places=2,
        default=ZERO,
        help_text="Jour réservé par le service après le délai de réservation.",
    )
    forfait_sans_reservation = models.DecimalField(
        "présence sans réservation (€, en plus)", max_digits=8, decimal_places=2, default=ZERO
    )
    credit_impot_garde = models.BooleanField(
        "frais de garde (attestation fiscale)",
        default=False,
        help_text="Garde des enfants de moins de 6 ans ; les repas de cantine n'en sont pas.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "tarif"
        verbose_name_plural = "tarifs"

    def __str__(self) -> str:
        return f"Tarif — {self.activite}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.mode == self.Mode.TAUX_EFFORT and self.taux_effort is None:
            raise ValidationError({"taux_effort": "Indiquez le taux d'effort."})
        if (
            self.prix_minimum is not None
            and self.prix_maximum is not None
            and self.prix_minimum > self.prix_maximum
        ):
            raise ValidationError({"prix_maximum": "Le prix maximum doit dépasser le minimum."})


class TrancheTarif(models.Model):
    tarif = models.ForeignKey(Tarif, on_delete=models.CASCADE, related_name="tranches")
    qf_min = models.DecimalField("QF de (€)", max_digits=8, decimal_places=2, default=ZERO)
    qf_max = models.DecimalField(
        "à (€, exclu)",
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Vide : sans limite.",
    )
    prix = models.DecimalField(
        "prix (€)", max_digits=8, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "tranche"
        verbose_name_plural = "tranches de quotient"
        ordering = ["qf_min"]

    def __str__(self) -> str:
        return f"{euros(self.qf_min)} – {euros(self.qf_max) or '…'} : {euros(self.prix)}"


class CompteurFactures(models.Model):
    """Gapless invoice numbers per year: this row is locked while numbers are taken."""

    annee = models.PositiveSmallIntegerField(primary_key=True)
    dernier = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "compteur de factures"

    def __str__(self) -> str:
        return f"{self.annee} : {self.dernier}"


class Facture(models.Model):
    """An invoice (or a credit note, "avoir"): immutable once issued."""

    class Type(models.TextChoices):
        FACTURE = "facture", "Facture"
        AVOIR = "avoir", "Avoir"

    famille = models.ForeignKey(
        "familles.Famille", on_delete=models.PROTECT, related_name="factures"
    )
    type = models.CharField("type", max_length=8, choices=Type, default=Type.FACTURE)
    numero = models.CharField("numéro", max_length=20, unique=True)
    mois = models.DateField("mois facturé", help_text="Premier jour du mois.")
    emise_le = models.DateTimeField("émise le", default=timezone.now)
    echeance = models.DateField("à payer avant le")
    montant = models.DecimalField("montant (€)", max_digits=10, decimal_places=2)
    facture_origine = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="avoirs"
    )
    motif = models.TextField("motif (avoir)", blank=True)
    # Copied at issue time: the document never changes afterwards.
    destinataire = models.JSONField("destinataire")
    pdf = models.BinaryField("document PDF", null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["pdf"])

    class Meta:
        verbose_name = "facture"
        verbose_name_plural = "factures"
        ordering = ["-emise_le", "-numero"]
        constraints = [
            models.UniqueConstraint(
                fields=["famille", "mois"],
                condition=models.Q(type="facture"),
                name="une_facture_par_famille_et_mois",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.numero}"


class LigneFacture(models.Model):
    """One child, one activity, one day: traced to the booking it bills."""

    facture = models.ForeignKey(Facture, on_delete=models.PROTECT, related_name="lignes")
    reservation = models.ForeignKey(
        "reservations.Reservation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lignes_facture",
    )
    inscription = models.ForeignKey(
        "inscriptions.Inscription",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lignes_facture",
    )
    date = models.DateField("date")
    enfant = models.CharField("enfant", max_length=300)
    activite = models.CharField("activité", max_length=300)
    libelle = models.CharField("détail", max_length=300)
    quotient = models.DecimalField(
        "QF appliqué", max_digits=8, decimal_places=2, null=True, blank=True
    )
    prix_unitaire = models.DecimalField("prix (€)", max_digits=8, decimal_places=2)
    supplement = models.DecimalField("supplément (€)", max_digits=8, decimal_places=2, default=ZERO)
    montant = models.DecimalField("montant (€)", max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = "ligne de facture"
        verbose_name_plural = "lignes de facture"
        ordering = ["date", "enfant", "activite"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.enfant} — {self.activite} : {euros(self.montant)}"


class Paiement(models.Model):
    class Mode(models.TextChoices):
        CHEQUE = "cheque", "Chèque"
        ESPECES = "especes", "Espèces"
        CESU = "cesu", "CESU"
        VIREMENT = "virement", "Virement"
        PRELEVEMENT = "prelevement", "Prélèvement"
        CARTE_GUICHET = "carte", "Carte bancaire au guichet"
        EN_LIGNE = "en_ligne", "Paiement en ligne"

    famille = models.ForeignKey(
        "familles.Famille", on_delete=models.PROTECT, related_name="paiements"
    )
    facture = models.ForeignKey(
        Facture, on_delete=models.PROTECT, null=True, blank=True, related_name="paiements"
    )
    montant = models.DecimalField(
        "montant (€)", max_digits=10, decimal_places=2, validators=[MinValueValidator(CENTIME)]
    )
    mode = models.CharField("mode", max_length=12, choices=Mode)
    date = models.DateField("date", default=timezone.localdate)
    reference = models.CharField(
        "référence", max_length=100, blank=True, help_text="N° de chèque, de transaction…"
    )
    enregistre_le = models.DateTimeField("enregistré le", default=timezone.now)
    enregistre_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "paiement"
        verbose_name_plural = "paiements"
        ordering = ["-date", "-enregistre_le"]
        constraints = [
            # An online payment notified twice counts once.
            models.UniqueConstraint(
                fields=["mode", "reference"],
                condition=models.Q(mode="en_ligne"),
                name="paiement_en_ligne_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{euros(self.montant)} — {self.get_mode_display()} ({self.date:%d/%m/%Y})"


class TransactionEnLigne(models.Model):
    """An online payment attempt (eopayment), from request to bank answer."""

    class Statut(models.TextChoices):
        EN_COURS = "en_cours", "en cours"
        PAYEE = "payee", "payée"
        ECHEC = "echec", "échouée ou annulée"
        # The bank vouches for a payment that is not the one asked (amount, reference,
        # test mode): nothing recorded, the finance service checks it by hand.
        ANOMALIE = "anomalie", "à vérifier"

    facture = models.ForeignKey(Facture, on_delete=models.PROTECT, related_name="transactions")
    montant = models.DecimalField(max_digits=10, decimal_places=2)
    identifiant = models.CharField(max_length=64, unique=True)
    statut = models.CharField(max_length=10, choices=Statut, default=Statut.EN_COURS)
    cree_le = models.DateTimeField(default=timezone.now)
    repondu_le = models.DateTimeField(null=True, blank=True)
    motif = models.CharField("motif de l'anomalie", max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "paiement en ligne"
        verbose_name_plural = "paiements en ligne"

    def __str__(self) -> str:
        return f"{self.identifiant} ({self.get_statut_display()})"
