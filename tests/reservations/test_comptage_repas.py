"""Issue 11, part 4: the kitchen's count per site, day and diet, exact against the
confirmed bookings, for the coming week (page, CSV, PDF)."""

import datetime
import io
import random
from collections import Counter

import pytest
from django.urls import reverse
from pypdf import PdfReader

from familles.models import Enfant, RegimeAlimentaire
from inscriptions.models import Activite, Site
from portail.roles import DIRECTION_SITE
from reservations import repas, services
from reservations.models import ParametresReservation, Reservation
from tests.conftest import creer_agent, creer_responsable
from tests.reservations.conftest import inscrire

D = datetime.date
Etat = Reservation.Etat
URL = reverse("admin:reservations_comptage_repas")
SEMAINE = [D(2026, 11, 30), D(2026, 12, 1), D(2026, 12, 3), D(2026, 12, 4)]


@pytest.fixture
def deux_sites(cantine, creer_activite):
    ParametresReservation.objects.filter(activite=cantine).update(places_par_jour=None)
    autre_site = Site.objects.create(nom="École Prévert")
    cantine2 = creer_activite(nom="Cantine Prévert", site=autre_site)
    ParametresReservation.objects.create(activite=cantine2, jours_ouverture=[0, 1, 3, 4])
    # Same site as the canteen: a child booked in both eats once; not a meal activity.
    soir = creer_activite(nom="Accueil du soir", type=Activite.Type.PERISCOLAIRE_SOIR)
    ParametresReservation.objects.create(activite=soir, jours_ouverture=[0, 1, 3, 4])
    return cantine, cantine2, soir


def _garnir(deux_sites):
    """Twenty children with random diets and bookings in every state."""
    cantine, cantine2, soir = deux_sites
    hasard = random.Random(11)
    regimes = [None, *RegimeAlimentaire.objects.all()]
    for i in range(20):
        famille = creer_responsable().famille
        activite = cantine if i % 3 else cantine2
        inscription = inscrire(
            famille, activite, f"E{i}", regime_alimentaire=hasard.choice(regimes)
        )
        jours = hasard.sample(SEMAINE, hasard.randint(1, 4))
        services.reserver(inscription, jours, par_le_service=True)
        if i % 4 == 0:
            services.annuler(inscription, jours[:1], par_le_service=True)
        if i % 5 == 0:
            Reservation.objects.filter(inscription=inscription, date=jours[-1]).update(
                etat=hasard.choice([Etat.DEMANDEE, Etat.ATTENTE, Etat.ABSENT, Etat.PRESENT])
            )
        if i % 6 == 0:
            autre = inscrire(famille, soir, "x")
            autre.enfant = inscription.enfant
            autre.save()
            services.reserver(autre, jours, par_le_service=True)


def _attendu() -> Counter:
    """Counted the slow way, child by child."""
    attendu = Counter()
    for r in Reservation.objects.select_related("enfant__regime_alimentaire", "activite__site"):
        if r.etat in (Etat.RESERVEE, Etat.PRESENT) and r.activite.type == "restauration":
            regime = r.enfant.regime_alimentaire
            attendu[(r.activite.site.nom, r.date, regime.nom if regime else "Standard")] += 1
    return attendu


def test_the_count_is_exact_against_the_bookings(deux_sites, django_assert_num_queries):
    _garnir(deux_sites)
    with django_assert_num_queries(2):  # grouped count, diets
        regimes, comptages = repas.compter_les_repas(SEMAINE[0], SEMAINE[-1])
    obtenu = Counter()
    for c in comptages:
        for jour, par_regime in c.jours.items():
            for regime, n in par_regime.items():
                obtenu[(c.site, jour, regime)] += n
    assert obtenu == _attendu()
    assert sum(obtenu.values()) > 20
    assert regimes[:2] == ["Standard", "Sans porc"]


def test_a_child_booked_twice_on_a_site_the_same_day_eats_once(cantine, creer_activite, parent):
    mercredi = creer_activite(nom="Mercredis", type=Activite.Type.LOISIRS_MERCREDI)
    ParametresReservation.objects.create(activite=mercredi, jours_ouverture=[0, 1, 3, 4])
    a = inscrire(parent.famille, cantine)
    b = inscrire(parent.famille, mercredi, "x")
    b.enfant = a.enfant
    b.save()
    services.reserver(a, [D(2026, 12, 3)])
    services.reserver(b, [D(2026, 12, 3)])
    _, (comptage,) = repas.compter_les_repas(D(2026, 12, 3), D(2026, 12, 3))
    assert comptage.jours[D(2026, 12, 3)] == {"Standard": 1}


def test_the_admin_page_csv_and_pdf_show_the_week(client_agent, deux_sites):
    _garnir(deux_sites)
    attendu = _attendu()
    params = {"debut": "2026-11-30", "jours": "7"}
    html = client_agent.get(URL, params).content.decode()
    assert "École Jules Ferry" in html and "École Prévert" in html
    assert "Panier repas (PAI)" in html
    lignes = client_agent.get(URL, {**params, "format": "csv"}).content.decode("utf-8-sig")
    entete, *lignes = [ligne.split(";") for ligne in lignes.splitlines()]
    assert entete[:3] == ["Site", "Date", "Standard"] and entete[-1] == "Total"
    total_csv = sum(int(ligne[-1]) for ligne in lignes)
    assert total_csv == sum(attendu.values())
    for ligne in lignes:
        site, jour = ligne[0], D.fromisoformat(ligne[1])
        for regime, n in zip(entete[2:-1], ligne[2:-1], strict=True):
            assert int(n) == attendu[(site, jour, regime)]
    pdf = client_agent.get(URL, {**params, "format": "pdf"})
    texte = PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages[0].extract_text()
    assert "Repas par site, jour et régime" in texte and "École Prévert" in texte


def test_bad_input_is_refused_in_french(client_agent, db):
    html = client_agent.get(URL, {"debut": "2026-11-30", "jours": "90"}).content.decode()
    assert "Au plus 31 jours à la fois." in html
    html = client_agent.get(URL, {"debut": "pas une date", "jours": "7"}).content.decode()
    assert "Saisissez une date valide." in html


def test_a_site_director_counts_only_their_sites(client, deux_sites):
    _garnir(deux_sites)
    directeur = creer_agent("directeur@example.org", DIRECTION_SITE)
    deux_sites[1].site.directeurs.add(directeur)
    client.force_login(directeur)
    html = client.get(URL, {"debut": "2026-11-30", "jours": "7"}).content.decode()
    assert "École Prévert" in html
    assert "École Jules Ferry" not in html


@pytest.mark.parametrize("nb", [2, 12])
def test_the_page_runs_a_constant_number_of_queries(
    client_agent, cantine, django_assert_num_queries, nb
):
    ParametresReservation.objects.filter(activite=cantine).update(places_par_jour=None)
    for i in range(nb):
        services.reserver(inscrire(creer_responsable().famille, cantine, f"E{i}"), SEMAINE)
    assert Enfant.objects.count() == nb
    # session, user, permissions (user's, groups'), grouped count, diets, the form's
    # list of sites
    with django_assert_num_queries(7):
        response = client_agent.get(URL, {"debut": "2026-11-30", "jours": "7"})
    assert f"<td><strong>{nb}</strong></td>" in response.content.decode()
