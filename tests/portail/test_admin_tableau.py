"""The admin home is the service's dashboard: each queue with its count and link, today's
sites, shortcuts; each role sees only what it may act on; constant queries."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from comptes.models import Facture, TacheFacturation
from comptes.services import finances
from inscriptions.models import Inscription, Site
from portail import tableau_gestion
from portail.models import Demande
from portail.roles import ADMINISTRATEUR, AGENT_ACCUEIL, DIRECTION_SITE, GESTIONNAIRE, REGISSEUR
from reservations.models import Reservation
from tests.conftest import creer_agent, creer_user
from tests.reservations.conftest import *  # noqa: F403 - horloge, cantine…
from tests.reservations.conftest import inscrire

ACCUEIL = reverse("admin:index")
D = datetime.date
ECHUE = D(2026, 11, 15)  # before today (27 November 2026)


def _facture(famille, numero, mois=1, echeance=ECHUE, montant="30.00"):
    return Facture.objects.create(
        famille=famille,
        numero=numero,
        mois=D(2025, mois, 1),
        echeance=echeance,
        montant=Decimal(montant),
        destinataire={},
    )


@pytest.fixture
def du_travail(parent, cantine):
    """Two pending changes of details, an enrolment to validate, a pre-enrolment, a failed
    invoicing run, invoices: one late and unpaid, one late but paid, one not yet due."""
    for objet in ("Nouvelle adresse", "Nouveau téléphone"):
        Demande.objects.create(famille=parent.famille, type=Demande.Type.COORDONNEES, objet=objet)
    Demande.objects.create(famille=parent.famille, type=Demande.Type.REVENUS, objet="Avis 2025")
    attente = inscrire(parent.famille, cantine, "Léa")
    attente.statut = Inscription.Statut.EN_ATTENTE
    attente.save()
    Demande.objects.create(
        famille=parent.famille,
        type=Demande.Type.INSCRIPTION,
        objet="Léa — cantine",
        inscription=attente,
    )
    pre = inscrire(parent.famille, cantine, "Tom")
    pre.statut = Inscription.Statut.PREINSCRIPTION
    pre.save()
    TacheFacturation.objects.create(mois=D(2026, 10, 1), etat=TacheFacturation.Etat.ECHEC)
    _facture(parent.famille, "F1", 1)
    payee = _facture(parent.famille, "F2", 2)
    finances.enregistrer_paiement(parent.famille, Decimal("30.00"), "cheque", facture=payee)
    _facture(parent.famille, "F3", 3, echeance=D(2026, 12, 15))
    # Today (Friday 27 November): two children at the canteen, one with an allergy.
    for prenom, allergies in (("Ana", "Gluten"), ("Rémi", "")):
        inscription = inscrire(parent.famille, cantine, prenom, allergies=allergies)
        Reservation.objects.create(
            inscription=inscription,
            enfant=inscription.enfant,
            activite=cantine,
            date=timezone.localdate(),
        )


def _files(client) -> dict[str, tuple[int, str]]:
    response = client.get(ACCUEIL)
    assert response.status_code == 200
    return {f.libelle: (f.nombre, f.url) for f in response.context["files"]}


def test_the_home_counts_each_queue_and_links_to_it(client, du_travail, site):
    client.force_login(creer_agent("chef@example.org", GESTIONNAIRE))
    files = _files(client)
    assert files["Demandes : modification de coordonnées"] == (
        2,
        reverse("admin:portail_demande_changelist") + "?type__exact=coordonnees",
    )
    assert files["Demandes : justificatif de revenus"][0] == 1
    # Enrolments wait in one place: the enrolment queue, not the requests'.
    assert "Demandes : inscription" not in files
    assert files["Inscriptions à valider"][0] == 1
    assert files["Préinscriptions petite enfance"][0] == 1
    assert files["Facturations en échec"][0] == 1
    assert files["Factures impayées après échéance"][0] == 1
    html = client.get(ACCUEIL).content.decode()
    assert "(à vérifier)" in html  # the failed run stands out
    assert "Journée de l&#x27;école (liste par site)" in html
    assert "Facturer un mois" in html
    sites = client.get(ACCUEIL).context["sites_du_jour"]
    assert [(s.nom, s.attendus, s.alertes_sante) for s in sites] == [(site.nom, 2, 1)]
    assert f"site={site.pk}" in sites[0].url_liste and sites[0].url_pointage


def test_each_role_sees_only_the_queues_it_may_act_on(client, du_travail, site):
    client.force_login(creer_agent("accueil@example.org", AGENT_ACCUEIL))
    files = _files(client)
    assert "Demandes : modification de coordonnées" in files
    assert "Demandes : justificatif de revenus" not in files  # the Régisseur's job
    assert "Inscriptions à valider" in files
    assert "Factures impayées après échéance" not in files
    html = client.get(ACCUEIL).content.decode()
    assert "Facturer un mois" not in html

    client.force_login(creer_agent("regie@example.org", REGISSEUR))
    files = _files(client)
    assert set(files) == {
        "Facturations en cours",
        "Facturations en échec",
        "Factures impayées après échéance",
    }
    assert client.get(ACCUEIL).context["sites_du_jour"] == []

    client.force_login(creer_agent("admin@example.org", ADMINISTRATEUR))
    assert _files(client) == {
        "E-mails en échec durable": (
            0,
            reverse("admin:comptes_courriel_changelist") + "?statut__exact=echec_durable",
        )
    }


def test_a_site_director_sees_today_only_on_its_sites(client, du_travail, site):
    directrice = creer_agent("directrice@example.org", DIRECTION_SITE)
    Site.objects.create(nom="École Victor Hugo").directeurs.add(directrice)
    client.force_login(directrice)
    assert _files(client) == {}
    assert client.get(ACCUEIL).context["sites_du_jour"] == []
    assert "Aucun enfant attendu aujourd'hui sur vos sites" in client.get(ACCUEIL).content.decode()
    site.directeurs.add(directrice)
    (ligne,) = client.get(ACCUEIL).context["sites_du_jour"]
    assert (ligne.nom, ligne.attendus, ligne.url_pointage) == (site.nom, 2, None)


def test_other_teams_add_a_queue_with_one_function(client, agent, monkeypatch):
    monkeypatch.setattr(tableau_gestion, "FILES", list(tableau_gestion.FILES))

    @tableau_gestion.file_de_travail
    def documents(request):
        return [tableau_gestion.File("Documents à vérifier", 4, "/gestion/documents/")]

    client.force_login(agent)
    assert _files(client)["Documents à vérifier"] == (4, "/gestion/documents/")


def test_the_home_costs_the_same_whatever_the_amount_of_work(
    client, parent, cantine, django_assert_num_queries
):
    chef = creer_user("chef@example.org", is_staff=True, is_superuser=True)
    client.force_login(chef)
    client.get(ACCUEIL)  # sessions and caches warm

    def beaucoup_de_travail(debut, fin):
        for i in range(debut, fin):
            Demande.objects.create(
                famille=parent.famille, type=Demande.Type.COORDONNEES, objet=f"d{i}"
            )
            inscription = inscrire(parent.famille, cantine, f"E{i}", allergies="Lait")
            Reservation.objects.create(
                inscription=inscription,
                enfant=inscription.enfant,
                activite=cantine,
                date=timezone.localdate(),
            )
            _facture(parent.famille, f"F{i}", i + 1)
            TacheFacturation.objects.create(mois=D(2026, i + 1, 1), etat="echec")

    beaucoup_de_travail(0, 1)
    # session, user, the dashboard's aggregates (demandes, inscriptions, facturations,
    # tâches du worker, e-mails, factures, messages, sites du jour) and the admin's
    # "recent actions".
    with django_assert_num_queries(11):
        client.get(ACCUEIL)
    beaucoup_de_travail(1, 6)
    with django_assert_num_queries(11):
        client.get(ACCUEIL)


def test_families_messages_to_read_and_late_invoices_link_to_their_filtered_lists(client, parent):
    from portail import messagerie

    _facture(parent.famille, "F-retard")  # past due, unpaid
    _facture(parent.famille, "F-future", mois=2, echeance=D(2027, 1, 15))
    messagerie.ecrire(parent, "Cantine", "reservations", "Une question.")
    messagerie.ecrire(parent, "Facture", "factures", "Une autre.")
    client.force_login(creer_agent("chef@example.org", GESTIONNAIRE))
    files = _files(client)
    nombre, url = files["Messages des familles à lire"]
    assert nombre == 2
    assert "etat=a_lire" in url
    assert client.get(url).status_code == 200
    nombre, url = files["Factures impayées après échéance"]
    assert nombre == 1
    assert "F-retard" in client.get(url).content.decode()
    assert "F-future" not in client.get(url).content.decode()
    # A role that does not read the families' messages does not see the queue.
    client.force_login(creer_agent("regie@example.org", REGISSEUR))
    assert "Messages des familles à lire" not in _files(client)
