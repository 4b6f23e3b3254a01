import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from familles.models import Enfant
from familles.validators import valider_une_ligne


class Periode(models.Model):
    """A season, e.g. "Année scolaire 2026-2027"."""

    nom = models.CharField("nom", max_length=100, unique=True, validators=[valider_une_ligne])
    debut = models.DateField("début")
    fin = models.DateField("fin")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "période"
        verbose_name_plural = "périodes"
        ordering = ["-debut"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(debut__lt=models.F("fin")),
                name="periode_debut_avant_fin",
                violation_error_message="La fin de la période doit suivre son début.",
            )
        ]

    def __str__(self) -> str:
        return self.nom


class Site(models.Model):
    nom = models.CharField("nom", max_length=150, unique=True, validators=[valider_une_ligne])
    adresse = models.CharField("adresse", max_length=250, blank=True)
    # Staff who direct the site: without "voir_tous_les_sites" they see only these sites'
    # children, enrolments and day lists.
    directeurs = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="sites_diriges",
        verbose_name="direction du site",
        help_text="Agents du rôle « Direction de site » qui voient les enfants de ce site.",
    )

    # Who may see which site's children is a staff right: its changes are audited too.
    history = HistoricalRecords(m2m_fields=["directeurs"])

    class Meta:
        verbose_name = "site"
        verbose_name_plural = "sites"
        ordering = ["nom"]
        permissions = [("voir_tous_les_sites", "Voit les enfants et les listes de tous les sites")]

    def __str__(self) -> str:
        return self.nom

    @classmethod
    def visibles_par(cls, user) -> "models.QuerySet[Site] | None":
        """The sites a staff member is limited to, or None when they see every site."""
        if user.has_perm("inscriptions.voir_tous_les_sites"):
            return None
        return cls.objects.filter(directeurs=user)


class ActiviteQuerySet(models.QuerySet):
    def avec_nombre_inscrits(self) -> "ActiviteQuerySet":
        return self.annotate(
            nb_inscrits=models.Count(
                "inscriptions",
                filter=models.Q(inscriptions__statut=Inscription.Statut.VALIDEE),
            )
        )


class Activite(models.Model):
    """A municipal service one enrols a child in, for one season and one site."""

    class Type(models.TextChoices):
        RESTAURATION = "restauration", "Restauration scolaire"
        PERISCOLAIRE_MATIN = "periscolaire_matin", "Accueil périscolaire du matin"
        PERISCOLAIRE_SOIR = "periscolaire_soir", "Accueil périscolaire du soir"
        LOISIRS_MERCREDI = "loisirs_mercredi", "Accueil de loisirs du mercredi"
        LOISIRS_VACANCES = "loisirs_vacances", "Accueil de loisirs des vacances"
        PETITE_ENFANCE = "petite_enfance", "Petite enfance"

    class Validation(models.TextChoices):
        AUTOMATIQUE = "automatique", "Automatique (dans la limite des places)"
        MANUELLE = "manuelle", "Par le service"

    nom = models.CharField("nom", max_length=150, validators=[valider_une_ligne])
    type = models.CharField("type", max_length=24, choices=Type)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="activites")
    periode = models.ForeignKey(Periode, on_delete=models.PROTECT, related_name="activites")
    description = models.TextField("description", blank=True)
    age_minimum_mois = models.PositiveSmallIntegerField(
        "âge minimum (mois)",
        null=True,
        blank=True,
        help_text="Âge au début de l'inscription, en mois (3 ans = 36). Vide : pas de minimum.",
    )
    age_maximum_mois = models.PositiveSmallIntegerField(
        "âge maximum (mois)",
        null=True,
        blank=True,
        help_text="Âge au début de l'inscription, en mois, jusqu'à la veille de l'anniversaire "
        "suivant (11 ans = 143). Vide : pas de maximum.",
    )
    niveaux = models.JSONField(
        "classes admises",
        default=list,
        blank=True,
        help_text="Vide : toutes les classes (et les enfants non scolarisés).",
    )
    ouverture_inscriptions = models.DateTimeField("ouverture des inscriptions")
    fermeture_inscriptions = models.DateTimeField("fermeture des inscriptions")
    validation = models.CharField(
        "validation des inscriptions",
        max_length=12,
        choices=Validation,
        default=Validation.MANUELLE,
    )
    capacite = models.PositiveIntegerField(
        "nombre maximum d'enfants inscrits",
        null=True,
        blank=True,
        help_text="Vide : pas de limite.",
    )
    preinscription = models.BooleanField(
        "préinscription examinée en commission",
        default=False,
        help_text="Petite enfance : la demande est une préinscription (statut « ! »).",
    )
    fiche_sanitaire_exigee = models.BooleanField(
        "fiche sanitaire confirmée exigée",
        default=False,
        help_text="Les réservations sont refusées tant que la famille n'a pas certifié "
        "la fiche sanitaire de l'enfant pour la saison.",
    )
    attestation_automatique = models.BooleanField(
        "attestation délivrée sans validation",
        default=False,
        help_text="Une attestation demandée par la famille est émise aussitôt.",
    )
    documents_requis = models.ManyToManyField(
        "familles.TypeDocument",
        blank=True,
        related_name="activites",
        verbose_name="documents exigés",
        help_text="Pièces que la famille doit fournir (et que le service doit accepter) "
        "pour cet accueil.",
    )

    objects = ActiviteQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = "activité"
        verbose_name_plural = "activités"
        ordering = ["periode", "type", "site__nom", "nom"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ouverture_inscriptions__lt=models.F("fermeture_inscriptions")),
                name="activite_fenetre_ordonnee",
                violation_error_message="La fermeture des inscriptions doit suivre leur ouverture.",
            ),
            models.CheckConstraint(
                condition=models.Q(age_minimum_mois__isnull=True)
                | models.Q(age_maximum_mois__isnull=True)
                | models.Q(age_minimum_mois__lte=models.F("age_maximum_mois")),
                name="activite_ages_ordonnes",
                violation_error_message="L'âge minimum doit être inférieur à l'âge maximum.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nom} — {self.site} ({self.periode})"


class InscriptionQuerySet(models.QuerySet):
    def for_user(self, user) -> "InscriptionQuerySet":
        """Enrolments of the children of the user's own household: the only door in."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(famille__responsables__user=user)

    def validees(self) -> "InscriptionQuerySet":
        return self.filter(statut=Inscription.Statut.VALIDEE)

    def actives(self) -> "InscriptionQuerySet":
        return self.exclude(statut__in=[Inscription.Statut.REFUSEE, Inscription.Statut.ANNULEE])


class Inscription(models.Model):
    """Enfant × Activite (hence × Periode) with desired dates and a status."""

    class Statut(models.TextChoices):
        VALIDEE = "validee", "Validée"
        EN_ATTENTE = "en_attente", "En attente de validation"
        PREINSCRIPTION = "preinscription", "Préinscription petite enfance non validée"
        REFUSEE = "refusee", "Refusée"
        ANNULEE = "annulee", "Annulée"

    # The town's guide shows these symbols; screen readers get the text.
    SYMBOLES = {
        Statut.VALIDEE: "V",
        Statut.EN_ATTENTE: "?",
        Statut.PREINSCRIPTION: "!",
        Statut.REFUSEE: "✗",
        Statut.ANNULEE: "–",
    }

    enfant = models.ForeignKey(Enfant, on_delete=models.PROTECT, related_name="inscriptions")
    famille = models.ForeignKey(
        "familles.Famille",
        on_delete=models.PROTECT,
        related_name="inscriptions",
        help_text="Le foyer qui a inscrit l'enfant (et qui sera facturé).",
    )
    activite = models.ForeignKey(Activite, on_delete=models.PROTECT, related_name="inscriptions")
    date_debut = models.DateField("à partir du")
    date_fin = models.DateField("jusqu'au")
    commentaire = models.TextField("commentaire de la famille", blank=True)
    statut = models.CharField("statut", max_length=16, choices=Statut, default=Statut.EN_ATTENTE)
    motif_refus = models.TextField("motif du refus", blank=True)
    cree_le = models.DateTimeField("demandée le", default=timezone.now)
    decidee_le = models.DateTimeField("décidée le", null=True, blank=True)
    decidee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="décidée par",
    )
    # A réinscription is one request for all the activities chosen for a child: its
    # enrolments share that Demande (an ordinary enrolment has its own, Demande.inscription).
    demande_groupee = models.ForeignKey(
        "portail.Demande",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inscriptions_groupees",
        verbose_name="demande de réinscription",
    )

    objects = InscriptionQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = "inscription"
        verbose_name_plural = "inscriptions"
        ordering = ["-cree_le"]
        constraints = [
            # A refused or withdrawn request may be made again; anything else is one per child,
            # household and activity (an activity belongs to one season): a child in garde
            # alternée is enrolled by each household in its own name, billed to it.
            models.UniqueConstraint(
                fields=["enfant", "famille", "activite"],
                condition=~models.Q(statut__in=["refusee", "annulee"]),
                name="inscription_unique_par_enfant_foyer_activite",
                violation_error_message=(
                    "Cet enfant est déjà inscrit à cette activité par votre foyer."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(date_debut__lte=models.F("date_fin")),
                name="inscription_dates_ordonnees",
                violation_error_message="La date de fin doit suivre la date de début.",
            ),
        ]
        indexes = [models.Index(fields=["activite", "statut"])]

    def __str__(self) -> str:
        return f"{self.enfant} — {self.activite.nom}"

    @property
    def symbole(self) -> str:
        return self.SYMBOLES[self.statut]

    @property
    def est_validee(self) -> bool:
        return self.statut == self.Statut.VALIDEE

    @property
    def est_a_decider(self) -> bool:
        return self.statut in (self.Statut.EN_ATTENTE, self.Statut.PREINSCRIPTION)


class Attestation(models.Model):
    """An enrolment certificate. Immutable: built from a snapshot copied at issue time."""

    inscription = models.ForeignKey(
        Inscription, on_delete=models.PROTECT, related_name="attestations"
    )
    numero = models.CharField("numéro", max_length=20, unique=True)
    code_verification = models.CharField("code de vérification", max_length=14, unique=True)
    emise_le = models.DateTimeField("émise le", default=timezone.now)
    emise_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="émise par",
    )
    contenu = models.JSONField("contenu certifié")
    pdf = models.BinaryField("document PDF", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "attestation d'inscription"
        verbose_name_plural = "attestations d'inscription"
        ordering = ["-emise_le"]

    def __str__(self) -> str:
        return self.numero


def age_en_mois(naissance: datetime.date, jour: datetime.date) -> int:
    mois = (jour.year - naissance.year) * 12 + (jour.month - naissance.month)
    if jour.day < naissance.day:
        mois -= 1
    return mois


def age_lisible(naissance: datetime.date, jour: datetime.date) -> str:
    """An age as staff say it: "6 ans et 3 mois", "1 an", "11 mois"."""
    mois = max(0, age_en_mois(naissance, jour))
    return duree_en_annees_et_mois(mois)


def duree_en_annees_et_mois(mois: int) -> str:
    annees, reste = divmod(mois, 12)
    parties = []
    if annees:
        parties.append(f"{annees} an" if annees == 1 else f"{annees} ans")
    if reste or not annees:
        parties.append(f"{reste} mois")
    return " et ".join(parties)


# --- réinscription (issue 13 part 5) ----------------------------------------------------


class CampagneReinscription(models.Model):
    """Next season's re-enrolment: when households may send it, and which activity of
    this season leads to which of the next (the Correspondances)."""

    periode = models.OneToOneField(
        Periode,
        on_delete=models.PROTECT,
        related_name="campagne_reinscription",
        verbose_name="saison suivante",
    )
    ouverture = models.DateTimeField("ouverture de la campagne")
    fermeture = models.DateTimeField("fermeture de la campagne")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "campagne de réinscription"
        verbose_name_plural = "campagnes de réinscription"
        ordering = ["-ouverture"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ouverture__lt=models.F("fermeture")),
                name="campagne_reinscription_ordonnee",
                violation_error_message="La fermeture de la campagne doit suivre son ouverture.",
            )
        ]

    def __str__(self) -> str:
        return f"Réinscriptions {self.periode}"

    def est_ouverte(self, maintenant: datetime.datetime | None = None) -> bool:
        maintenant = maintenant or timezone.now()
        return self.ouverture <= maintenant < self.fermeture


class CorrespondanceActivite(models.Model):
    """ "This season's activity → next season's activity" within a campaign."""

    campagne = models.ForeignKey(
        CampagneReinscription, on_delete=models.CASCADE, related_name="correspondances"
    )
    activite_actuelle = models.ForeignKey(
        Activite,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="activité de cette saison",
    )
    activite_suivante = models.ForeignKey(
        Activite,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="activité de la saison suivante",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "correspondance d'activités"
        verbose_name_plural = "correspondances d'activités"
        constraints = [
            models.UniqueConstraint(
                fields=["campagne", "activite_actuelle"],
                name="correspondance_unique_par_activite",
                violation_error_message="Cette activité a déjà une correspondance.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.activite_actuelle.nom} → {self.activite_suivante.nom}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if not (self.campagne_id and self.activite_suivante_id and self.activite_actuelle_id):
            return
        if self.activite_suivante.periode_id != self.campagne.periode_id:
            raise ValidationError(
                {"activite_suivante": "Choisissez une activité de la saison de la campagne."}
            )
        if self.activite_actuelle.periode_id == self.campagne.periode_id:
            raise ValidationError(
                {"activite_actuelle": "Choisissez une activité de la saison en cours."}
            )


class Reinscription(models.Model):
    """A household's re-enrolment of one child in a campaign: sent once."""

    campagne = models.ForeignKey(
        CampagneReinscription, on_delete=models.PROTECT, related_name="reinscriptions"
    )
    enfant = models.ForeignKey(Enfant, on_delete=models.PROTECT, related_name="reinscriptions")
    famille = models.ForeignKey(
        "familles.Famille", on_delete=models.PROTECT, related_name="reinscriptions"
    )
    demandeur = models.ForeignKey(
        "familles.Responsable", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    classe = models.CharField("classe à la rentrée", max_length=8, blank=True)
    inscriptions = models.ManyToManyField(Inscription, related_name="+", blank=True)
    cree_le = models.DateTimeField("envoyée le", default=timezone.now)
    # Set when the new season started and the child's class was moved up (once).
    rentree_le = models.DateTimeField("classe passée le", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "réinscription"
        verbose_name_plural = "réinscriptions"
        constraints = [
            models.UniqueConstraint(
                fields=["campagne", "enfant", "famille"],
                name="reinscription_unique_par_enfant_foyer",
                violation_error_message="La réinscription de cet enfant est déjà envoyée.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enfant} — {self.campagne}"
