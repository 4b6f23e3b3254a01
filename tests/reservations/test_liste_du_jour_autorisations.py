"""Issue 11, part 2: the day list shows what each child may and may not do, and the
diet, at a constant number of queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from familles.models import Autorisation, RegimeAlimentaire, TypeAutorisation
from reservations import services
from tests.reservations.conftest import inscrire

D = datetime.date
LISTE = reverse("admin:reservations_liste_du_jour")


def _repondre(enfant, nom, accordee, heure=None):
    Autorisation.objects.create(
        enfant=enfant,
        type=TypeAutorisation.objects.get(nom=nom),
        accordee=accordee,
        heure=heure,
        donnee_le=timezone.now(),
    )


def test_the_day_list_says_what_each_child_may_do(client_agent, parent, cantine):
    lea = inscrire(
        parent.famille,
        cantine,
        "Léa",
        regime_alimentaire=RegimeAlimentaire.objects.get(nom="Végétarien"),
    )
    _repondre(lea.enfant, "Droit à l'image", False)
    _repondre(lea.enfant, "Sortie seul(e)", True, datetime.time(17, 30))
    services.reserver(lea, [D(2026, 12, 3)])
    params = {"activite": cantine.pk, "date": "2026-12-03"}
    html = client_agent.get(LISTE, params).content.decode()
    assert "Oui : Sortie seul(e) à partir de 17 h 30" in html
    assert "<strong>Non : Droit à l&#x27;image</strong>" in html
    assert "Sans réponse (donc non) :</strong> Soins et hospitalisation" in html
    assert "Végétarien" in html
    csv = client_agent.get(LISTE, {**params, "format": "csv"}).content.decode("utf-8-sig")
    assert "Végétarien;Sortie seul(e) à partir de 17 h 30;Droit à l'image, Soins" in csv


def test_a_revoked_answer_no_longer_counts(client_agent, parent, cantine):
    lea = inscrire(parent.famille, cantine, "Léa")
    _repondre(lea.enfant, "Droit à l'image", True)
    Autorisation.objects.update(revoquee_le=timezone.now())
    _repondre(lea.enfant, "Droit à l'image", False)
    services.reserver(lea, [D(2026, 12, 3)])
    html = client_agent.get(LISTE, {"activite": cantine.pk, "date": "2026-12-03"}).content
    assert "Oui : Droit" not in html.decode()


@pytest.mark.parametrize("nb", [1, 2])
def test_the_day_list_runs_a_constant_number_of_queries(
    client_agent, parent, cantine, django_assert_num_queries, nb
):
    for i in range(nb):
        inscription = inscrire(parent.famille, cantine, f"E{i}")
        _repondre(inscription.enfant, "Droit à l'image", True)
        services.reserver(inscription, [D(2026, 12, 3)])
    url = f"{LISTE}?activite={cantine.pk}&date=2026-12-03"
    client_agent.get(url)
    # session, user, permissions (user's, groups'), activity (the form), bookings
    # +children+diets, answers in force+types, types asked, waiting list, the form's
    # list of activities
    with django_assert_num_queries(10):
        response = client_agent.get(url)
    assert response.content.decode().count("Oui : Droit à l&#x27;image") == nb
