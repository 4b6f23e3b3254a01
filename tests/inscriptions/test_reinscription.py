"""Réinscription (issue 13 part 5): the campaign, the household's single submit, and the
staff's validation in bulk by activity within the capacity."""

import datetime
import io

import pytest
from django.urls import reverse

from comptes.services import jetons
from familles.models import Enfant
from inscriptions import reinscription
from inscriptions.models import (
    Activite,
    CampagneReinscription,
    CorrespondanceActivite,
    Inscription,
    Periode,
    Reinscription,
)
from portail.models import Demande
from tests.conftest import creer_enfant, creer_responsable
from tests.inscriptions.conftest import PARIS


@pytest.fixture
def saison_suivante(db) -> Periode:
    return Periode.objects.create(
        nom="Année scolaire 2027-2028",
        debut=datetime.date(2027, 9, 1),
        fin=datetime.date(2028, 7, 1),
    )


@pytest.fixture
def campagne(saison_suivante, creer_activite, site):
    """Restauration → Restauration 2027-2028 (capacity 1), Soir → Soir 2027-2028."""
    fenetre = {
        "periode": saison_suivante,
        "ouverture_inscriptions": datetime.datetime(2026, 11, 1, tzinfo=PARIS),
        "fermeture_inscriptions": datetime.datetime(2027, 6, 1, tzinfo=PARIS),
    }
    campagne = CampagneReinscription.objects.create(
        periode=saison_suivante,
        ouverture=datetime.datetime(2026, 11, 15, tzinfo=PARIS),
        fermeture=datetime.datetime(2026, 12, 15, tzinfo=PARIS),
    )
    paires = [
        (creer_activite(), creer_activite(nom="Cantine 2027", capacite=1, **fenetre)),
        (
            creer_activite(nom="Soir", type=Activite.Type.PERISCOLAIRE_SOIR),
            creer_activite(
                nom="Soir 2027",
                type=Activite.Type.PERISCOLAIRE_SOIR,
                validation=Activite.Validation.AUTOMATIQUE,
                **fenetre,
            ),
        ),
    ]
    for actuelle, suivante in paires:
        CorrespondanceActivite.objects.create(
            campagne=campagne, activite_actuelle=actuelle, activite_suivante=suivante
        )
    return campagne


def _inscrire(enfant, famille, activite, statut=Inscription.Statut.VALIDEE):
    return Inscription.objects.create(
        enfant=enfant,
        famille=famille,
        activite=activite,
        date_debut=activite.periode.debut,
        date_fin=activite.periode.fin,
        statut=statut,
    )


@pytest.fixture
def enfant(parent, campagne):
    enfant = creer_enfant(parent.famille, classe="cp", ecole="École Jules Ferry")
    cantine = campagne.correspondances.get(activite_suivante__nom="Cantine 2027")
    _inscrire(enfant, parent.famille, cantine.activite_actuelle)
    return enfant


def _url(enfant):
    return reverse("reinscrire", args=[enfant.pk])


def _poster(client, enfant, activites, fiche=True, jeton=None):
    donnees = {"jeton": jeton or jetons.nouveau_jeton(), "activites": [a.pk for a in activites]}
    if fiche:
        donnees["fiche_a_jour"] = "on"
    return client.post(_url(enfant), donnees)


def test_the_class_moves_up(client_parent, enfant, campagne, parent):
    html = client_parent.get(_url(enfant)).content.decode()
    assert "Réinscrire Zoé pour 2027-2028" in html
    assert "CE1" in html and "cette année : CP" in html
    enfant.classe = "cm2"
    assert reinscription.classe_suivante(enfant, campagne) == "college"


def test_this_years_activities_are_preselected_through_the_mapping(client_parent, enfant, campagne):
    form = client_parent.get(_url(enfant)).context["form"]
    suivantes = Activite.objects.filter(periode=campagne.periode)
    cantine = suivantes.get(nom="Cantine 2027")
    assert form.initial["activites"] == [str(cantine.pk)]
    assert {int(pk) for pk, _ in form.fields["activites"].choices} == {a.pk for a in suivantes}


def test_mes_inscriptions_offers_it_during_the_campaign(client_parent, enfant, horloge):
    url = reverse("mes_inscriptions")
    assert "Réinscrire pour 2027-2028" in client_parent.get(url).content.decode()
    horloge.move_to(datetime.datetime(2026, 12, 16, tzinfo=PARIS))
    assert "Réinscrire pour" not in client_parent.get(url).content.decode()


def test_submit_creates_waiting_inscriptions_once(client_parent, enfant, campagne, parent):
    suivantes = list(Activite.objects.filter(periode=campagne.periode).order_by("nom"))
    jeton = jetons.nouveau_jeton()
    response = _poster(client_parent, enfant, suivantes, jeton=jeton)
    assert response.status_code == 302
    nouvelles = Inscription.objects.filter(activite__periode=campagne.periode)
    # Even the automatic activity waits: staff validate the campaign by activity.
    assert sorted(nouvelles.values_list("statut", flat=True)) == ["en_attente", "en_attente"]
    assert Reinscription.objects.get().classe == "ce1"
    # One request for the submit, listing the activities, shared by both enrolments.
    demande = Demande.objects.get(famille=parent.famille)
    assert demande.type == Demande.Type.INSCRIPTION and demande.est_en_attente
    assert demande.objet == (
        "Réinscription 2027-2028 — Zoé Test : Cantine 2027 (École Jules Ferry), "
        "Soir 2027 (École Jules Ferry)"
    )
    assert set(demande.inscriptions_groupees.all()) == set(nouvelles)
    assert demande.reponse == "En attente : Cantine 2027, Soir 2027."
    # The same form again (double click), then a fresh one: nothing more.
    _poster(client_parent, enfant, suivantes, jeton=jeton)
    response = _poster(client_parent, enfant, suivantes)
    assert nouvelles.count() == 2
    assert Reinscription.objects.count() == 1
    assert Demande.objects.filter(famille=parent.famille).count() == 1
    assert "Réinscription envoyée le" in client_parent.get(_url(enfant)).content.decode()


def test_it_requires_the_fiche_confirmation(client_parent, enfant, campagne):
    suivante = Activite.objects.filter(periode=campagne.periode).first()
    response = _poster(client_parent, enfant, [suivante], fiche=False)
    assert response.status_code == 200
    assert "Confirmez que la fiche sanitaire" in response.content.decode()
    assert not Inscription.objects.filter(activite=suivante).exists()


def test_an_activity_outside_the_campaign_is_refused(client_parent, enfant, creer_activite):
    autre = creer_activite(nom="Hors campagne")
    response = _poster(client_parent, enfant, [autre])
    assert response.status_code == 200
    assert not Inscription.objects.filter(activite=autre).exists()
    assert not Reinscription.objects.exists()


def test_a_rule_failing_keeps_nothing(parent, enfant, campagne):
    suivantes = list(Activite.objects.filter(periode=campagne.periode).order_by("nom"))
    suivantes[1].fermeture_inscriptions = datetime.datetime(2026, 11, 20, tzinfo=PARIS)
    suivantes[1].save()
    with pytest.raises(reinscription.ReinscriptionError, match="closes"):
        reinscription.reinscrire(parent, campagne, enfant, suivantes, True)
    assert not Inscription.objects.filter(activite__periode=campagne.periode).exists()
    assert not Reinscription.objects.exists()


def test_it_checks_ownership(client, etranger, enfant):
    client.force_login(etranger.user)
    assert client.get(_url(enfant)).status_code == 404


def test_bulk_validation_respects_capacity(client_agent, parent, enfant, campagne):
    cantine = Activite.objects.get(nom="Cantine 2027")
    second = creer_enfant(parent.famille, prenom="Léo", classe="ce2")
    autre_foyer = creer_responsable(email="autre@example.org")
    troisieme = creer_enfant(autre_foyer.famille, prenom="Inès", classe="gs")
    reinscription.reinscrire(parent, campagne, enfant, [cantine], True)
    reinscription.reinscrire(parent, campagne, second, [cantine], True)
    reinscription.reinscrire(autre_foyer, campagne, troisieme, [cantine], True)
    url = reverse("admin:inscriptions_campagnereinscription_valider", args=[campagne.pk])
    html = client_agent.get(url).content.decode()
    assert "0 / 1" in html
    response = client_agent.post(url, {"activite": cantine.pk}, follow=True)
    assert "Cantine 2027 : 1 réinscription validée." in response.content.decode()
    assert "2 réinscriptions restent en attente" in response.content.decode()
    statuts = dict(
        Inscription.objects.filter(activite=cantine).values_list("enfant__prenom", "statut")
    )
    assert statuts == {"Zoé": "validee", "Léo": "en_attente", "Inès": "en_attente"}
    assert "1 / 1" in client_agent.get(url).content.decode()


def test_a_reader_cannot_validate(client, campagne):
    from portail.roles import DIRECTION_SITE
    from tests.conftest import creer_agent

    client.force_login(creer_agent("direction@example.org", DIRECTION_SITE))
    url = reverse("admin:inscriptions_campagnereinscription_valider", args=[campagne.pk])
    assert client.post(url, {"activite": 1}).status_code in (403, 302)
    assert not Inscription.objects.filter(statut="validee", activite__periode=campagne.periode)


def test_the_single_request_follows_the_bulk_decisions_and_closes_with_the_last(
    client_agent, parent, enfant, campagne, agent
):
    from inscriptions import services

    cantine = Activite.objects.get(nom="Cantine 2027")
    soir = Activite.objects.get(nom="Soir 2027")
    reinscription.reinscrire(parent, campagne, enfant, [cantine, soir], True)
    demande = Demande.objects.get(famille=parent.famille)
    # Not in the requests' queue (one queue per job); listed with all requests, it sends
    # staff to the enrolments of this request.
    demandes = reverse("admin:portail_demande_changelist")
    assert "Réinscription 2027-2028" not in client_agent.get(demandes).content.decode()
    file = client_agent.get(demandes, {"statut": "toutes"}).content.decode()
    liste = reverse("admin:inscriptions_inscription_changelist")
    assert f"{liste}?demande_groupee__id__exact={demande.pk}" in file
    filtre = client_agent.get(liste, {"demande_groupee__id__exact": demande.pk})
    assert filtre.status_code == 200 and "Cantine 2027" in filtre.content.decode()
    # Validated by activity: the request shows the partial decision and stays pending.
    url = reverse("admin:inscriptions_campagnereinscription_valider", args=[campagne.pk])
    client_agent.post(url, {"activite": cantine.pk})
    demande.refresh_from_db()
    assert demande.est_en_attente
    assert demande.reponse == "Validée : Cantine 2027. En attente : Soir 2027."
    tableau = reverse("tableau_de_bord")
    client_agent.logout()
    client_agent.force_login(parent.user)
    assert (
        "Validée : Cantine 2027. En attente : Soir 2027."
        in client_agent.get(tableau).content.decode()
    )
    # Accepting it whole from the requests' queue is not possible: one activity at a time.
    with pytest.raises(services.InscriptionError, match="activité par activité"):
        services.accepter_depuis_demande(demande, agent)
    soir_inscription = Inscription.objects.get(activite=soir)
    services.refuser_inscription(soir_inscription.pk, agent, "Complet le soir")
    demande.refresh_from_db()
    assert demande.statut == Demande.Statut.ACCEPTEE and demande.traitee_par == agent
    assert demande.reponse == "Validée : Cantine 2027. Refusée : Soir 2027 (Complet le soir)."


def test_a_request_all_refused_or_withdrawn_closes_so(parent, enfant, campagne, agent):
    from inscriptions import services

    cantine = Activite.objects.get(nom="Cantine 2027")
    soir = Activite.objects.get(nom="Soir 2027")
    reinscription.reinscrire(parent, campagne, enfant, [cantine, soir], True)
    demande = Demande.objects.get(famille=parent.famille)
    services.retirer_demande(parent, Inscription.objects.get(activite=cantine))
    demande.refresh_from_db()
    assert demande.est_en_attente and demande.reponse.startswith("Retirée : Cantine 2027.")
    services.retirer_demande(parent, Inscription.objects.get(activite=soir))
    demande.refresh_from_db()
    assert demande.statut == Demande.Statut.ANNULEE

    second = creer_enfant(parent.famille, prenom="Léo", classe="ce2")
    reinscription.reinscrire(parent, campagne, second, [soir], True)
    demande = Demande.objects.get(famille=parent.famille, statut=Demande.Statut.EN_ATTENTE)
    services.refuser_inscription(
        Inscription.objects.get(enfant=second).pk, agent, "Dossier incomplet"
    )
    demande.refresh_from_db()
    assert demande.statut == Demande.Statut.REFUSEE


# --- rentrée: the class moves up once the new season starts -----------------------------


def test_the_class_moves_up_at_the_start_of_the_season_once(
    parent, enfant, campagne, agent, horloge
):
    from django.core.management import call_command

    from inscriptions import services

    cantine = Activite.objects.get(nom="Cantine 2027")
    soir = Activite.objects.get(nom="Soir 2027")
    cm2 = creer_enfant(parent.famille, prenom="Jade", classe="cm2")
    attente = creer_enfant(parent.famille, prenom="Léo", classe="ce2")
    reinscription.reinscrire(parent, campagne, enfant, [cantine], True)
    reinscription.reinscrire(parent, campagne, cm2, [soir], True)
    reinscription.reinscrire(parent, campagne, attente, [soir], True)
    for prenom in ("Zoé", "Jade"):
        services.valider_inscription(
            Inscription.objects.get(enfant__prenom=prenom, activite__periode=campagne.periode).pk,
            agent,
        )

    call_command("rentree", stdout=io.StringIO())  # still this season: nothing moves
    enfant.refresh_from_db()
    assert enfant.classe == "cp"

    horloge.move_to(datetime.datetime(2027, 9, 1, 6, tzinfo=PARIS))
    sortie = io.StringIO()
    call_command("rentree", stdout=sortie)
    assert sortie.getvalue().strip() == "2 classes passées."
    classes = dict(
        Enfant.objects.filter(rattachements__famille=parent.famille).values_list("prenom", "classe")
    )
    assert classes == {"Zoé": "ce1", "Jade": "college", "Léo": "ce2"}  # Léo: not validated
    derniere = Enfant.objects.get(prenom="Zoé").history.first()
    assert derniere.history_change_reason == "Rentrée 2027-2028 : CP → CE1"

    # Run again (the next day's cron): nobody moves twice.
    sortie = io.StringIO()
    call_command("rentree", stdout=sortie)
    assert sortie.getvalue().strip() == "0 classe passée."
    assert Enfant.objects.get(prenom="Zoé").classe == "ce1"
    # Validated late: moved up by the next run.
    services.valider_inscription(
        Inscription.objects.get(enfant__prenom="Léo", activite__periode=campagne.periode).pk, agent
    )
    call_command("rentree", stdout=io.StringIO())
    assert Enfant.objects.get(prenom="Léo").classe == "cm1"


def test_staff_move_the_classes_up_from_the_campaign_page(
    client, client_agent, parent, enfant, campagne, agent, horloge
):
    from inscriptions import services
    from portail.roles import DIRECTION_SITE
    from tests.conftest import creer_agent

    reinscription.reinscrire(
        parent, campagne, enfant, [Activite.objects.get(nom="Cantine 2027")], True
    )
    services.valider_inscription(
        Inscription.objects.get(activite__periode=campagne.periode).pk, agent
    )
    url = reverse("admin:inscriptions_campagnereinscription_valider", args=[campagne.pk])
    assert "Passer les classes maintenant" not in client_agent.get(url).content.decode()
    response = client_agent.post(url, {"rentree": "1"}, follow=True)
    assert "La saison 2027-2028 n&#x27;a pas commencé" in response.content.decode()
    enfant.refresh_from_db()
    assert enfant.classe == "cp"

    horloge.move_to(datetime.datetime(2027, 9, 2, 9, tzinfo=PARIS))
    client_agent.force_login(agent)  # the session of last November has expired
    assert "Passer les classes maintenant" in client_agent.get(url).content.decode()
    response = client_agent.post(url, {"rentree": "1"}, follow=True)
    assert "Rentrée : 1 enfant a changé de classe." in response.content.decode()
    enfant.refresh_from_db()
    assert enfant.classe == "ce1"
    assert enfant.history.first().history_user == agent

    directrice = creer_agent("direction2@example.org", DIRECTION_SITE)
    client.force_login(directrice)
    assert client.post(url, {"rentree": "1"}).status_code in (302, 403)


def test_a_child_of_two_households_moves_up_once(parent, enfant, campagne, agent, horloge):
    from familles.models import Rattachement
    from inscriptions import services

    autre_foyer = creer_responsable(email="autre@example.org")
    Rattachement.objects.create(enfant=enfant, famille=autre_foyer.famille)
    reinscription.reinscrire(
        parent, campagne, enfant, [Activite.objects.get(nom="Cantine 2027")], True
    )
    reinscription.reinscrire(
        autre_foyer, campagne, enfant, [Activite.objects.get(nom="Soir 2027")], True
    )
    for inscription in Inscription.objects.filter(activite__periode=campagne.periode):
        services.valider_inscription(inscription.pk, agent)

    horloge.move_to(datetime.datetime(2027, 9, 1, 6, tzinfo=PARIS))
    assert reinscription.rentree() == 1
    enfant.refresh_from_db()
    assert enfant.classe == "ce1"  # not CE2: one move for the two households' submits
    assert not Reinscription.objects.filter(rentree_le__isnull=True).exists()
    assert enfant.history.filter(history_change_reason__startswith="Rentrée").count() == 1


def test_the_open_campaign_is_read_by_the_prepared_query_at_each_moment(campagne):
    """Compiled once per process, read for each moment: not kept from one call to the next."""
    autre = CampagneReinscription.objects.create(
        periode=Periode.objects.create(
            nom="Année scolaire 2028-2029",
            debut=datetime.date(2028, 9, 1),
            fin=datetime.date(2029, 7, 1),
        ),
        ouverture=datetime.datetime(2026, 12, 1, tzinfo=PARIS),
        fermeture=datetime.datetime(2027, 1, 15, tzinfo=PARIS),
    )
    for moment, attendue in (
        (datetime.datetime(2026, 11, 14, 23, 59, tzinfo=PARIS), None),
        (datetime.datetime(2026, 11, 15, tzinfo=PARIS), campagne),  # ouverture included
        (datetime.datetime(2026, 12, 2, tzinfo=PARIS), campagne),  # the earlier season first
        (datetime.datetime(2026, 12, 15, tzinfo=PARIS), autre),  # fermeture excluded
        (datetime.datetime(2027, 1, 15, tzinfo=PARIS), None),
    ):
        trouvee = reinscription.campagne_ouverte(moment)
        assert trouvee == attendue
        if trouvee is not None:
            assert trouvee.periode.debut == attendue.periode.debut  # (read with it)
