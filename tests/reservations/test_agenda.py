import datetime

from django.urls import reverse
from icalendar import Calendar

from reservations import services
from reservations.models import FluxCalendrier
from tests.reservations.conftest import inscrire

D = datetime.date


def _creer_lien(client):
    client.post(reverse("agenda_modifier"))
    return FluxCalendrier.objects.get()


def test_a_household_gets_a_private_feed_of_its_bookings(
    client, client_parent, parent, etranger, inscription, cantine
):
    services.reserver(inscription, [D(2026, 12, 3), D(2026, 12, 4)])
    services.reserver(inscrire(etranger.famille, cantine, "Intrus"), [D(2026, 12, 3)])
    flux = _creer_lien(client_parent)
    assert flux.famille == parent.famille
    client.logout()
    response = client.get(reverse("flux_ical", args=[flux.jeton]))
    assert response["Content-Type"].startswith("text/calendar")
    evenements = list(Calendar.from_ical(response.content).walk("VEVENT"))
    assert sorted(str(e["summary"]) for e in evenements) == ["Léa : Restauration scolaire"] * 2
    assert "Intrus" not in response.content.decode()


def test_the_link_can_be_renewed_and_revoked(client, client_parent, inscription):
    ancien = _creer_lien(client_parent).jeton
    nouveau = _creer_lien(client_parent).jeton
    assert ancien != nouveau
    assert client.get(reverse("flux_ical", args=[ancien])).status_code == 404
    client_parent.post(reverse("agenda_modifier"), {"supprimer": ""})
    assert client.get(reverse("flux_ical", args=[nouveau])).status_code == 404


def test_a_guessed_token_is_a_404(client, db):
    assert client.get(reverse("flux_ical", args=["devine"])).status_code == 404
