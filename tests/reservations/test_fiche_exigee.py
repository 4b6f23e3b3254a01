"""Issue 11, part 1: an activity may require the child's fiche sanitaire certified for
the season; every booking path of the parents refuses without it, with the reason and
a link to complete it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from familles.models import FicheSanitaire
from reservations import services
from reservations.models import Reservation, SemaineType
from tests.reservations.conftest import inscrire

D = datetime.date
JOURS = [D(2026, 12, 3), D(2026, 12, 4)]


@pytest.fixture
def exigee(inscription):
    inscription.activite.fiche_sanitaire_exigee = True
    inscription.activite.save()
    return inscription


def _certifier(inscription, saison=2026):
    FicheSanitaire.objects.create(
        enfant=inscription.enfant, saison_confirmee=saison, confirmee_le=timezone.now()
    )


def _calendrier(client, inscription):
    return client.post(
        reverse("calendrier", args=[inscription.pk, 2026, 12]),
        {"affiches": ["2026-12-03"], "jours": JOURS},
        follow=True,
    )


def test_the_calendar_refuses_without_a_certified_fiche_and_links_to_it(client_parent, exigee):
    html = _calendrier(client_parent, exigee).content.decode()
    assert "La fiche sanitaire de Léa doit être certifiée pour la saison 2026-2027" in html
    assert f'href="{reverse("fiche_sanitaire", args=[exigee.enfant_id])}"' in html
    assert not Reservation.objects.exists()


def test_the_calendar_page_warns_before_any_click(client_parent, exigee):
    html = client_parent.get(reverse("calendrier", args=[exigee.pk, 2026, 12])).content.decode()
    assert "Cette activité exige la fiche sanitaire de Léa" in html
    _certifier(exigee)
    html = client_parent.get(reverse("calendrier", args=[exigee.pk, 2026, 12])).content.decode()
    assert "Cette activité exige la fiche sanitaire" not in html


def test_last_seasons_fiche_is_not_enough(client_parent, exigee):
    _certifier(exigee, saison=2025)
    _calendrier(client_parent, exigee)
    assert not Reservation.objects.exists()


def test_a_certified_fiche_opens_the_bookings(client_parent, exigee):
    _certifier(exigee)
    _calendrier(client_parent, exigee)
    assert Reservation.objects.filter(inscription=exigee).count() == 2


def test_the_semaine_type_refuses_too(client_parent, exigee):
    url = reverse("semaine_type", args=[exigee.pk])
    donnees = {"jours": ["0", "3"], "frequence": "toutes", "debut": "2026-11-30"}
    donnees["fin"] = "2026-12-24"
    for bouton in ("apercu", "confirmer"):
        html = client_parent.post(url, {**donnees, bouton: ""}).content.decode()
        assert "doit être certifiée pour la saison 2026-2027" in html
        assert reverse("fiche_sanitaire", args=[exigee.enfant_id]) in html
    assert not Reservation.objects.exists()
    assert not SemaineType.objects.exists()


def test_the_service_refuses_any_parent_path(exigee):
    with pytest.raises(services.FicheSanitaireACertifier):
        services.reserver(exigee, JOURS)
    # Cancelling stays possible, and staff booking for the family (paper fiche) too.
    bilan = services.reserver(exigee, JOURS, par_le_service=True)
    assert len(bilan.reserves) == 2
    assert len(services.annuler(exigee, JOURS[:1]).annules) == 1


def test_the_check_costs_one_query_and_only_when_required(
    client_parent, parent, etranger, cantine, django_assert_num_queries
):
    services.reserver(inscrire(etranger.famille, cantine, "Autre"), JOURS)  # days exist
    sans, avec = inscrire(parent.famille, cantine, "Sans"), inscrire(parent.famille, cantine)
    # The statements test_ruee.py pins, plus the fiche's EXISTS only when required.
    from django.db import connection as cnx
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(cnx) as sans_fiche:
        client_parent.post(
            reverse("calendrier", args=[sans.pk, 2026, 12]),
            {"affiches": ["2026-12-03"], "jours": JOURS},
        )
    cantine.fiche_sanitaire_exigee = True
    cantine.save()
    _certifier(avec)
    with CaptureQueriesContext(cnx) as avec_fiche:
        response = client_parent.post(
            reverse("calendrier", args=[avec.pk, 2026, 12]),
            {"affiches": ["2026-12-03"], "jours": JOURS},
        )

    def fiches(requetes):
        return [q for q in requetes.captured_queries if "familles_fichesanitaire" in q["sql"]]

    assert fiches(sans_fiche) == []
    assert len(fiches(avec_fiche)) == 1
    assert len(avec_fiche) <= len(sans_fiche) + 1
    assert response.status_code == 302
    assert Reservation.objects.filter(inscription__in=[sans, avec]).count() == 4
