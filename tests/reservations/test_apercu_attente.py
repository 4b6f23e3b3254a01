"""The semaine type preview says what booking will do: never "sera réservé" for a day
that goes to the waiting list."""

import datetime
import re

from django.urls import reverse

from reservations import services
from reservations.models import Reservation
from tests.reservations.conftest import inscrire

D = datetime.date
Etat = Reservation.Etat


def _apercu(client, inscription) -> dict[str, str]:
    html = client.post(
        reverse("semaine_type", args=[inscription.pk]),
        {
            "jours": ["3"],  # Thursdays: 3, 10 and 17 December
            "frequence": "toutes",
            "debut": "2026-12-01",
            "fin": "2026-12-18",
            "apercu": "",
        },
    ).content.decode()
    lignes = re.findall(
        r'<td data-label="Date">([^<]+)</td>\s*<td data-label="Résultat">([^<]+)<', html
    )
    return dict(lignes), html


def test_a_full_day_and_a_day_with_a_queue_are_announced_as_waiting_list(
    client_parent, parent, cantine, inscription
):
    # 3 December: both places taken and one child already waiting.
    for prenom in ("Un", "Deux", "Trois"):
        services.reserver(inscrire(parent.famille, cantine, prenom), [D(2026, 12, 3)])
    # 10 December: a place is free, but a child waits for it (staff raised the capacity,
    # say): newcomers never jump the queue.
    autre = inscrire(parent.famille, cantine, "Quatre")
    Reservation.objects.create(
        inscription=autre,
        enfant=autre.enfant,
        activite=cantine,
        date=D(2026, 12, 10),
        etat=Etat.ATTENTE,
        rang_attente=1,
    )
    resultats, html = _apercu(client_parent, inscription)
    assert resultats["jeudi 10 décembre 2026"] == "ira en liste d'attente (rang estimé 2)"
    assert resultats["jeudi 3 décembre 2026"] == "ira en liste d'attente (rang estimé 2)"
    assert resultats["jeudi 17 décembre 2026"] == "sera réservé"
    assert "1 date à réserver, 2 en liste d'attente" in html
    # What the booking then does is what the preview said.
    services.appliquer_semaine_type(inscription, [3], "toutes", D(2026, 12, 1), D(2026, 12, 18))
    etats = dict(Reservation.objects.filter(inscription=inscription).values_list("date", "etat"))
    assert etats == {
        D(2026, 12, 3): Etat.ATTENTE,
        D(2026, 12, 10): Etat.ATTENTE,
        D(2026, 12, 17): Etat.RESERVEE,
    }


def test_days_needing_staff_validation_are_not_announced_as_booked(
    client_parent, cantine, inscription
):
    cantine.parametres_reservation.validation_requise = True
    cantine.parametres_reservation.save()
    resultats, html = _apercu(client_parent, inscription)
    assert resultats["jeudi 17 décembre 2026"] == "sera demandé (validation par le service)"
    assert "sera réservé" not in html
