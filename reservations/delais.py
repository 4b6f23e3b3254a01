"""Deadlines: "J-2 à 23:59, week-ends et jours fériés non comptés" or
"le jeudi 12:00 de la semaine précédente", computed in Europe/Paris."""

import datetime
from dataclasses import dataclass
from functools import lru_cache

import holidays
from django.utils import timezone
from django.utils.formats import date_format

JOURS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


@lru_cache(maxsize=32)
def _feries_annee(annee: int) -> dict[datetime.date, str]:
    return dict(holidays.France(years=annee, language="fr"))


def feries(debut: datetime.date, fin: datetime.date) -> dict[datetime.date, str]:
    """French public holidays between two dates (both included)."""
    jours = {}
    for annee in range(debut.year, fin.year + 1):
        jours.update({d: n for d, n in _feries_annee(annee).items() if debut <= d <= fin})
    return jours


def est_ferie(jour: datetime.date) -> bool:
    return jour in _feries_annee(jour.year)


@dataclass(frozen=True)
class RegleDelai:
    mode: str  # "jours" or "hebdo"
    jours: int = 2
    heure: datetime.time = datetime.time(23, 59)
    jour_semaine: int = 3
    sans_weekend: bool = True
    sans_feries: bool = True

    def limite(self, jour: datetime.date) -> datetime.datetime:
        """The last moment (aware, Paris) at which `jour` may still be changed."""
        if self.mode == "hebdo":
            lundi = jour - datetime.timedelta(days=jour.weekday())
            veille = lundi - datetime.timedelta(days=7 - self.jour_semaine)
        else:
            veille, restant = jour, self.jours
            while restant > 0:
                veille -= datetime.timedelta(days=1)
                if self.sans_weekend and veille.weekday() >= 5:
                    continue
                if self.sans_feries and est_ferie(veille):
                    continue
                restant -= 1
        return timezone.make_aware(datetime.datetime.combine(veille, self.heure))

    def depasse(self, jour: datetime.date, maintenant: datetime.datetime) -> bool:
        # "à 23:59" includes the whole minute: 23:59:59 is still in time.
        return maintenant >= self.limite(jour) + datetime.timedelta(minutes=1)

    def en_clair(self) -> str:
        heure = self.heure.strftime("%H:%M")
        if self.mode == "hebdo":
            return f"le {JOURS[self.jour_semaine]} {heure} de la semaine précédente"
        non_comptes = [
            n
            for n, oui in (("week-ends", self.sans_weekend), ("jours fériés", self.sans_feries))
            if oui
        ]
        suite = f", {' et '.join(non_comptes)} non comptés" if non_comptes else ""
        return f"J-{self.jours} à {heure}{suite}"


def format_limite(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "l j F à H:i")
