"""Helpers for billing tests: a price list and days as staff would have marked them."""

import datetime
from decimal import Decimal

from comptes.models import Tarif, TrancheTarif
from reservations.models import Reservation
from tests.inscriptions.conftest import PARIS


def tarif(activite, **champs) -> Tarif:
    valeurs = {"prix_sans_quotient": Decimal("4.50"), **champs}
    resultat = Tarif.objects.create(activite=activite, **valeurs)
    for a, b, prix in ((0, 500, "1.20"), (500, 800, "2.10"), (800, None, "3.00")):
        TrancheTarif.objects.create(tarif=resultat, qf_min=a, qf_max=b, prix=Decimal(prix))
    return resultat


def jour(inscription, date, etat="present", **champs) -> Reservation:
    return Reservation.objects.create(
        inscription=inscription,
        enfant=inscription.enfant,
        activite=inscription.activite,
        date=date,
        etat=etat,
        cree_le=datetime.datetime(2026, 9, 1, tzinfo=PARIS),
        **champs,
    )
