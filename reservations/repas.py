"""The kitchen's count: meals per site, day and diet, from the confirmed bookings.

A meal is counted for each child booked (réservé) or present on a day of an activity
that serves lunch (restauration scolaire, accueils de loisirs); a child booked in two
such activities of the same site on the same day eats once. Requests awaiting
validation, waiting lists, cancellations and absences are not counted.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from familles.models import RegimeAlimentaire
from inscriptions.models import Activite
from reservations.models import Reservation

TYPES_AVEC_REPAS = [
    Activite.Type.RESTAURATION,
    Activite.Type.LOISIRS_MERCREDI,
    Activite.Type.LOISIRS_VACANCES,
]
ETATS_COMPTES = [Reservation.Etat.RESERVEE, Reservation.Etat.PRESENT]
STANDARD = "Standard"
JOURS_MAX = 31


@dataclass
class ComptageSite:
    site: str
    # {date: {régime: nombre}}
    jours: dict = field(default_factory=lambda: defaultdict(dict))

    def lignes(self, regimes: list[str]) -> list[dict]:
        """One row per day with meals, the diets in the given order."""
        return [
            {
                "date": jour,
                "valeurs": [self.jours.get(jour, {}).get(r, 0) for r in regimes],
                "total": sum(self.jours.get(jour, {}).values()),
            }
            for jour in sorted(self.jours)
        ]

    def totaux(self, regimes: list[str]) -> list[int]:
        return [sum(j.get(r, 0) for j in self.jours.values()) for r in regimes]


def compter_les_repas(
    debut: datetime.date, fin: datetime.date, sites=None
) -> tuple[list[str], list[ComptageSite]]:
    """(diets in display order, one count per site): two queries whatever the number
    of sites, days and children."""
    reservations = Reservation.objects.filter(
        date__range=(debut, fin),
        etat__in=ETATS_COMPTES,
        activite__type__in=TYPES_AVEC_REPAS,
    )
    if sites is not None:
        reservations = reservations.filter(activite__site__in=sites)
    lignes = (
        reservations.values_list(
            "activite__site_id", "activite__site__nom", "date", "enfant__regime_alimentaire__nom"
        )
        .annotate(n=Count("enfant", distinct=True))
        .order_by("activite__site__nom", "date")
    )
    par_site: dict[int, ComptageSite] = {}
    vus = set()
    for site_id, site_nom, jour, regime, n in lignes:
        regime = regime or STANDARD
        vus.add(regime)
        comptage = par_site.setdefault(site_id, ComptageSite(site_nom))
        comptage.jours[jour][regime] = comptage.jours[jour].get(regime, 0) + n
    # The town's diets always shown (a zero tells the kitchen "none"), retired ones if used.
    regimes = [STANDARD] + [
        r.nom for r in RegimeAlimentaire.objects.all() if r.actif or r.nom in vus
    ]
    regimes += sorted(vus - set(regimes))
    return regimes, list(par_site.values())
