import datetime

from django.urls import reverse

from reservations.models import Reservation, SemaineType

D = datetime.date


def _url(inscription):
    return reverse("semaine_type", args=[inscription.pk])


def _donnees(**extra):
    return {
        "jours": ["0", "3"],
        "frequence": "toutes",
        "debut": "2026-11-30",
        "fin": "2026-12-24",
        **extra,
    }


def test_it_checks_ownership(client, etranger, inscription):
    client.force_login(etranger.user)
    assert client.get(_url(inscription)).status_code == 404
    assert client.post(_url(inscription), {**_donnees(), "confirmer": ""}).status_code == 404
    assert not Reservation.objects.exists()


def test_it_offers_only_the_opening_days(client_parent, inscription):
    html = client_parent.get(_url(inscription)).content.decode()
    assert 'value="0"' in html and 'value="3"' in html
    assert 'name="jours" value="2"' not in html  # no canteen on Wednesdays


def test_the_preview_shows_what_will_happen_and_writes_nothing(client_parent, inscription):
    html = client_parent.post(_url(inscription), {**_donnees(), "apercu": ""}).content.decode()
    assert "5 dates à réserver, 0 en liste d'attente, 0 déjà réservée, 3 ignorées" in html
    assert "ignoré : date limite passée le jeudi 26 novembre à 23:59" in html
    assert "ignoré : fermé (Vacances de Noël)" in html
    assert "Réserver ces jours" in html
    assert not Reservation.objects.exists()
    assert not SemaineType.objects.exists()


def test_confirming_books_and_keeps_the_pattern(client_parent, inscription):
    response = client_parent.post(_url(inscription), {**_donnees(), "confirmer": ""}, follow=True)
    html = response.content.decode()
    assert "5 jours réservés" in html
    assert "1 refusé (30/11 : date limite passée le jeudi 26 novembre à 23:59)" in html
    assert "2 jours de fermeture ignorés" in html
    assert Reservation.objects.count() == 5
    assert SemaineType.objects.get().jours == [0, 3]
    again = client_parent.get(_url(inscription)).content.decode()
    assert "Semaine type enregistrée le" in again


def test_bad_dates_are_reported_next_to_the_field(client_parent, inscription):
    response = client_parent.post(_url(inscription), {**_donnees(fin="2026-11-01"), "apercu": ""})
    assert "La date de fin doit suivre la date de début." in response.content.decode()
    response = client_parent.post(_url(inscription), {**_donnees(jours=[]), "confirmer": ""})
    assert "Cochez au moins un jour de la semaine." in response.content.decode()
    assert not Reservation.objects.exists()
