"""The month's planning as a PDF "à coller sur le frigo": per child or for the whole
household, from the household's own bookings, in a fixed number of queries."""

import calendar
import datetime
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.dates import MONTHS

from familles.models import Enfant, Famille
from reservations.lecture import bornes_du_mois
from reservations.models import Reservation

Etat = Reservation.Etat

# What a day's line adds to the activity's name (a booked day says nothing more).
PRECISIONS = {
    Etat.DEMANDEE: "à valider",
    Etat.ATTENTE: "liste d'attente",
    Etat.ABSENT: "absent",
    Etat.ABSENCE_JUSTIFIEE: "absence justifiée",
    Etat.TIRAGE: "tirage au sort",
}


@dataclass
class Case:
    date: datetime.date | None
    lignes: list[str] = field(default_factory=list)


def _ligne(r: Reservation, avec_prenom: bool) -> str:
    texte = f"{r.enfant.prenom} : {r.activite.nom}" if avec_prenom else r.activite.nom
    precision = PRECISIONS.get(r.etat)
    if precision == "absent" and r.enfant.sexe == Enfant.Sexe.FILLE:
        precision = "absente"
    return f"{texte} ({precision})" if precision else texte


def contexte(famille: Famille, annee: int, mois: int, enfant: Enfant | None = None) -> dict:
    """The weeks of the month (Monday first), each day with the household's bookings."""
    debut, fin = bornes_du_mois(annee, mois)
    reservations = (
        Reservation.objects.actives()
        .filter(inscription__famille=famille, date__range=(debut, fin))
        .select_related("enfant", "activite")
        .order_by("date", "enfant__prenom", "activite__nom")
    )
    if enfant is not None:
        reservations = reservations.filter(enfant=enfant)
    par_jour: dict[datetime.date, list[str]] = {}
    for r in reservations:
        par_jour.setdefault(r.date, []).append(_ligne(r, enfant is None))
    semaines = [
        [Case(j, par_jour.get(j, [])) if j.month == mois else Case(None) for j in semaine]
        for semaine in calendar.Calendar().monthdatescalendar(annee, mois)
    ]
    # Week-ends only when something is booked then (most services close).
    week_end = any(par_jour.get(c.date) for s in semaines for c in s[5:] if c.date)
    return {
        "famille": famille,
        "enfant": enfant,
        "titre_mois": f"{MONTHS[mois]} {annee}",
        "semaines": [s if week_end else s[:5] for s in semaines],
        "jours_semaine": ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi"]
        + (["Samedi", "Dimanche"] if week_end else []),
        "nb_jours": len(par_jour),
    }


def rendre(famille: Famille, annee: int, mois: int, enfant: Enfant | None = None) -> bytes:
    from weasyprint import HTML

    html = render_to_string("pdf/planning.html", contexte(famille, annee, mois, enfant))
    return HTML(string=html).write_pdf()
