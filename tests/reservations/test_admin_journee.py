"""The school's day (a site's day list) and the tablet attendance page."""

import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from pypdf import PdfReader

from inscriptions.models import Activite, Site
from portail.roles import DIRECTION_SITE
from reservations import services
from reservations.models import ParametresReservation, Reservation
from tests.conftest import creer_agent
from tests.reservations.conftest import inscrire

D = datetime.date
JOURNEE = reverse("admin:reservations_journee_ecole")
POINTAGE = reverse("admin:reservations_pointage")


@pytest.fixture
def garderie(creer_activite):
    activite = creer_activite(nom="Accueil du soir", type=Activite.Type.PERISCOLAIRE_SOIR)
    ParametresReservation.objects.create(activite=activite, jours_ouverture=[0, 1, 3, 4])
    return activite


@pytest.fixture
def jour_garni(parent, cantine, garderie):
    """Thursday 3 December 2026: the canteen (two classes) and the evening care."""
    lea = inscrire(
        parent.famille,
        cantine,
        "Léa",
        classe="cp",
        allergies="Arachide",
        pai=True,
        date_naissance=D(2020, 2, 10),
    )
    hugo = inscrire(parent.famille, cantine, "Hugo", classe="ms", notes_sante="Sans porc")
    soir = inscrire(parent.famille, garderie, "Nina", classe="cp")
    for i in (lea, hugo, soir):
        services.reserver(i, [D(2026, 12, 3)])
    return lea, hugo, soir


def _journee(client, site, **extra):
    return client.get(JOURNEE, {"site": site.pk, "date": "2026-12-03", **extra})


def test_the_day_list_groups_a_site_by_activity_then_class(client_agent, site, jour_garni):
    html = _journee(client_agent, site).content.decode()
    assert "<strong>3</strong> enfants attendus" in html
    # Activities in name order, classes in school order (MS before CP).
    assert html.index("Accueil du soir") < html.index("Restauration scolaire")
    cantine = html[html.index("Restauration scolaire") :]
    assert cantine.index("Moyenne section (1)") < cantine.index("CP (1)")
    assert "Allergies :</strong> Arachide" in html and "<strong>PAI</strong>" in html
    assert "Sans porc" in html
    assert "6 ans et 9 mois" in html  # Léa, born 10 February 2020, on 3 December 2026


def test_the_day_list_shows_absences(client_agent, site, jour_garni, horloge):
    lea, _, _ = jour_garni
    horloge.move_to(datetime.datetime(2026, 12, 3, 12, tzinfo=datetime.UTC))
    services.pointer([lea.reservations.get().pk], "absent", None)
    html = _journee(client_agent, site).content.decode()
    assert "<strong>2</strong> enfants attendus, 1 absent" in html
    assert "<strong>Absent</strong>" in html


def test_the_day_list_prints_and_exports(client_agent, site, jour_garni):
    response = _journee(client_agent, site, format="pdf")
    texte = PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages[0].extract_text()
    assert "jeudi 3 décembre 2026" in texte
    assert "Accueil du soir" in texte and "Allergies : Arachide" in texte
    lignes = _journee(client_agent, site, format="csv").content.decode("utf-8-sig").splitlines()
    assert lignes[0].startswith("Date;Site;Activité;Classe;Enfant;Âge")
    assert len(lignes) == 4
    assert any("Restauration scolaire;CP;" in ligne and ";oui;" in ligne for ligne in lignes)


def test_a_site_director_sees_only_the_sites_it_directs(client, site, jour_garni):
    directrice = creer_agent("directrice@example.org", DIRECTION_SITE)
    autre = Site.objects.create(nom="École Victor Hugo")
    autre.directeurs.add(directrice)
    client.force_login(directrice)
    response = _journee(client, site)
    assert "Choisissez un de vos sites." in response.content.decode()
    assert "Arachide" not in response.content.decode()
    site.directeurs.add(directrice)
    assert "Arachide" in _journee(client, site).content.decode()
    # Read-only role: no attendance page.
    assert client.get(POINTAGE).status_code == 403


def test_the_day_list_asks_for_a_real_date(client_agent, site):
    response = client_agent.get(JOURNEE, {"site": site.pk, "date": "3 décembre"})
    assert "Choisissez un jour." in response.content.decode()
    assert 'type="date"' in response.content.decode()


# --- tablet attendance ---------------------------------------------------------------


@pytest.fixture
def le_jour_meme(horloge):
    horloge.move_to(datetime.datetime(2026, 12, 3, 11, tzinfo=datetime.UTC))


def _liste(reservation, **autre):
    """The hidden fields of the row's form: the list the page was opened for."""
    return {
        "site": reservation.activite.site_id,
        "activite": reservation.activite_id,
        "date": reservation.date.isoformat(),
        **autre,
    }


def _clic(client, reservation, etat, liste=None, **kwargs):
    donnees = {"reservation": reservation.pk, "etat": etat, **(liste or _liste(reservation))}
    return client.post(POINTAGE, donnees, **kwargs)


def test_attendance_lists_today_and_remembers_the_choice(
    client_agent, site, cantine, jour_garni, le_jour_meme
):
    html = client_agent.get(POINTAGE, {"site": site.pk, "activite": cantine.pk}).content.decode()
    assert "Restauration scolaire — École Jules Ferry — jeudi 3 décembre 2026" in html
    assert html.count('class="bouton-present"') == 2
    assert "<strong>0</strong> présent sur 2, 2 à pointer" in html
    # Back on the page later (the tablet was put away): same site and activity.
    html = client_agent.get(POINTAGE).content.decode()
    assert html.count('class="bouton-present"') == 2


def test_each_click_is_saved_with_or_without_javascript(
    client_agent, site, cantine, jour_garni, le_jour_meme
):
    lea, hugo, _ = jour_garni
    r_lea, r_hugo = lea.reservations.get(), hugo.reservations.get()
    # With the script: a JSON answer, the page stays.
    response = _clic(client_agent, r_lea, "present", headers={"X-Requested-With": "fetch"})
    assert response.json() == {"etat": "present", "libelle": "Présent", "erreurs": []}
    # Without: the same form, then back to the same list at the child's row.
    response = _clic(client_agent, r_hugo, "absent")
    assert response.status_code == 302
    assert response["Location"].endswith(f"activite={cantine.pk}#r{r_hugo.pk}")
    assert dict(Reservation.objects.values_list("pk", "etat")) == {
        r_lea.pk: "present",
        r_hugo.pk: "absent",
        jour_garni[2].reservations.get().pk: "reservee",
    }


def test_attendance_refuses_a_future_day_and_unknown_states(client_agent, jour_garni):
    reservation = jour_garni[0].reservations.get()  # 3 December; today is 27 November
    response = _clic(client_agent, reservation, "present", headers={"X-Requested-With": "fetch"})
    assert response.status_code == 400
    assert "le jour même ou après" in response.json()["erreurs"][0]
    response = _clic(client_agent, reservation, "parti", headers={"X-Requested-With": "fetch"})
    assert response.json()["erreurs"] == ["État de présence inconnu."]
    reservation.refresh_from_db()
    assert reservation.etat == "reservee"


def test_attendance_of_another_site_is_a_404(client, site, jour_garni, le_jour_meme):
    # Staff limited to their sites who may mark attendance (a role a town could set up).
    agent = creer_agent("animatrice@example.org", DIRECTION_SITE)
    agent.user_permissions.add(Permission.objects.get(codename="change_reservation"))
    Site.objects.create(nom="École Victor Hugo").directeurs.add(agent)
    client.force_login(agent)
    reservation = jour_garni[0].reservations.get()
    response = _clic(client, reservation, "present")
    assert response.status_code == 404
    reservation.refresh_from_db()
    assert reservation.etat == "reservee"
    site.directeurs.add(agent)
    _clic(client, reservation, "present")
    reservation.refresh_from_db()
    assert reservation.etat == "present"


def test_the_form_names_the_list_it_was_opened_for(
    client_agent, site, cantine, jour_garni, le_jour_meme
):
    html = client_agent.get(POINTAGE, {"site": site.pk, "activite": cantine.pk}).content.decode()
    assert f'name="site" value="{site.pk}"' in html
    assert f'name="activite" value="{cantine.pk}"' in html
    assert 'name="date" value="2026-12-03"' in html


HORS_LISTE = "pas sur la liste ouverte"


def test_a_forged_click_on_another_site_s_booking_writes_nothing(
    client_agent, site, cantine, garderie, jour_garni, le_jour_meme, creer_activite
):
    lea, _, nina = jour_garni
    r_lea, r_nina = lea.reservations.get(), nina.reservations.get()
    autre_site = Site.objects.create(nom="École Victor Hugo")
    ailleurs = creer_activite(nom="Cantine Victor Hugo", site=autre_site)
    # The tablet shows Victor Hugo's canteen; the POST names Léa, booked at Jules Ferry.
    liste = _liste(r_lea, site=autre_site.pk, activite=ailleurs.pk)
    response = _clic(client_agent, r_lea, "present", liste, headers={"X-Requested-With": "fetch"})
    assert response.status_code == 400
    assert HORS_LISTE in response.json()["erreurs"][0]
    # Without JavaScript: the same French message, back to the list.
    response = _clic(client_agent, r_lea, "present", liste, follow=True)
    assert HORS_LISTE in response.content.decode()
    # Right site, another activity (the evening care's Nina on the canteen's list).
    _clic(client_agent, r_nina, "absent", _liste(r_lea))
    # Right site and activity, another day.
    _clic(client_agent, r_lea, "absent", _liste(r_lea, date="2026-12-02"))
    # No list named at all (a hand-made POST).
    client_agent.post(POINTAGE, {"reservation": r_lea.pk, "etat": "absent"})
    assert set(Reservation.objects.values_list("etat", flat=True)) == {"reservee"}


def test_the_list_s_site_must_be_one_of_the_user_s_sites(client, site, jour_garni, le_jour_meme):
    agent = creer_agent("animatrice@example.org", DIRECTION_SITE)
    agent.user_permissions.add(Permission.objects.get(codename="change_reservation"))
    site.directeurs.add(agent)
    autre_site = Site.objects.create(nom="École Victor Hugo")
    client.force_login(agent)
    reservation = jour_garni[0].reservations.get()
    response = _clic(
        client,
        reservation,
        "present",
        _liste(reservation, site=autre_site.pk),
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 400
    assert HORS_LISTE in response.json()["erreurs"][0]
    reservation.refresh_from_db()
    assert reservation.etat == "reservee"


def test_the_month_is_picked_not_typed(client_agent):
    html = client_agent.get(reverse("admin:reservations_occupation")).content.decode()
    assert 'type="month"' in html
    assert "AAAA-MM" not in html


def test_ages_read_in_years_and_months(client_agent, creer_activite):
    from inscriptions.models import age_lisible

    assert age_lisible(D(2020, 2, 10), D(2026, 12, 3)) == "6 ans et 9 mois"
    assert age_lisible(D(2025, 12, 3), D(2026, 12, 3)) == "1 an"
    assert age_lisible(D(2026, 1, 4), D(2026, 12, 3)) == "10 mois"
    creer_activite(nom="Multi-accueil", age_minimum_mois=3, age_maximum_mois=47)
    html = client_agent.get(reverse("admin:inscriptions_activite_changelist")).content.decode()
    assert "de 3 mois à 3 ans et 11 mois" in html
