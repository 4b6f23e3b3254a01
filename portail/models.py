from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
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
        DOCUMENT = "document", "Document"
        CERTIFICAT_ABSENCE = "certificat_absence", "Certificat d'absence"

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


MENTIONS_LEGALES_PAR_DEFAUT = """\
Le Portail Famille est un logiciel libre publié sous licence AGPL-3.0 ou ultérieure.

Les textes et documents publiés sur ce site appartiennent à la commune ; ils peuvent être \
reproduits en citant la source, sauf les données personnelles, qui ne peuvent l'être.

Les liens vers ce site sont libres ; il n'est pas possible d'afficher ses pages à l'intérieur \
d'un autre site.

Ce site ne dépose aucun cookie de mesure d'audience ni de publicité : seuls les cookies \
nécessaires à la connexion et à la sécurité des formulaires sont utilisés ; ils sont exemptés \
de consentement."""

DONNEES_PERSONNELLES_PAR_DEFAUT = """\
Les données sont traitées par le service enfance de la commune et, pour l'encaissement des \
factures, par le comptable public (service de gestion comptable). Elles ne sont ni vendues, ni \
cédées, ni transférées hors de l'Union européenne.

Le numéro d'allocataire et le quotient familial peuvent être vérifiés auprès de la CAF ou de la \
MSA, dans le cadre de la convention qui lie la commune à ces organismes."""

ACCESSIBILITE_NON_CONFORMITES_PAR_DEFAUT = """\
Les documents PDF (factures, attestations) ne sont pas tous balisés pour les lecteurs d'écran : \
leur contenu reste consultable dans les pages « Mon compte » et « Mes inscriptions ».

L'administration utilisée par les agents du service n'a pas fait l'objet d'un audit."""

ACCESSIBILITE_RECOURS_PAR_DEFAUT = """\
Si vous nous avez signalé un défaut d'accessibilité qui vous empêche d'accéder à un contenu \
ou à un service du portail et que vous n'avez pas obtenu de réponse satisfaisante, vous pouvez :
- écrire un message au Défenseur des droits (formulaire sur defenseurdesdroits.fr) ;
- contacter le délégué du Défenseur des droits dans votre région ;
- envoyer un courrier par la poste (gratuit, ne pas mettre de timbre) : Défenseur des droits, \
Libre réponse 71120, 75342 Paris CEDEX 07."""


class InformationsCommune(models.Model):
    """The town's own details: legal pages, contact page and every page's footer.

    One row (pk 1, a database constraint), edited by staff in the admin. Pages read it through
    `actuelles()`, a cached copy: the footer costs no query once the cache is warm.
    """

    CLE_CACHE = "portail:informations-commune"
    DUREE_CACHE = 300  # seconds: other processes see an edit within five minutes at most

    class Conformite(models.TextChoices):
        NON = "non", "non conforme"
        PARTIELLE = "partielle", "partiellement conforme"
        TOTALE = "totale", "totalement conforme"

    # Contact of the service (page "Contact" and footer).
    service = models.CharField(
        "nom du service", max_length=200, default="Guichet unique — service enfance"
    )
    adresse = models.TextField("adresse", default="Hôtel de ville\nPlace de la Mairie")
    telephone = models.CharField("téléphone", max_length=30, blank=True)
    courriel = models.EmailField("adresse e-mail", blank=True)
    horaires = models.TextField(
        "horaires d'ouverture",
        default="Du lundi au vendredi, de 8 h 30 à 12 h et de 13 h 30 à 17 h 30.",
    )
    # Mentions légales.
    directeur_publication = models.CharField(
        "directeur ou directrice de la publication",
        max_length=200,
        default="Le maire",
    )
    hebergeur = models.TextField(
        "hébergeur du site",
        blank=True,
        help_text="Nom, adresse et téléphone de l'hébergeur (obligatoire : loi pour la "
        "confiance dans l'économie numérique, article 6).",
    )
    texte_mentions_legales = models.TextField(
        "mentions légales complémentaires", default=MENTIONS_LEGALES_PAR_DEFAUT, blank=True
    )
    # Données personnelles.
    dpo_nom = models.CharField(
        "délégué à la protection des données",
        max_length=200,
        blank=True,
        help_text="Nom ou fonction du délégué (DPO), ou de l'organisme mutualisé qui l'assure.",
    )
    dpo_courriel = models.EmailField("e-mail du délégué", blank=True)
    dpo_adresse = models.TextField("adresse postale du délégué", blank=True)
    texte_donnees_personnelles = models.TextField(
        "données personnelles : informations complémentaires",
        default=DONNEES_PERSONNELLES_PAR_DEFAUT,
        blank=True,
        help_text="Destinataires des données, conventions… Les données collectées et leurs "
        "durées de conservation sont décrites automatiquement.",
    )
    # Accessibilité (RGAA).
    conformite = models.CharField(
        "état de conformité au RGAA",
        max_length=10,
        choices=Conformite,
        default=Conformite.NON,
        help_text="Sans audit, la déclaration doit indiquer « non conforme ».",
    )
    taux_conformite = models.PositiveSmallIntegerField(
        "taux de critères respectés (%)",
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    date_audit = models.DateField("date de l'audit", null=True, blank=True)
    auditeur = models.CharField("audit réalisé par", max_length=200, blank=True)
    texte_non_conformites = models.TextField(
        "contenus non accessibles", default=ACCESSIBILITE_NON_CONFORMITES_PAR_DEFAUT, blank=True
    )
    texte_recours = models.TextField("voies de recours", default=ACCESSIBILITE_RECOURS_PAR_DEFAUT)
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "informations de la commune"
        verbose_name_plural = "informations de la commune"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="informations_commune_unique"),
            models.CheckConstraint(
                condition=models.Q(taux_conformite__lte=100),
                name="informations_commune_taux_max_100",
            ),
        ]

    def __str__(self) -> str:
        return "Informations de la commune"

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)
        # Now for this process, and again after the commit in case a request re-read the
        # old row meanwhile.
        cache.delete(self.CLE_CACHE)
        transaction.on_commit(lambda: cache.delete(self.CLE_CACHE))

    def clean(self) -> None:
        super().clean()
        taux = self.taux_conformite
        if self.conformite == self.Conformite.NON:
            if taux is not None and taux >= 50:
                raise ValidationError(
                    {
                        "conformite": "Avec 50 % de critères respectés ou plus, le site est "
                        "« partiellement conforme » (ou « totalement » à 100 %)."
                    }
                )
            return
        erreurs = {}
        if taux is None:
            erreurs["taux_conformite"] = (
                "Indiquez le taux issu de l'audit : sans audit, le site est « non conforme »."
            )
        elif self.conformite == self.Conformite.TOTALE and taux != 100:
            erreurs["taux_conformite"] = (
                "« Totalement conforme » suppose 100 % de critères respectés."
            )
        elif self.conformite == self.Conformite.PARTIELLE and not 50 <= taux < 100:
            erreurs["taux_conformite"] = (
                "« Partiellement conforme » suppose de 50 à 99 % de critères respectés."
            )
        if self.date_audit is None:
            erreurs["date_audit"] = "Indiquez la date de l'audit qui établit ce taux."
        if erreurs:
            raise ValidationError(erreurs)

    @classmethod
    def actuelles(cls) -> "InformationsCommune":
        """The town's details, from the cache; the defaults until staff have saved them."""
        infos = cache.get(cls.CLE_CACHE)
        if infos is None:
            infos = cls.objects.filter(pk=1).first() or cls(pk=1)
            cache.set(cls.CLE_CACHE, infos, cls.DUREE_CACHE)
        return infos
