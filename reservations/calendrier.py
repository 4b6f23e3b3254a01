"""When an activity is open and how many places a day has, for a range of dates,
loaded in a fixed number of queries."""

import datetime
import threading
from collections import OrderedDict
from dataclasses import dataclass

from inscriptions.models import Activite
from portail.preparees import Preparee
from reservations.delais import RegleDelai, feries
from reservations.models import Fermeture, Journee, ParametresReservation, Vacances

# The reads of every Calendrier (the booking POST's, under its day locks, among them):
# compiled once per process (portail/preparees.py).
_PARAMETRES = Preparee(
    lambda activite_id: ParametresReservation.objects.filter(activite_id=activite_id), int
)
_VACANCES = Preparee(
    lambda periode_id, debut, fin: Vacances.objects.filter(
        periode_id=periode_id, fin__gte=debut, debut__lte=fin
    ),
    int,
    datetime.date,
    datetime.date,
)
_FERMETURES = Preparee(
    lambda activite_id, debut, fin: Fermeture.objects.filter(
        activite_id=activite_id, fin__gte=debut, debut__lte=fin
    ),
    int,
    datetime.date,
    datetime.date,
)


def jours_entre(debut: datetime.date, fin: datetime.date):
    jour = debut
    while jour <= fin:
        yield jour
        jour += datetime.timedelta(days=1)


@dataclass
class Calendrier:
    activite: Activite
    parametres: ParametresReservation
    vacances: list[Vacances]
    fermetures: list[Fermeture]
    journees: dict[datetime.date, Journee]
    feries: dict[datetime.date, str]

    @classmethod
    def charger(
        cls,
        activite: Activite,
        debut: datetime.date,
        fin: datetime.date,
        journees: dict[datetime.date, Journee] | None = None,
        parametres: ParametresReservation | None = None,
    ) -> "Calendrier":
        """`journees`: the day rows already read by the caller (the booking service reads
        them under lock, so they are not read twice); else those of debut..fin.
        `parametres`: the activity's rules when the caller read them with it (the month
        calendar reads them with the enrolment)."""
        if parametres is None:
            lignes = _PARAMETRES(activite.pk)
            if not lignes:
                raise ParametresReservation.DoesNotExist(
                    "ParametresReservation matching query does not exist."
                )
            parametres = lignes[0]
        return cls(
            activite=activite,
            parametres=parametres,
            vacances=_VACANCES(activite.periode_id, debut, fin),
            fermetures=_FERMETURES(activite.pk, debut, fin),
            journees=journees
            if journees is not None
            else {
                j.date: j
                for j in Journee.objects.filter(activite=activite, date__range=(debut, fin))
            },
            feries=feries(debut, fin),
        )

    @classmethod
    def charger_mois(
        cls, activite: Activite, debut: datetime.date, fin: datetime.date, parametres
    ) -> "Calendrier":
        """The month calendar's read: holidays, closures and special days are kept in
        memory per activity and month under `parametres.version_calendrier`, which every
        change of them replaces (`changer_version`): the page reads them once per
        process and version, not on each view. Rows read under a lock (bookings) never
        come from here."""
        cle = (activite.pk, parametres.version_calendrier, debut, fin)
        lu = _MEMOIRE.lire(cle)
        if lu is None:
            cal = cls.charger(activite, debut, fin, parametres=parametres)
            _MEMOIRE.garder(cle, (cal.vacances, cal.fermetures, cal.journees, cal.feries))
            return cal
        vacances, fermetures, journees, jours_feries = lu
        return cls(activite, parametres, vacances, fermetures, journees, jours_feries)

    @property
    def regle_reservation(self) -> RegleDelai:
        p = self.parametres
        return RegleDelai(
            p.reservation_mode,
            p.reservation_jours,
            p.reservation_heure,
            p.reservation_jour_semaine,
            p.reservation_sans_weekend,
            p.reservation_sans_feries,
        )

    @property
    def regle_annulation(self) -> RegleDelai:
        p = self.parametres
        return RegleDelai(
            p.annulation_mode,
            p.annulation_jours,
            p.annulation_heure,
            p.annulation_jour_semaine,
            p.annulation_sans_weekend,
            p.annulation_sans_feries,
        )

    def _vacances(self, jour: datetime.date) -> Vacances | None:
        return next((v for v in self.vacances if v.debut <= jour <= v.fin), None)

    def motif_fermeture(self, jour: datetime.date) -> str | None:
        """Why the activity is closed that day (None: open)."""
        periode = self.activite.periode
        if not periode.debut <= jour <= periode.fin:
            return "hors période"
        journee = self.journees.get(jour)
        if journee is not None and journee.fermee:
            return journee.motif or "fermé ce jour"
        if jour in self.feries:
            return f"férié : {self.feries[jour]}"
        if jour.weekday() not in self.parametres.jours_ouverture:
            return "pas d'accueil ce jour"
        vacances = self._vacances(jour)
        pendant = self.parametres.pendant
        if pendant == ParametresReservation.Pendant.SCOLAIRE and vacances:
            return vacances.nom
        if pendant == ParametresReservation.Pendant.VACANCES and not vacances:
            return "période scolaire"
        fermeture = next((f for f in self.fermetures if f.debut <= jour <= f.fin), None)
        if fermeture is not None:
            return fermeture.motif
        return None

    def places(self, jour: datetime.date) -> int | None:
        journee = self.journees.get(jour)
        if journee is not None and journee.places is not None:
            return journee.places
        return self.parametres.places_par_jour


class _Memoire:
    """A small LRU map shared by the threads of one process (what is kept is only read)."""

    def __init__(self, taille: int) -> None:
        self.taille = taille
        self.lignes: OrderedDict = OrderedDict()
        self.verrou = threading.Lock()

    def lire(self, cle):
        with self.verrou:
            valeur = self.lignes.get(cle)
            if valeur is not None:
                self.lignes.move_to_end(cle)
            return valeur

    def garder(self, cle, valeur) -> None:
        with self.verrou:
            self.lignes[cle] = valeur
            self.lignes.move_to_end(cle)
            while len(self.lignes) > self.taille:
                self.lignes.popitem(last=False)

    def vider(self) -> None:
        with self.verrou:
            self.lignes.clear()


# activities × months a town's parents look at: a few hundred entries of a few rows each
_MEMOIRE = _Memoire(taille=2048)


def vider_memoire() -> None:
    """(Tests: start from what the database holds.)"""
    _MEMOIRE.vider()


def tranches_du_tarif(tarif, version: int) -> list:
    """A tariff's brackets, kept in memory under the calendar version that every change
    of the tariff replaces (`_apres_changement_tarif`): read once per process and version
    (the household's quotient is read with the enrolment)."""
    from comptes.models import TrancheTarif

    cle = ("tranches", tarif.pk, version)
    lu = _MEMOIRE.lire(cle)
    if lu is None:
        lu = list(TrancheTarif.objects.filter(tarif=tarif).order_by("qf_min"))
        _MEMOIRE.garder(cle, lu)
    return lu


def changer_version(
    *, activite_id: int | None = None, periode_id: int | None = None, tarif_id: int | None = None
) -> None:
    """After a change of an activity's closures or special days (activite_id), or of a
    season's holidays (periode_id): every process reads them again. One UPDATE (one new
    random value is enough: the kept entries are keyed by activity too)."""
    from reservations.models import ParametresReservation, nouvelle_version

    lignes = ParametresReservation.objects.all()
    if activite_id is not None:
        lignes = lignes.filter(activite_id=activite_id)
    elif tarif_id is not None:
        lignes = lignes.filter(activite__tarif__id=tarif_id)
    else:
        lignes = lignes.filter(activite__periode_id=periode_id)
    lignes.update(version_calendrier=nouvelle_version())


def _apres_changement(sender, instance, **kwargs) -> None:
    if isinstance(instance, Vacances):
        changer_version(periode_id=instance.periode_id)
    else:
        changer_version(activite_id=instance.activite_id)


def _apres_changement_tarif(sender, instance, **kwargs) -> None:
    if sender.__name__ == "Tarif":
        changer_version(activite_id=instance.activite_id)
    else:
        changer_version(tarif_id=instance.tarif_id)


def brancher_signaux() -> None:
    """Called by the app's ready(): closures, special days and holidays saved or deleted
    anywhere (admin, services, shell) change the version. (A bulk write that bypasses
    save() must call changer_version itself.)"""
    from django.db.models.signals import post_delete, post_save

    for modele in (Vacances, Fermeture, Journee):
        post_save.connect(_apres_changement, sender=modele, dispatch_uid=f"cal-{modele.__name__}")
        post_delete.connect(
            _apres_changement, sender=modele, dispatch_uid=f"cal-del-{modele.__name__}"
        )
    # A tariff's brackets are kept in memory too (`tranches_du_tarif`).
    from comptes.models import Tarif, TrancheTarif

    for modele in (Tarif, TrancheTarif):
        post_save.connect(
            _apres_changement_tarif, sender=modele, dispatch_uid=f"cal-{modele.__name__}"
        )
        post_delete.connect(
            _apres_changement_tarif, sender=modele, dispatch_uid=f"cal-del-{modele.__name__}"
        )
