"""A child in garde alternée: households A and B, each with its enrolment and quotient."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from comptes.models import QuotientFamilial
from familles.models import Enfant, Rattachement, Responsable
from inscriptions.models import Inscription
from tests.conftest import creer_enfant, creer_responsable

D = datetime.date
NAISSANCE = D(2018, 5, 4)


@dataclass
class Foyers:
    a: Responsable
    b: Responsable
    enfant: Enfant
    inscription_a: Inscription
    inscription_b: Inscription


def deux_foyers(activite, naissance=NAISSANCE) -> Foyers:
    """Léa in households A (QF 987,65: 3,00 € a day with tests.finances.aide.tarif)
    and B (QF 432,10: 1,20 €), enrolled by each in its own name."""
    a = creer_responsable(email="pere@example.org", prenom="Marc", nom="Durand")
    b = creer_responsable(email="mere@example.org", prenom="Julie", nom="Bernard")
    enfant = creer_enfant(a.famille, prenom="Léa", nom="Durand", date_naissance=naissance)
    Rattachement.objects.create(enfant=enfant, famille=b.famille)
    for responsable, qf in ((a, "987.65"), (b, "432.10")):
        QuotientFamilial.objects.create(
            famille=responsable.famille, valeur=Decimal(qf), source="caf", depuis=D(2026, 9, 1)
        )
    inscriptions = [
        Inscription.objects.create(
            enfant=enfant,
            famille=r.famille,
            activite=activite,
            date_debut=D(2026, 9, 1),
            date_fin=D(2027, 7, 3),
            statut=Inscription.Statut.VALIDEE,
        )
        for r in (a, b)
    ]
    return Foyers(a, b, enfant, *inscriptions)
