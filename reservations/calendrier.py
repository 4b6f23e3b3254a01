"""When an activity is open and how many places a day has, for a range of dates,
loaded in a fixed number of queries."""

import datetime
from dataclasses import dataclass

from inscriptions.models import Activite
from reservations.delais import RegleDelai, feries
from reservations.models import Fermeture, Journee, ParametresReservation, Vacances


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
            parametres = ParametresReservation.objects.get(activite=activite)
        return cls(
            activite=activite,
            parametres=parametres,
            vacances=list(
                Vacances.objects.filter(
                    periode_id=activite.periode_id, fin__gte=debut, debut__lte=fin
                )
            ),
            fermetures=list(
                Fermeture.objects.filter(activite=activite, fin__gte=debut, debut__lte=fin)
            ),
            journees=journees
            if journees is not None
            else {
                j.date: j
                for j in Journee.objects.filter(activite=activite, date__range=(debut, fin))
            },
            feries=feries(debut, fin),
        )

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
