"""Two agents invoicing the same month at once (PostgreSQL, real threads)."""

import datetime
import threading

import pytest
from django.db import connection

from comptes.errors import DomainError
from comptes.models import Facture
from comptes.services import finances
from tests.conftest import creer_responsable
from tests.finances.aide import jour, tarif
from tests.reservations.conftest import inscrire

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def test_two_runs_at_once_make_one_set_of_invoices_with_gapless_numbers(cantine):
    tarif(cantine)
    for i in range(6):
        inscription = inscrire(creer_responsable().famille, cantine, f"E{i}")
        jour(inscription, datetime.date(2026, 10, 1))
    depart = threading.Barrier(2)
    resultats = []

    def facturer():
        try:
            depart.wait()
            resultats.append(finances.facturer_mois(datetime.date(2026, 10, 1))["factures"])
        except DomainError as exc:
            resultats.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=facturer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(resultats, key=str) == [0, 6]
    numeros = sorted(Facture.objects.values_list("numero", flat=True))
    assert numeros == [f"F2026-{n:06d}" for n in range(1, 7)]
