"""Bulk inserts with their audit rows (comptes/historique.py): the COPY path that a town's
monthly invoicing takes on PostgreSQL gives the same rows as bulk_create."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from comptes.historique import creer_en_masse
from comptes.models import Facture
from tests.conftest import creer_agent

pytestmark = [pytest.mark.django_db(transaction=True)]


def _factures(famille, numeros):
    return [
        Facture(
            famille=famille,
            numero=numero,
            mois=datetime.date(2026, 10, 1),
            echeance=datetime.date(2026, 11, 15),
            montant=Decimal("12.60"),
            destinataire={"nom": famille.nom, "adresse": "1 rue d'en Haut"},
        )
        for numero in numeros
    ]


@pytest.mark.parametrize("copie", [False, True])
def test_the_rows_and_their_history_are_written_with_their_keys(parent, copie):
    agent = creer_agent("regie@example.org")
    factures = _factures(parent.famille, ["F2026-000001"])
    autre = _factures(parent.famille, ["F2026-000002"])
    autre[0].type = Facture.Type.AVOIR
    factures += autre
    creees = creer_en_masse(
        Facture, factures, par=agent, raison="Facturation de 10/2026", copie=copie
    )
    assert all(f.pk for f in creees)
    relues = {f.pk: f for f in Facture.objects.filter(pk__in=[f.pk for f in creees])}
    assert {f.numero for f in relues.values()} == {"F2026-000001", "F2026-000002"}
    assert relues[creees[0].pk].destinataire == {
        "nom": parent.famille.nom,
        "adresse": "1 rue d'en Haut",
    }
    assert relues[creees[0].pk].montant == Decimal("12.60")
    historique = Facture.history.filter(id__in=relues)
    assert sorted(
        (h.id, h.numero, h.history_type, h.history_user, h.history_change_reason)
        for h in historique
    ) == sorted((f.pk, f.numero, "+", agent, "Facturation de 10/2026") for f in creees)
    # The sequence moved past the keys taken: the next invoice saved one by one fits.
    suivante = _factures(parent.famille, ["F2026-000003"])[0]
    suivante.mois = datetime.date(2026, 11, 1)
    suivante.save()
    assert suivante.pk not in relues


@pytest.mark.postgresql
def test_a_duplicate_number_is_an_integrity_error_and_writes_nothing(parent):
    Facture.objects.bulk_create(_factures(parent.famille, ["F2026-000001"]))
    with pytest.raises(IntegrityError), transaction.atomic():
        creer_en_masse(
            Facture, _factures(parent.famille, ["F2026-000009", "F2026-000001"]), copie=True
        )
    assert list(Facture.objects.values_list("numero", flat=True)) == ["F2026-000001"]
    assert not Facture.history.filter(numero="F2026-000009").exists()
