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
        RATTACHEMENT = "rattachement", "Rattachement d'un second foyer"

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

    @property
    def objet_pour_la_famille(self) -> str:
        """What the household reads (its dashboard, its e-mails): an income proof with
        the amount it declared, from its own Revenu row; staff pages show the objet,
        which has no amount."""
        revenu = getattr(self, "revenu", None) if self.type == self.Type.REVENUS else None
        if revenu is None:
            return self.objet
        from comptes.formats import euros

        return f"Revenus {revenu.annee} : {euros(revenu.montant_annuel)}"


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
    courriel = models.EmailField(
        "adresse e-mail",
        blank=True,
        help_text="Reçoit aussi l'avis de chaque nouveau message d'une famille (sans elle : "
        "les agents qui peuvent y répondre).",
    )
    horaires = models.TextField(
        "horaires d'ouverture",
        default="Du lundi au vendredi, de 8 h 30 à 12 h et de 13 h 30 à 17 h 30.",
    )
    informations_contact = models.TextField(
        "autres informations de contact",
        blank=True,
        help_text="Accès, stationnement, accueil sur rendez-vous, fermetures d'été… "
        "Affiché sur la page « Contact ».",
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


# --- Mes messages (threads between a household and the service) and Actualités -------


class DiscussionQuerySet(models.QuerySet):
    def for_user(self, user) -> "DiscussionQuerySet":
        """The threads of the user's own household: the only door in for parents."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(famille__responsables__user=user)

    def non_lues_par_le_service(self) -> "DiscussionQuerySet":
        return self.filter(non_lu_service=True)


class Discussion(models.Model):
    """A thread between one household and the service; part of the household's data.

    Read state is kept per side (the household, the service), not per person: either
    parent reading a thread reads it for both."""

    class Categorie(models.TextChoices):
        INSCRIPTIONS = "inscriptions", "Inscriptions"
        RESERVATIONS = "reservations", "Réservations"
        FACTURES = "factures", "Factures"
        INFORMATION = "information", "Information du service"
        AUTRE = "autre", "Autre question"

    famille = models.ForeignKey(
        "familles.Famille", on_delete=models.CASCADE, related_name="discussions"
    )
    objet = models.CharField("objet", max_length=150)
    categorie = models.CharField("catégorie", max_length=16, choices=Categorie)
    cree_le = models.DateTimeField("commencée le", default=timezone.now)
    dernier_message_le = models.DateTimeField("dernier message le", default=timezone.now)
    non_lu_famille = models.BooleanField("non lue par la famille", default=False)
    non_lu_service = models.BooleanField("non lue par le service", default=False)
    # Set when the thread comes from a staff broadcast (an activity, a site, a day).
    diffusion = models.ForeignKey(
        "portail.Diffusion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="discussions",
    )

    objects = DiscussionQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = "fil de messages"
        verbose_name_plural = "messages des familles"
        ordering = ["-dernier_message_le", "-pk"]
        indexes = [
            models.Index(fields=["famille", "non_lu_famille"]),
            models.Index(fields=["non_lu_service", "dernier_message_le"]),
        ]

    def __str__(self) -> str:
        return self.objet


class Message(models.Model):
    """One message of a thread, written by a parent or by an agent of the service."""

    discussion = models.ForeignKey(Discussion, on_delete=models.CASCADE, related_name="messages")
    du_service = models.BooleanField("écrit par le service", default=False)
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="auteur",
    )
    texte = models.TextField("texte")
    envoye_le = models.DateTimeField("envoyé le", default=timezone.now)

    # Staff answers are staff actions: audited.
    history = HistoricalRecords()

    class Meta:
        verbose_name = "message"
        verbose_name_plural = "messages"
        ordering = ["envoye_le", "pk"]

    def __str__(self) -> str:
        return f"Message du {timezone.localtime(self.envoye_le):%d/%m/%Y %H:%M}"


class PieceJointe(models.Model):
    """A file attached to a message: stored under a random name (comptes/fichiers.py)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="pieces_jointes")
    fichier = models.FileField("fichier", upload_to="messages/%Y/")
    nom = models.CharField("nom d'origine", max_length=150)

    class Meta:
        verbose_name = "pièce jointe"
        verbose_name_plural = "pièces jointes"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.nom


class Diffusion(models.Model):
    """A message from the service to every household of an activity, a site or a day
    ("sortie annulée demain"): each household receives it in its own thread."""

    objet = models.CharField("objet", max_length=150)
    texte = models.TextField("texte")
    activite = models.ForeignKey(
        "inscriptions.Activite",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="activité",
    )
    site = models.ForeignKey(
        "inscriptions.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="site",
    )
    jour = models.DateField(
        "jour",
        null=True,
        blank=True,
        help_text="Seulement les familles qui ont un enfant réservé ce jour-là.",
    )
    envoyee_le = models.DateTimeField("envoyée le", default=timezone.now)
    envoyee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="envoyée par",
    )
    nb_familles = models.PositiveIntegerField("familles destinataires", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "message à plusieurs familles"
        verbose_name_plural = "messages à plusieurs familles"
        ordering = ["-envoyee_le", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(activite__isnull=False)
                | models.Q(site__isnull=False)
                | models.Q(jour__isnull=False),
                name="diffusion_a_une_cible",
                violation_error_message="Choisissez une activité, un site ou un jour.",
            )
        ]

    def __str__(self) -> str:
        return self.objet


class ActualiteQuerySet(models.QuerySet):
    def publiees(self, jour=None) -> "ActualiteQuerySet":
        jour = jour or timezone.localdate()
        return self.filter(debut__lte=jour).filter(
            models.Q(fin__isnull=True) | models.Q(fin__gte=jour)
        )

    def generales(self) -> "ActualiteQuerySet":
        return self.filter(site__isnull=True, activite__isnull=True)

    def pour_famille(self, famille) -> "ActualiteQuerySet":
        """General news, and those of the sites and activities the household's children
        are enrolled in (enrolments not refused or cancelled)."""
        from inscriptions.models import Inscription

        inscriptions = Inscription.objects.filter(famille=famille).actives()
        return self.filter(
            models.Q(site__isnull=True, activite__isnull=True)
            | models.Q(
                activite__isnull=False,
                activite__in=inscriptions.values("activite"),
            )
            | models.Q(
                site__isnull=False,
                site__in=inscriptions.values("activite__site"),
            )
        )


class Actualite(models.Model):
    """News from the town: for everyone, or for the families of one site or activity.

    The public home page reads the general ones through `publiques()`, a cached copy
    (the busiest anonymous page costs no query once the cache is warm)."""

    CLE_CACHE = "portail:actualites-publiques"
    DUREE_CACHE = 300  # seconds: other processes see an edit within five minutes at most
    NOMBRE_PUBLIQUES = 5

    titre = models.CharField("titre", max_length=150)
    texte = models.TextField("texte")
    debut = models.DateField("publiée à partir du", default=timezone.localdate)
    fin = models.DateField(
        "jusqu'au (inclus)", null=True, blank=True, help_text="Vide : publiée sans date de fin."
    )
    site = models.ForeignKey(
        "inscriptions.Site",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="seulement pour le site",
    )
    activite = models.ForeignKey(
        "inscriptions.Activite",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="seulement pour l'activité",
    )
    cree_le = models.DateTimeField("créée le", auto_now_add=True)

    objects = ActualiteQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = "actualité"
        verbose_name_plural = "actualités"
        ordering = ["-debut", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fin__isnull=True) | models.Q(fin__gte=models.F("debut")),
                name="actualite_fin_apres_debut",
                violation_error_message="La fin de publication ne peut précéder son début.",
            ),
            models.CheckConstraint(
                condition=models.Q(site__isnull=True) | models.Q(activite__isnull=True),
                name="actualite_site_ou_activite",
                violation_error_message="Choisissez un site ou une activité, pas les deux.",
            ),
        ]

    def __str__(self) -> str:
        return self.titre

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        self.oublier_publiques()

    def delete(self, *args, **kwargs):
        resultat = super().delete(*args, **kwargs)
        self.oublier_publiques()
        return resultat

    @classmethod
    def oublier_publiques(cls) -> None:
        cache.delete(cls.CLE_CACHE)
        transaction.on_commit(lambda: cache.delete(cls.CLE_CACHE))

    @classmethod
    def publiques(cls) -> list["Actualite"]:
        """The general news published today, newest first (from the cache)."""
        aujourd_hui = timezone.localdate()
        copie = cache.get(cls.CLE_CACHE)
        if copie is None or copie[0] != aujourd_hui:  # a new day publishes or ends some
            liste = list(cls.objects.publiees(aujourd_hui).generales()[: cls.NOMBRE_PUBLIQUES])
            copie = (aujourd_hui, liste)
            cache.set(cls.CLE_CACHE, copie, cls.DUREE_CACHE)
        return copie[1]
