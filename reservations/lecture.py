"""Read side of bookings: the month calendar a parent sees, in a fixed number of queries."""

import calendar
import datetime
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.formats import date_format

from inscriptions.models import Inscription
from reservations import services
from reservations.calendrier import Calendrier
from reservations.models import Reservation

Etat = Reservation.Etat

LIBELLES = {
    "libre": "libre",
    "complet": "complet : liste d'attente",
    "reservee": "réservé",
    "demandee": "réservation à valider par le service",
    "attente": "liste d'attente",
    "present": "présent",
    "absent": "absent",
    "absence_justifiee": "absence justifiée",
    "ferme": "fermé",
    "hors_inscription": "hors inscription",
    "hors_delai": "hors délai",
    "passe": "passé",
}


@dataclass
class Jour:
    date: datetime.date
    etat: str
    cochable: bool = False
    coche: bool = False
    motif: str = ""
    places_restantes: int | None = None
    position: int | None = None

    @property
    def libelle(self) -> str:
        if self.etat == "ferme":
            return self.motif
        texte = LIBELLES[self.etat]
        if self.etat == "attente" and self.position:
            texte = f"liste d'attente, rang {self.position}"
        if self.motif:
            texte = f"{texte} ({self.motif})"
        return texte

    @property
    def sans_accueil(self) -> bool:
        return self.etat == "ferme" and self.motif == "pas d'accueil ce jour"

    @property
    def libelle_complet(self) -> str:
        texte = f"{date_format(self.date, 'l j F Y')} : {self.libelle}"
        if self.places_restantes is not None:
            texte += f", {self.places_restantes} place{'s' if self.places_restantes > 1 else ''}"
        return texte


def mois_suivant(annee: int, mois: int, decalage: int) -> tuple[int, int]:
    index = annee * 12 + (mois - 1) + decalage
    return index // 12, index % 12 + 1


def bornes_du_mois(annee: int, mois: int) -> tuple[datetime.date, datetime.date]:
    dernier = calendar.monthrange(annee, mois)[1]
    return datetime.date(annee, mois, 1), datetime.date(annee, mois, dernier)


def jours_du_mois(
    inscription: Inscription, annee: int, mois: int, maintenant: datetime.datetime | None = None
) -> tuple[Calendrier, list[list]]:
    """Weeks (Monday first) of Jour or None (days of other months)."""
    maintenant = maintenant or timezone.now()
    aujourd_hui = timezone.localdate(maintenant)
    debut, fin = bornes_du_mois(annee, mois)
    cal = services._charger(inscription, debut, fin)
    rang_avant = (
        Reservation.objects.filter(
            activite=OuterRef("activite"),
            date=OuterRef("date"),
            etat=Etat.ATTENTE,
            rang_attente__lte=OuterRef("rang_attente"),
        )
        .order_by()
        .values("date")
        .annotate(n=Count("pk"))
        .values("n")
    )
    miennes = {
        r.date: r
        for r in Reservation.objects.actives()
        .filter(enfant=inscription.enfant, activite=inscription.activite, date__range=(debut, fin))
        .annotate(position=Subquery(rang_avant))
    }
    occupees = dict(
        Reservation.objects.confirmees()
        .filter(activite=inscription.activite, date__range=(debut, fin))
        .values_list("date")
        .annotate(n=Count("pk"))
        .order_by()
    )
    semaines = []
    for semaine in calendar.Calendar().monthdatescalendar(annee, mois):
        ligne = []
        for jour in semaine:
            ligne.append(
                None
                if jour.month != mois
                else _jour(
                    cal,
                    inscription,
                    jour,
                    miennes.get(jour),
                    occupees.get(jour, 0),
                    aujourd_hui,
                    maintenant,
                )
            )
        semaines.append(ligne)
    return cal, semaines


def _jour(cal, inscription, jour, reservation, occupees, aujourd_hui, maintenant) -> Jour:
    if reservation is not None and reservation.etat in Reservation.ETATS_POINTES:
        return Jour(jour, reservation.etat)
    if jour < aujourd_hui:
        return Jour(jour, "passe", motif=LIBELLES[reservation.etat] if reservation else "")
    # (closed days carry their reason as their whole label: "Vacances de Noël")
    fermeture = cal.motif_fermeture(jour)
    if fermeture and reservation is not None:
        # Closed after it was booked (the service cancels such bookings): say both.
        return Jour(jour, reservation.etat, motif=f"jour fermé : {fermeture}")
    if fermeture:
        return Jour(jour, "ferme", motif=fermeture)
    if not inscription.date_debut <= jour <= inscription.date_fin:
        return Jour(jour, "hors_inscription")
    if reservation is not None:
        refus = services.motif_refus_annulation(cal, jour, maintenant, False, reservation.etat)
        return Jour(
            jour,
            reservation.etat,
            cochable=refus is None,
            coche=True,
            motif=f"non annulable : {refus}" if refus else "",
            position=getattr(reservation, "position", None),
        )
    if cal.regle_reservation.depasse(jour, maintenant):
        return Jour(jour, "hors_delai")
    places = cal.places(jour)
    if places is not None and occupees >= places:
        return Jour(jour, "complet", cochable=True)
    restantes = None if places is None else places - occupees
    return Jour(jour, "libre", cochable=True, places_restantes=restantes)


def inscriptions_reservables(famille) -> list[Inscription]:
    """The household's validated enrolments, to switch between children (one query)."""
    aujourd_hui = timezone.localdate()
    return list(
        Inscription.objects.filter(famille=famille, statut=Inscription.Statut.VALIDEE)
        .filter(Q(date_fin__gte=aujourd_hui))
        .select_related("enfant", "activite__site")
        .order_by("enfant__prenom", "activite__nom")
    )
