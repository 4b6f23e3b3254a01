"""The one tariff rule: what a household pays for one unit of an activity on a day.

The monthly invoicing (finances.facturer_mois) and every price shown to a parent before
booking (Nouvelle inscription, the enrolment, the calendar, the semaine type preview,
the booking summaries) go through `quotient_au`, `prix_unitaire` and `supplement`: the
price announced is the price billed.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.dates import MONTHS

from comptes.formats import euros
from comptes.models import QuotientFamilial, Tarif, TrancheTarif
from comptes.mots import de
from portail.preparees import Preparee

ZERO = Decimal("0.00")
CENTIME = Decimal("0.01")


def arrondi(valeur: Decimal) -> Decimal:
    return Decimal(valeur).quantize(CENTIME, rounding=ROUND_HALF_UP)


def quotient_au(quotients: list[QuotientFamilial], jour: datetime.date) -> QuotientFamilial | None:
    """The quotient in force on a day, from a household's history (newest first)."""
    for quotient in quotients:
        if quotient.depuis <= jour:
            return quotient
    return None


def prix_unitaire(tarif: Tarif, tranches, quotient: Decimal | None, hors_commune: bool):
    """The unit price for a quotient (None: unknown), its bracket or effort rate, and
    whether the household lives outside the town."""
    if hors_commune and tarif.prix_hors_commune is not None:
        return tarif.prix_hors_commune
    if quotient is None:
        return tarif.prix_sans_quotient
    if tarif.mode == Tarif.Mode.TAUX_EFFORT and tarif.taux_effort is not None:
        prix = arrondi(quotient * tarif.taux_effort)
        if tarif.prix_minimum is not None:
            prix = max(prix, tarif.prix_minimum)
        if tarif.prix_maximum is not None:
            prix = min(prix, tarif.prix_maximum)
        return prix
    for tranche in tranches:
        if quotient >= tranche.qf_min and (tranche.qf_max is None or quotient < tranche.qf_max):
            return tranche.prix
    return tarif.prix_sans_quotient


def supplement(tarif: Tarif, prix: Decimal, *, sans_reservation: bool, en_retard: bool):
    """What is added to a day's unit price, and the line's label."""
    if sans_reservation:
        return tarif.forfait_sans_reservation, "présence sans réservation"
    if en_retard and tarif.majoration_retard:
        return (
            arrondi(prix * tarif.majoration_retard / 100),
            f"réservation tardive (+{tarif.majoration_retard} %)",
        )
    return ZERO, tarif.get_unite_display()


def de_mois(jour: datetime.date) -> str:
    """ "de décembre", "d'octobre": the month's name after "de", elided."""
    return de(MONTHS[jour.month])


@dataclass(frozen=True)
class Ligne:
    """Days of one month at one price: "10 jours × 2,10 € = 21,00 €"."""

    mois: datetime.date
    nb: int
    prix: Decimal

    @property
    def total(self) -> Decimal:
        return self.prix * self.nb

    def en_clair(self, verbe: str) -> str:
        jours = "1 jour" if self.nb == 1 else f"{self.nb} jours"
        facture = "ajoutés à" if verbe == "ajout" else "retirés de"
        if self.nb == 1:
            facture = "ajouté à" if verbe == "ajout" else "retiré de"
        return (
            f"{jours} × {euros(self.prix)} = {euros(self.total)} {facture} "
            f"votre facture {de_mois(self.mois)}"
        )


@dataclass(frozen=True)
class Tarification:
    """A household's tariff for one activity: its quotients (newest first), the
    activity's brackets and whether the household lives outside the town."""

    tarif: Tarif
    tranches: list
    quotients: list
    hors_commune: bool

    def quotient(self, jour: datetime.date) -> Decimal | None:
        qf = quotient_au(self.quotients, jour)
        return qf.valeur if qf else None

    def prix(self, jour: datetime.date) -> Decimal:
        """A day booked by the parent (never late: parents cannot book past the
        deadline), as the invoice of its month bills it."""
        prix = prix_unitaire(self.tarif, self.tranches, self.quotient(jour), self.hors_commune)
        return prix + supplement(self.tarif, prix, sans_reservation=False, en_retard=False)[0]

    @property
    def unite(self) -> str:
        return self.tarif.get_unite_display()

    def par_unite(self, jour: datetime.date) -> str:
        """ "2,10 € le repas", "3,00 € la demi-journée"."""
        article = "le" if self.tarif.unite == Tarif.Unite.REPAS else "la"  # la journée, la séance
        return f"{euros(self.prix(jour))} {article} {self.unite}"

    def detail(self, jour: datetime.date) -> str:
        """Why this price: the quotient used, or outside the town."""
        if self.hors_commune and self.tarif.prix_hors_commune is not None:
            return "tarif hors commune"
        quotient = self.quotient(jour)
        if quotient is None:
            return "quotient familial non connu : tarif le plus haut"
        return f"quotient familial {quotient.normalize():f}".replace(".", ",")

    def lignes(self, jours) -> list[Ligne]:
        """The days grouped by invoice month and price, in date order."""
        groupes = defaultdict(int)
        for jour in sorted(jours):
            groupes[(jour.replace(day=1), self.prix(jour))] += 1
        return [Ligne(mois, nb, prix) for (mois, prix), nb in groupes.items()]


# A household's quotients (newest first) and a tariff's brackets: read for each price shown
# (the booking POST's confirmation among them), compiled once per process.
_QUOTIENTS = Preparee(
    lambda famille_id: QuotientFamilial.objects.filter(famille_id=famille_id).order_by(
        "-depuis", "-cree_le"
    ),
    int,
)
_TRANCHES = Preparee(
    lambda tarif_id: TrancheTarif.objects.filter(tarif_id=tarif_id).order_by("qf_min"), int
)


def tarification(famille, activite, *, quotients=None, tranches=None) -> Tarification | None:
    """The household's tariff for `activite` (None: the activity has no price yet).
    `quotients` / `tranches`: already read by the caller (else one query each)."""
    tarif = getattr(activite, "tarif", None)
    if tarif is None:
        return None
    if quotients is None:
        quotients = _QUOTIENTS(famille.pk)
    if tranches is None:
        tranches = _TRANCHES(tarif.pk)
    return Tarification(tarif, tranches, quotients, famille.hors_commune)


def tarifications(famille, activites) -> dict[int, Tarification]:
    """The household's tariff for each activity that has one, in two queries whatever
    their number (the activities come with `select_related("tarif")`)."""
    tarifs = [a.tarif for a in activites if getattr(a, "tarif", None) is not None]
    if not tarifs:
        return {}
    quotients = list(
        QuotientFamilial.objects.filter(famille=famille).order_by("-depuis", "-cree_le")
    )
    tranches = defaultdict(list)
    for t in TrancheTarif.objects.filter(tarif__in=tarifs).order_by("qf_min"):
        tranches[t.tarif_id].append(t)
    return {
        t.activite_id: Tarification(t, tranches[t.pk], quotients, famille.hors_commune)
        for t in tarifs
    }
