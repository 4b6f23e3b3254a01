"""Bookings are sets of days: the calendar or the semaine type sent twice books each day
once and writes one line in the household's timeline."""

import datetime

from django.urls import reverse

from portail.models import Demande
from reservations.models import Reservation

D = datetime.date


def test_the_calendar_sent_twice_books_once(client_parent, inscription):
    url = reverse("calendrier", args=[inscription.pk, 2026, 12])
    donnees = {"jours": ["2026-12-03", "2026-12-04"], "affiches": ["2026-12-03", "2026-12-04"]}
    client_parent.post(url, donnees)
    response = client_parent.post(url, donnees, follow=True)
    assert "Aucun changement : 2 jours déjà réservés." in response.content.decode()
    assert Reservation.objects.actives().count() == 2
    assert Demande.objects.filter(type=Demande.Type.RESERVATION).count() == 1


def test_the_semaine_type_confirmed_twice_books_once(client_parent, inscription):
    url = reverse("semaine_type", args=[inscription.pk])
    donnees = {
        "jours": ["0", "3"],
        "frequence": "toutes",
        "debut": "2026-12-01",
        "fin": "2026-12-18",
        "confirmer": "",
    }
    client_parent.post(url, donnees)
    response = client_parent.post(url, donnees, follow=True)
    assert "déjà réservé" in response.content.decode()
    assert Reservation.objects.actives().count() == 5
    assert Demande.objects.filter(type=Demande.Type.RESERVATION).count() == 1
