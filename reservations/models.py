import datetime
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from familles.models import Enfant, Famille, Responsable
from inscriptions.models import Activite, Inscription, Periode, Site


class Jour(models.IntegerChoices):
    LUNDI = 0, "lundi"
    MARDI = 1, "mardi"
    MERCREDI = 2, "mercredi"
    JEUDI = 3, "jeudi"
    VENDREDI = 4, "vendredi"
    SAMEDI = 5, "samedi"
    DIMANCHE = 6, "dimanche"


class ModeDelai(models.TextChoices):
    JOURS = "jours", "J-n à HH:MM"
    HEBDO = "hebdo", "Tel jour à HH:MM de la semaine précédente"


class ModeOuverture(models.TextChoices):
    PREMIER_ARRIVE = "premier_arrive", "Premier arrivé, premier servi"
    TIRAGE = "tirage", "Tirage au sort (ouvertures ci-dessous)"


def nouvelle_version() -> int:
    return secrets.randbits(62)


class ParametresReservation(models.Model):
    """How an activity opens and what the manager allows: one row per activity."""

    class Pendant(models.TextChoices):
        SCOLAIRE = "scolaire", "En période scolaire (fermé pendant les vacances)"
        VACANCES = "vacances", "Pendant les vacances scolaires seulement"
        TOUJOURS = "toujours", "Toute l'année"

    activite = models.OneToOneField(
        Activite, on_delete=models.CASCADE, related_name="parametres_reservation"
    )
    jours_ouverture = models.JSONField(
        "jours d'ouverture", default=list, help_text="Jours de la semaine où l'activité a lieu."
    )
    pendant = models.CharField(
        "ouverture", max_length=10, choices=Pendant, default=Pendant.SCOLAIRE
    )
    places_par_jour = models.PositiveIntegerField(
        "places par jour",
        null=True,
        blank=True,
        help_text="Vide : pas de limite. Modifiable date par date (journées particulières).",
    )
    reservation_mode = models.CharField(
        "délai de réservation", max_length=6, choices=ModeDelai, default=ModeDelai.JOURS
    )
    reservation_jours = models.PositiveSmallIntegerField("réservation : n (J-n)", default=2)
    reservation_heure = models.TimeField(
        "réservation : heure limite", default=datetime.time(23, 59)
    )
    reservation_jour_semaine = models.PositiveSmallIntegerField(
        "réservation : jour de la semaine précédente", choices=Jour, default=Jour.JEUDI
    )
    reservation_sans_weekend = models.BooleanField(
        "réservation : week-ends non comptés", default=True
    )
    reservation_sans_feries = models.BooleanField(
        "réservation : jours fériés non comptés", default=True
    )
    annulation_autorisee = models.BooleanField("les familles peuvent annuler", default=True)
    annulation_mode = models.CharField(
        "délai d'annulation", max_length=6, choices=ModeDelai, default=ModeDelai.JOURS
    )
    annulation_jours = models.PositiveSmallIntegerField("annulation : n (J-n)", default=2)
    annulation_heure = models.TimeField("annulation : heure limite", default=datetime.time(23, 59))
    annulation_jour_semaine = models.PositiveSmallIntegerField(
        "annulation : jour de la semaine précédente", choices=Jour, default=Jour.JEUDI
    )
    annulation_sans_weekend = models.BooleanField(
        "annulation : week-ends non comptés", default=True
    )
    annulation_sans_feries = models.BooleanField(
        "annulation : jours fériés non comptés", default=True
    )
    validation_requise = models.BooleanField(
        "réservations validées par le service",
        default=False,
        help_text="Chaque réservation devient une demande à traiter.",
    )
    mode_ouverture = models.CharField(
        "mode d'ouverture",
        max_length=14,
        choices=ModeOuverture,
        default=ModeOuverture.PREMIER_ARRIVE,
        help_text="Tirage au sort : les demandes faites pendant une fenêtre d'ouverture "
        "sont tirées au sort à sa clôture (voir « Ouvertures par tirage au sort »).",
    )
    # Changed (to a new random value) whenever the activity's holidays, closures or
    # special days change: the month calendar keeps what it read of them in memory
    # under this key (reservations/calendrier.py). Random, not a counter, so that a row
    # id reused after a rollback never meets an old entry.
    version_calendrier = models.BigIntegerField(default=nouvelle_version, editable=False)
    # Absences declared by the family after the cancellation deadline (reservations/absences.py).
    absences_facturees = models.BooleanField(
        "absences signalées facturées",
        default=True,
        help_text="Un jour signalé absent après le délai d'annulation est facturé, "
        "sauf certificat accepté.",
    )
    jours_carence = models.PositiveSmallIntegerField(
        "jours de carence",
        default=1,
        help_text="Premiers jours d'une absence justifiée par un certificat qui restent facturés.",
    )

    history = HistoricalRecords(excluded_fields=["version_calendrier"])

    class Meta:
        verbose_name = "calendrier et règles de réservation"
        verbose_name_plural = "calendriers et règles de réservation"

    def __str__(self) -> str:
        return f"Réservations — {self.activite}"

    @property
    def jours_en_clair(self) -> str:
        """ "lundi, mardi, jeudi et vendredi, en période scolaire"."""
        noms = [Jour(j).label for j in sorted(self.jours_ouverture)]
        if not noms:
            return "aucun jour d'accueil pour l'instant"
        jours = noms[0] if len(noms) == 1 else f"{', '.join(noms[:-1])} et {noms[-1]}"
        quand = {
            self.Pendant.SCOLAIRE: "en période scolaire",
            self.Pendant.VACANCES: "pendant les vacances scolaires",
            self.Pendant.TOUJOURS: "toute l'année",
        }[self.pendant]
        return f"{jours}, {quand}"

    @property
    def reservation_en_clair(self) -> str:
        from reservations.delais import RegleDelai

        return RegleDelai(
            self.reservation_mode,
            self.reservation_jours,
            self.reservation_heure,
            self.reservation_jour_semaine,
            self.reservation_sans_weekend,
            self.reservation_sans_feries,
        ).en_clair()


class Vacances(models.Model):
    """School holidays of a season (the town's zone), first and last day off."""

    periode = models.ForeignKey(Periode, on_delete=models.CASCADE, related_name="vacances")
    nom = models.CharField("nom", max_length=100)
    debut = models.DateField("premier jour de vacances")
    fin = models.DateField("dernier jour de vacances")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "vacances scolaires"
        verbose_name_plural = "vacances scolaires"
        ordering = ["debut"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(debut__lte=models.F("fin")), name="vacances_dates_ordonnees"
            )
        ]

    def __str__(self) -> str:
        return f"{self.nom} ({self.debut:%d/%m/%Y} – {self.fin:%d/%m/%Y})"


class Fermeture(models.Model):
    """Days an activity is closed besides holidays (pont, travaux, grève…)."""

    activite = models.ForeignKey(Activite, on_delete=models.CASCADE, related_name="fermetures")
    debut = models.DateField("du")
    fin = models.DateField("au")
    motif = models.CharField("motif", max_length=150)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "fermeture"
        verbose_name_plural = "fermetures"
        ordering = ["debut"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(debut__lte=models.F("fin")), name="fermeture_dates_ordonnees"
            )
        ]

    def __str__(self) -> str:
        return self.motif


class Journee(models.Model):
    """One activity on one day: the row locked while its places are counted,
    and where staff override the places or close that one day."""

    activite = models.ForeignKey(Activite, on_delete=models.CASCADE, related_name="journees")
    date = models.DateField("date")
    places = models.PositiveIntegerField(
        "places ce jour",
        null=True,
        blank=True,
        help_text="Vide : les places par jour de l'activité.",
    )
    fermee = models.BooleanField("fermée ce jour", default=False)
    motif = models.CharField("motif de fermeture", max_length=150, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "journée particulière"
        verbose_name_plural = "journées particulières"
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["activite", "date"], name="journee_unique")]

    def __str__(self) -> str:
        return f"{self.activite.nom} — {self.date:%d/%m/%Y}"


class ReservationQuerySet(models.QuerySet):
    def actives(self) -> "ReservationQuerySet":
        return self.exclude(etat=Reservation.Etat.ANNULEE)

    def confirmees(self) -> "ReservationQuerySet":
        """Bookings that hold a place (waiting list and cancelled ones do not)."""
        return self.filter(etat__in=Reservation.ETATS_OCCUPANT_UNE_PLACE)

    def for_user(self, user) -> "ReservationQuerySet":
        if not user.is_authenticated:
            return self.none()
        return self.filter(inscription__famille__responsables__user=user)


class Reservation(models.Model):
    """One child, one activity, one day."""

    class Etat(models.TextChoices):
        RESERVEE = "reservee", "Réservé"
        DEMANDEE = "demandee", "Réservation à valider par le service"
        ATTENTE = "attente", "Liste d'attente"
        ANNULEE = "annulee", "Annulé"
        PRESENT = "present", "Présent"
        ABSENT = "absent", "Absent"
        ABSENCE_JUSTIFIEE = "absence_justifiee", "Absence justifiée"
        # Declared by the family after the cancellation deadline (reservations/absences.py).
        ABSENCE_SIGNALEE = "absence_signalee", "Absence signalée"
        # Asked during an opening by lottery: holds no place until the draw decides.
        TIRAGE = "tirage", "Demande pour le tirage au sort"

    class Source(models.TextChoices):
        CALENDRIER = "calendrier", "Calendrier"
        SEMAINE_TYPE = "semaine_type", "Semaine type"
        SERVICE = "service", "Service"
        LISTE_ATTENTE = "liste_attente", "Liste d'attente"
        TIRAGE = "tirage", "Tirage au sort"

    ETATS_OCCUPANT_UNE_PLACE = [
        Etat.RESERVEE,
        Etat.DEMANDEE,
        Etat.PRESENT,
        Etat.ABSENT,
        Etat.ABSENCE_JUSTIFIEE,
        Etat.ABSENCE_SIGNALEE,
    ]
    ETATS_POINTES = [Etat.PRESENT, Etat.ABSENT, Etat.ABSENCE_JUSTIFIEE]
    # Days the family said the child will miss (the place stays held, the kitchen knows).
    ETATS_ABSENCE = [Etat.ABSENCE_SIGNALEE, Etat.ABSENCE_JUSTIFIEE]

    inscription = models.ForeignKey(
        Inscription, on_delete=models.PROTECT, related_name="reservations"
    )
    # Copied from the inscription so that the database can hold the invariant.
    enfant = models.ForeignKey(Enfant, on_delete=models.PROTECT, related_name="reservations")
    activite = models.ForeignKey(Activite, on_delete=models.PROTECT, related_name="reservations")
    date = models.DateField("date")
    etat = models.CharField("état", max_length=20, choices=Etat, default=Etat.RESERVEE)
    rang_attente = models.PositiveIntegerField(
        "ordre sur la liste d'attente", null=True, blank=True
    )
    source = models.CharField("origine", max_length=16, choices=Source, default=Source.CALENDRIER)
    # Staff marked the child present on a day nobody had booked (billed with a surcharge).
    sans_reservation = models.BooleanField("présent sans réservation", default=False)
    demande = models.ForeignKey(
        "portail.Demande",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reservations",
    )
    # The absence the family declared for this day (after the cancellation deadline).
    absence = models.ForeignKey(
        "Absence",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reservations",
    )
    cree_le = models.DateTimeField("réservé le", default=timezone.now)
    modifiee_le = models.DateTimeField("modifié le", default=timezone.now)
    modifiee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ReservationQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = "réservation"
        verbose_name_plural = "réservations"
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["enfant", "activite", "date"],
                condition=~models.Q(etat="annulee"),
                name="reservation_active_unique",
                violation_error_message="Ce jour est déjà réservé pour cet enfant.",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(etat="attente", rang_attente__isnull=False)
                    | (~models.Q(etat="attente") & models.Q(rang_attente__isnull=True))
                ),
                name="reservation_rang_si_attente",
            ),
        ]
        indexes = [
            models.Index(fields=["activite", "date", "etat"]),
            models.Index(fields=["inscription", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.enfant} — {self.activite.nom} — {self.date:%d/%m/%Y}"


class AbsenceQuerySet(models.QuerySet):
    def for_user(self, user) -> "AbsenceQuerySet":
        if not user.is_authenticated:
            return self.none()
        return self.filter(inscription__famille__responsables__user=user)


class Absence(models.Model):
    """An absence a family declared for one or more booked days after the cancellation
    deadline (days still cancellable were cancelled instead). Its days are the bookings
    pointing at it; a medical certificate accepted by staff makes them "justifiées"."""

    class Motif(models.TextChoices):
        MALADIE = "maladie", "Maladie"
        AUTRE = "autre", "Autre raison"

    inscription = models.ForeignKey(Inscription, on_delete=models.PROTECT, related_name="absences")
    motif = models.CharField("motif", max_length=10, choices=Motif)
    premier_jour = models.DateField("du")
    dernier_jour = models.DateField("au")
    certificat = models.FileField("certificat", upload_to="certificats/%Y/", blank=True)
    # The staff queue's request to check the certificate (none without a certificate).
    demande = models.OneToOneField(
        "portail.Demande",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="absence",
    )
    declaree_le = models.DateTimeField("signalée le", default=timezone.now)
    declaree_par = models.ForeignKey(
        Responsable,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="signalée par",
    )

    objects = AbsenceQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        verbose_name = "absence signalée"
        verbose_name_plural = "absences signalées"
        ordering = ["-premier_jour", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(premier_jour__lte=models.F("dernier_jour")),
                name="absence_jours_ordonnes",
            )
        ]

    def __str__(self) -> str:
        if self.premier_jour == self.dernier_jour:
            return f"Absence du {self.premier_jour:%d/%m/%Y}"
        return f"Absence du {self.premier_jour:%d/%m/%Y} au {self.dernier_jour:%d/%m/%Y}"


class SemaineType(models.Model):
    """A weekly pattern for one enrolment, kept to be re-applied or changed."""

    class Frequence(models.TextChoices):
        TOUTES = "toutes", "Toutes les semaines"
        # Alternating custody: counted week by week from the pattern's first week, so the
        # rhythm never breaks at a year with 53 ISO weeks.
        UNE_SUR_DEUX = "une_sur_deux", "Une semaine sur deux, à partir de la première semaine"
        UNE_SUR_DEUX_DECALEE = (
            "une_sur_deux_decalee",
            ("Une semaine sur deux, à partir de la deuxième semaine"),
        )
        # Garde alternée by ISO week number, as the household's link (Rattachement) says.
        SEMAINES_PAIRES = "semaines_paires", "Semaines paires (numéros de semaine ISO)"
        SEMAINES_IMPAIRES = "semaines_impaires", "Semaines impaires (numéros de semaine ISO)"

    inscription = models.OneToOneField(
        Inscription, on_delete=models.CASCADE, related_name="semaine_type"
    )
    jours = models.JSONField("jours", default=list)
    frequence = models.CharField(
        "fréquence", max_length=24, choices=Frequence, default=Frequence.TOUTES
    )
    debut = models.DateField("du")
    fin = models.DateField("au")
    modifiee_le = models.DateTimeField("modifiée le", default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "semaine type"
        verbose_name_plural = "semaines types"

    def __str__(self) -> str:
        return f"Semaine type — {self.inscription}"


class FluxCalendrier(models.Model):
    """A household's private iCalendar address (secret, revocable)."""

    famille = models.OneToOneField(
        Famille, on_delete=models.CASCADE, related_name="flux_calendrier"
    )
    jeton = models.CharField(max_length=64, unique=True)
    cree_le = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "agenda partagé"
        verbose_name_plural = "agendas partagés"

    def __str__(self) -> str:
        return f"Agenda — {self.famille}"


class Tirage(models.Model):
    """An opening by lottery: the requests for the days `premier_jour`..`dernier_jour`
    made between `ouverture` and `cloture` are drawn at the close (reservations/tirage.py).
    The seed and the drawn order are kept so that staff can re-run the draw."""

    activite = models.ForeignKey(Activite, on_delete=models.CASCADE, related_name="tirages")
    premier_jour = models.DateField("jours concernés : du")
    dernier_jour = models.DateField("au")
    ouverture = models.DateTimeField("demandes à partir du")
    cloture = models.DateTimeField(
        "tirage au sort le", help_text="Fin des demandes ; le tirage a lieu à cette heure."
    )
    graine = models.CharField("graine", max_length=64, blank=True, editable=False)
    # Households taking part (sorted ids) and the same ids in drawn order.
    participants = models.JSONField("familles participantes", default=list, editable=False)
    ordre = models.JSONField("ordre tiré", default=list, editable=False)
    # The draw's inputs (requests, places per day) and what it decided, request by
    # request (see tirage.repartir): kept as drawn, for the "vérifier" page.
    resultats = models.JSONField("résultats", default=dict, editable=False)
    tire_le = models.DateTimeField("tiré le", null=True, blank=True, editable=False)
    tire_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="tiré par",
    )
    tache = models.CharField("tâche", max_length=64, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "ouverture par tirage au sort"
        verbose_name_plural = "ouvertures par tirage au sort"
        ordering = ["-cloture"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(premier_jour__lte=models.F("dernier_jour")),
                name="tirage_jours_ordonnes",
                violation_error_message="Le dernier jour doit suivre le premier.",
            ),
            models.CheckConstraint(
                condition=models.Q(ouverture__lt=models.F("cloture")),
                name="tirage_fenetre_ordonnee",
                violation_error_message="Le tirage doit avoir lieu après l'ouverture des demandes.",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.activite.nom} — du {self.premier_jour:%d/%m/%Y} au {self.dernier_jour:%d/%m/%Y}"
        )


class LotListesDuJour(models.Model):
    """Day-list PDFs of several sites or days, built by the worker
    (reservations/listes_du_jour.py); the admin shows its progress and the files."""

    class Etat(models.TextChoices):
        EN_ATTENTE = "en_attente", "en attente du worker"
        EN_COURS = "en_cours", "en cours"
        TERMINE = "termine", "terminé"
        ECHEC = "echec", "en échec"

    class Forme(models.TextChoices):
        SEPAREES = "separees", "un PDF par site et par jour"
        COMBINEE = "combinee", "un seul PDF pour tout"

    ACTIFS = (Etat.EN_ATTENTE, Etat.EN_COURS)

    sites = models.ManyToManyField(Site, related_name="+", verbose_name="sites")
    premier_jour = models.DateField("du")
    dernier_jour = models.DateField("au")
    forme = models.CharField("forme", max_length=12, choices=Forme, default=Forme.SEPAREES)
    etat = models.CharField("état", max_length=12, choices=Etat, default=Etat.EN_ATTENTE)
    demande_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    demande_le = models.DateTimeField("demandé le", default=timezone.now)
    fin = models.DateTimeField("fini le", null=True, blank=True)
    # Written at each list: a batch "en cours" not updated for long lost its worker.
    mise_a_jour_le = models.DateTimeField("dernier progrès", default=timezone.now)
    listes_a_faire = models.PositiveIntegerField("listes à préparer", default=0)
    listes_faites = models.PositiveIntegerField("listes préparées", default=0)
    erreur = models.TextField("erreur", blank=True)

    class Meta:
        verbose_name = "lot de listes du jour (PDF)"
        verbose_name_plural = "lots de listes du jour (PDF)"
        ordering = ["-demande_le"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(premier_jour__lte=models.F("dernier_jour")),
                name="lot_listes_jours_ordonnes",
                violation_error_message="Le dernier jour doit suivre le premier.",
            )
        ]

    def __str__(self) -> str:
        if self.premier_jour == self.dernier_jour:
            return f"Listes du {self.premier_jour:%d/%m/%Y}"
        return f"Listes du {self.premier_jour:%d/%m/%Y} au {self.dernier_jour:%d/%m/%Y}"

    INTERROMPU_APRES = datetime.timedelta(minutes=15)

    @property
    def interrompu(self) -> bool:
        """Still "en cours" but no list made for long: the worker was stopped (killed,
        restarted); nothing resumes it, staff ask again."""
        return (
            self.etat == self.Etat.EN_COURS
            and self.mise_a_jour_le < timezone.now() - self.INTERROMPU_APRES
        )

    @property
    def pourcentage(self) -> int:
        if self.etat == self.Etat.TERMINE:
            return 100
        if not self.listes_a_faire:
            return 0
        return min(100, self.listes_faites * 100 // self.listes_a_faire)


class PdfListeDuJour(models.Model):
    """One file of a batch: a site's day, or (combined) every list in one PDF. Stored
    under a random name in the private storage, served to staff only."""

    lot = models.ForeignKey(LotListesDuJour, on_delete=models.CASCADE, related_name="pdfs")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, null=True, blank=True)
    jour = models.DateField("jour", null=True, blank=True)
    fichier = models.FileField("PDF", upload_to="listes-du-jour/%Y/")

    class Meta:
        verbose_name = "PDF de listes du jour"
        verbose_name_plural = "PDF de listes du jour"
        ordering = ["jour", "site__nom", "pk"]

    def __str__(self) -> str:
        if self.site_id is None:
            return "Toutes les listes"
        return f"{self.site.nom} — {self.jour:%d/%m/%Y}"
