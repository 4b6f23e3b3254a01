"""The household's bookings as an iCalendar feed, for phones' calendars."""

import datetime

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from reservations.models import Reservation


def agenda_famille(famille) -> bytes:
    depuis = timezone.localdate() - datetime.timedelta(days=31)
    cal = Calendar()
    cal.add("prodid", "-//Portail Famille//FR")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{settings.PORTAIL_COMMUNE} — réservations")
    reservations = (
        Reservation.objects.filter(inscription__famille=famille, date__gte=depuis)
        .filter(
            etat__in=[
                Reservation.Etat.RESERVEE,
                Reservation.Etat.DEMANDEE,
                Reservation.Etat.ATTENTE,
                Reservation.Etat.PRESENT,
            ]
        )
        .select_related("enfant", "activite__site")
        .order_by("date")
    )
    for r in reservations:
        event = Event()
        event.add("uid", f"reservation-{r.pk}@portail-famille")
        suffixe = {
            Reservation.Etat.ATTENTE: " (liste d'attente)",
            Reservation.Etat.DEMANDEE: " (à valider)",
        }.get(r.etat, "")
        event.add("summary", f"{r.enfant.prenom} : {r.activite.nom}{suffixe}")
        event.add("location", r.activite.site.nom)
        event.add("dtstart", r.date)
        event.add("dtend", r.date + datetime.timedelta(days=1))
        event.add("dtstamp", r.modifiee_le)
        cal.add_component(event)
    return cal.to_ical()
