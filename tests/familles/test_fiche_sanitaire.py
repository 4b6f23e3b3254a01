"""Issue 11, part 1: the fiche sanitaire de liaison, certified by a responsable each
season, shared by the child's households."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from comptes.services.jetons import nouveau_jeton
from familles.models import FicheSanitaire, Rattachement, Vaccination
from portail.models import Demande
from tests.conftest import creer_enfant

PARIS = datetime.timezone(datetime.timedelta(hours=1))


@pytest.fixture(autouse=True)
def horloge():
    with time_machine.travel(datetime.datetime(2026, 11, 27, 10, tzinfo=PARIS), tick=False):
        yield


def _url(enfant):
    return reverse("fiche_sanitaire", args=[enfant.pk])


def _donnees(vaccinations=(), **extra):
    data = {
        "sante-allergies": "Arachide : éviction stricte, stylo d'adrénaline dans le sac.",
        "sante-pai": "on",
        "sante-notes_sante": "",
        "sante-medecin_traitant": "Dr Durand",
        "fiche-allergie_alimentaire": "on",
        "fiche-traitement": "Ventoline si crise d'asthme",
        "fiche-recommandations": "Porte des lunettes",
        "fiche-medecin_telephone": "02 40 00 00 00",
        "fiche-urgence_nom": "Jeanne Martin",
        "fiche-urgence_lien": "Grand-mère",
        "fiche-urgence_telephone": "06 11 22 33 44",
        "fiche-certifie": "on",
        "fiche-jeton": nouveau_jeton(),
        "vaccinations-TOTAL_FORMS": str(len(vaccinations)),
        "vaccinations-INITIAL_FORMS": "0",
        "vaccinations-MIN_NUM_FORMS": "0",
        "vaccinations-MAX_NUM_FORMS": "20",
    }
    for i, (vaccin, date) in enumerate(vaccinations):
        data[f"vaccinations-{i}-vaccin"] = vaccin
        data[f"vaccinations-{i}-date"] = date
        data[f"vaccinations-{i}-precision"] = ""
    data.update(extra)
    return data


def test_it_checks_ownership(client, parent, etranger):
    enfant = creer_enfant(parent.famille)
    client.force_login(etranger.user)
    assert client.get(_url(enfant)).status_code == 404
    assert client.post(_url(enfant), _donnees()).status_code == 404
    assert not FicheSanitaire.objects.exists()


def test_it_records_the_fiche_and_who_certified_it_for_the_season(client_parent, parent):
    enfant = creer_enfant(parent.famille, prenom="Léa")
    response = client_parent.post(_url(enfant), _donnees([("dtp", "2024-03-01")]))
    assert response.status_code == 302
    fiche = FicheSanitaire.objects.get(enfant=enfant)
    assert (fiche.saison_confirmee, fiche.confirmee_par) == (2026, parent)
    assert fiche.confirmee_le is not None
    assert (fiche.urgence_telephone, fiche.traitement) == (
        "06 11 22 33 44",
        "Ventoline si crise d'asthme",
    )
    enfant.refresh_from_db()
    assert enfant.pai and enfant.allergies.startswith("Arachide")
    assert [str(v) for v in Vaccination.objects.filter(enfant=enfant)] == [
        "Diphtérie, tétanos, poliomyélite (DTP) : 01/03/2024"
    ]
    demande = Demande.objects.get(type=Demande.Type.ENFANT_MODIFICATION)
    assert demande.objet == "Léa Test : fiche sanitaire certifiée pour 2026-2027"
    assert demande.demandeur == parent
    page = client_parent.get(reverse("ma_famille")).content.decode()
    assert "Certifiée pour 2026-2027" in page


def test_nothing_is_saved_without_the_certification(client_parent, parent):
    enfant = creer_enfant(parent.famille)
    donnees = _donnees([("dtp", "2024-03-01")])
    del donnees["fiche-certifie"]
    response = client_parent.post(_url(enfant), donnees)
    assert response.status_code == 200
    assert "la fiche n&#x27;est enregistrée qu&#x27;une fois certifiée" in response.content.decode()
    assert not FicheSanitaire.objects.exists() and not Vaccination.objects.exists()
    enfant.refresh_from_db()
    assert enfant.allergies == ""


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"sante-medecin_traitant": "Dr\r\nBcc: x@evil.org"}, "retour à la ligne"),
        ({"fiche-urgence_telephone": "pas un numéro"}, "téléphone"),
        ({"vaccinations-0-date": "2027-01-01"}, "ne peut pas être dans le futur"),
        ({"vaccinations-0-vaccin": "autre"}, "Précisez le vaccin"),
    ],
)
def test_bad_input_is_refused_with_a_french_message(client_parent, parent, extra, message):
    enfant = creer_enfant(parent.famille)
    response = client_parent.post(_url(enfant), _donnees([("dtp", "2024-03-01")], **extra))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not FicheSanitaire.objects.exists() and not Vaccination.objects.exists()


def test_last_seasons_certification_must_be_renewed(client_parent, parent):
    enfant = creer_enfant(parent.famille)
    with time_machine.travel(datetime.datetime(2026, 6, 10, 10, tzinfo=PARIS), tick=False):
        client_parent.post(_url(enfant), _donnees())
    assert FicheSanitaire.objects.get().saison_confirmee == 2025
    page = client_parent.get(_url(enfant)).content.decode()
    assert "certifiez-la pour la saison 2026-2027" in page
    assert "À certifier pour 2026-2027" in client_parent.get(reverse("ma_famille")).content.decode()


def test_the_other_household_of_the_child_sees_and_certifies_the_same_fiche(
    client, parent, etranger
):
    enfant = creer_enfant(parent.famille)
    Rattachement.objects.create(enfant=enfant, famille=etranger.famille)
    client.force_login(parent.user)
    client.post(_url(enfant), _donnees())
    client.force_login(etranger.user)
    page = client.get(_url(enfant)).content.decode()
    assert "Jeanne Martin" in page
    client.post(_url(enfant), _donnees(**{"fiche-urgence_nom": "Paul Autre"}))
    fiche = FicheSanitaire.objects.get()
    assert (fiche.urgence_nom, fiche.confirmee_par) == ("Paul Autre", etranger)
    # Every change is in the audit trail, with who made it.
    assert [h.history_user for h in fiche.history.order_by("history_id")] == [
        parent.user,
        etranger.user,
    ]


def test_a_vaccination_of_another_child_cannot_be_edited(client_parent, parent, etranger):
    enfant = creer_enfant(parent.famille)
    autre = creer_enfant(etranger.famille)
    vaccin = Vaccination.objects.create(enfant=autre, vaccin="dtp", date=datetime.date(2020, 1, 1))
    donnees = _donnees(
        [("ror", "2021-01-01")],
        **{"vaccinations-INITIAL_FORMS": "1", "vaccinations-0-id": str(vaccin.pk)},
    )
    client_parent.post(_url(enfant), donnees)
    vaccin.refresh_from_db()
    assert (vaccin.enfant, vaccin.vaccin) == (autre, "dtp")
    assert not Vaccination.objects.filter(enfant=enfant).exists()


@pytest.mark.parametrize("nb", [1, 5])
def test_the_page_runs_a_constant_number_of_queries(
    client_parent, parent, django_assert_num_queries, nb
):
    enfant = creer_enfant(parent.famille)
    client_parent.post(_url(enfant), _donnees([("dtp", "2024-03-01")] * nb))
    # session, user with responsable+famille (comptes/backends.py), enfant,
    # fiche+certifiée par, vaccinations
    with django_assert_num_queries(5):
        response = client_parent.get(_url(enfant))
    assert response.content.decode().count("Vaccination ") >= nb


def test_a_double_submit_adds_the_vaccinations_once(client_parent, parent):
    enfant = creer_enfant(parent.famille)
    donnees = _donnees([("dtp", "2024-03-01"), ("ror", "2019-05-02")])
    client_parent.post(_url(enfant), donnees)
    response = client_parent.post(_url(enfant), donnees, follow=True)
    assert "Cette demande a déjà été enregistrée." in response.content.decode()
    assert Vaccination.objects.filter(enfant=enfant).count() == 2
