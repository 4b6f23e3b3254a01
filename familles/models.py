import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from comptes.mots import de
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


class InvitationSecondFoyer(models.Model):
    """A responsable invites the other parent of a child to link his own household
    (garde alternée). The link in the e-mail carries a random token; only its SHA-256 is
    kept here. Used once (it becomes a Demande for staff), or cancelled, or expired.
    `garde`, `semaines` and `jours` are the inviting household's proposed share; the
    other household gets the complement (second_foyer.complement)."""

    enfant = models.ForeignKey(
        Enfant, on_delete=models.CASCADE, related_name="invitations_second_foyer"
    )
    famille = models.ForeignKey(
        Famille,
        on_delete=models.CASCADE,
        related_name="invitations_second_foyer",
        verbose_name="foyer qui invite",
    )
    invite_par = models.ForeignKey(
        Responsable,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="invitation envoyée par",
    )
    email = models.EmailField("adresse de l'autre parent")
    jeton_hash = models.CharField(max_length=64, unique=True, editable=False)
    garde = models.CharField(
        "partage de la garde", max_length=10, choices=Rattachement.Garde, default="libre"
    )
    semaines = models.CharField(
        "semaines du foyer qui invite",
        max_length=10,
        choices=Rattachement.Semaines,
        blank=True,
    )
    jours = models.JSONField("jours du foyer qui invite", default=list, blank=True)
    cree_le = models.DateTimeField("envoyée le", default=timezone.now)
    expire_le = models.DateTimeField("valable jusqu'au")
    utilisee_le = models.DateTimeField("utilisée le", null=True, blank=True)
    annulee_le = models.DateTimeField("annulée le", null=True, blank=True)
    demande = models.OneToOneField(
        "portail.Demande",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation_second_foyer",
    )

    history = HistoricalRecords(excluded_fields=["jeton_hash"])

    class Meta:
        verbose_name = "invitation de l'autre parent"
        verbose_name_plural = "invitations de l'autre parent"
        ordering = ["-cree_le", "-pk"]
        constraints = [
            # One open invitation per child and inviting household (an expired one is
            # closed by the service before a new one is sent).
            models.UniqueConstraint(
                fields=["enfant", "famille"],
                condition=models.Q(utilisee_le__isnull=True, annulee_le__isnull=True),
                name="invitation_second_foyer_une_ouverte",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation pour {self.enfant} ({self.famille})"

    @property
    def partage(self) -> dict:
        return {"garde": self.garde, "semaines": self.semaines, "jours": list(self.jours)}

    def est_ouverte(self, maintenant=None) -> bool:
        maintenant = maintenant or timezone.now()
        return self.utilisee_le is None and self.annulee_le is None and self.expire_le > maintenant


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


# --- Pièces justificatives (issue 11, part 3) ---------------------------------------


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


# --- the child's file: fiche sanitaire, autorisations, régimes (issue 11) -------------


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
