"""Mes messages, the service's side: answer from the thread's admin page, broadcast to an
activity, a site or a day; roles; RGPD."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from comptes.models import Courriel
from comptes.services.jetons import nouveau_jeton
from inscriptions.models import Site
from portail import messagerie, rgpd
from portail.models import Diffusion, Discussion, Message, PieceJointe
from portail.roles import AGENT_ACCUEIL, DIRECTION_SITE, REGISSEUR
from tests.conftest import creer_agent, creer_responsable
from tests.finances.aide import jour
from tests.reservations.conftest import *  # noqa: F403 - frozen clock, season, canteen
from tests.reservations.conftest import inscrire

D = datetime.date
PDF = b"%PDF-1.4\n%%EOF\n"
AJOUTER_DIFFUSION = reverse("admin:portail_diffusion_add")


@pytest.fixture
def fil(parent):
    return messagerie.ecrire(parent, "Facture d'octobre", "factures", "Pourquoi 3 repas ?")


def _page(fil):
    return reverse("admin:portail_discussion_change", args=[fil.pk])


def _repondre(client, fil, texte="Bonjour, voici.", **champs):
    return client.post(
        reverse("admin:portail_discussion_repondre", args=[fil.pk]),
        {"texte": texte, "jeton": nouveau_jeton(), **champs},
    )


def test_an_agent_reads_and_answers_a_thread_in_its_admin_page(
    client, fil, django_capture_on_commit_callbacks
):
    agent = creer_agent("accueil@example.org", AGENT_ACCUEIL)
    client.force_login(agent)
    assert messagerie.nb_non_lus_service() == 1
    html = client.get(reverse("admin:portail_discussion_changelist")).content.decode()
    assert "1 à lire" in html and "Facture d&#x27;octobre" in html
    html = client.get(_page(fil)).content.decode()
    assert "Pourquoi 3 repas ?" in html and "Répondre à la famille" in html
    assert messagerie.nb_non_lus_service() == 0  # opened by an agent who may answer
    with django_capture_on_commit_callbacks(execute=True):
        response = _repondre(
            client, fil, "Il y a eu 3 repas.", piece_jointe=SimpleUploadedFile("f.pdf", PDF)
        )
    assert response.status_code == 302
    reponse = fil.messages.get(du_service=True)
    assert reponse.auteur == agent and reponse.pieces_jointes.count() == 1
    assert reponse.history.count() == 1  # audited
    fil.refresh_from_db()
    assert fil.non_lu_famille and not fil.non_lu_service
    assert Courriel.objects.filter(destinataire="parent@example.org").count() == 1


def test_an_empty_answer_is_refused_and_nothing_is_written(client_agent, fil):
    response = _repondre(client_agent, fil, "")
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Écrivez la réponse avant de l'envoyer."]
    assert fil.messages.count() == 1
    assert not Courriel.objects.filter(destinataire="parent@example.org").exists()


def test_a_double_submit_answers_once(client_agent, fil):
    jeton = nouveau_jeton()
    for _ in range(2):
        client_agent.post(
            reverse("admin:portail_discussion_repondre", args=[fil.pk]),
            {"texte": "Réponse", "jeton": jeton},
        )
    assert fil.messages.filter(du_service=True).count() == 1


@pytest.mark.parametrize("role", [REGISSEUR, DIRECTION_SITE])
def test_roles_without_messages_neither_read_nor_answer(client, fil, role):
    client.force_login(creer_agent("autre@example.org", role))
    assert client.get(_page(fil)).status_code == 403
    _repondre(client, fil)
    assert fil.messages.count() == 1
    fil.refresh_from_db()
    assert fil.non_lu_service


# --- broadcasts -----------------------------------------------------------------------


@pytest.fixture
def ecoles(parent, etranger, cantine, creer_activite):
    """Léa eats at Jules Ferry (booked on 3 December), Nour at Jean Macé."""
    mace = creer_activite(nom="Cantine Macé", site=Site.objects.create(nom="École Jean Macé"))
    lea = inscrire(parent.famille, cantine, "Léa")
    nour = inscrire(etranger.famille, mace, "Nour")
    jour(lea, D(2026, 12, 3), "reservee")
    return lea, nour


def _diffuser(client, **champs):
    donnees = {
        "objet": "Sortie annulée",
        "texte": "La sortie de demain est annulée.",
        "jeton": nouveau_jeton(),
        **champs,
    }
    return client.post(AJOUTER_DIFFUSION, donnees)


@pytest.mark.parametrize(
    "cible, familles",
    [
        ("activite", ["parent"]),
        ("site_mace", ["etranger"]),
        ("jour", ["parent"]),
    ],
)
def test_a_broadcast_reaches_the_households_of_an_activity_site_or_day(
    client_agent, parent, coparent, etranger, ecoles, cible, familles
):
    lea, nour = ecoles
    champs = {
        "activite": {"activite": lea.activite_id},
        "site_mace": {"site": nour.activite.site_id},
        "jour": {"jour": "03/12/2026"},
    }[cible]
    response = _diffuser(client_agent, **champs)
    assert response.status_code == 302, response.content.decode()[:3000]
    foyers = {"parent": parent.famille_id, "etranger": etranger.famille_id}
    attendus = {foyers[f] for f in familles}
    assert set(Discussion.objects.values_list("famille_id", flat=True)) == attendus
    assert Discussion.objects.filter(non_lu_famille=True).count() == len(attendus)
    assert Message.objects.filter(du_service=True, texte__contains="annulée").count() == len(
        attendus
    )
    diffusion = Diffusion.objects.get()
    assert diffusion.nb_familles == len(attendus) and diffusion.history.count() == 1
    # One e-mail per parent of those households, without the text.
    adresses = set(Courriel.objects.values_list("destinataire", flat=True))
    if "parent" in familles:
        assert {"parent@example.org", "coparent@example.org"} <= adresses
    assert ("etranger@example.org" in adresses) == ("etranger" in familles)
    assert not Courriel.objects.filter(corps__contains="annulée").exists()


def test_a_broadcast_without_target_or_families_is_refused(client_agent, ecoles):
    html = _diffuser(client_agent).content.decode()
    assert "Choisissez une activité, un site ou un jour" in html
    html = _diffuser(client_agent, jour="04/12/2026").content.decode()
    assert "Aucune famille ne correspond à ce choix" in html
    assert not Diffusion.objects.exists() and not Discussion.objects.exists()


@pytest.mark.parametrize("nb_familles", [1, 6])
def test_a_broadcast_costs_the_same_queries_whatever_the_number_of_households(
    cantine, agent, django_assert_num_queries, nb_familles
):
    for i in range(nb_familles):
        responsable = creer_responsable()
        creer_responsable(famille=responsable.famille)
        inscrire(responsable.famille, cantine, f"Enfant{i}")
    # savepoint, families, diffusion + its history, threads, messages, households' unread
    # counts, parents' e-mails, e-mails insert, release
    with django_assert_num_queries(10):
        messagerie.diffuser(
            Diffusion(objet="Fermé", texte="Fermé demain.", activite=cantine), agent
        )
    assert Courriel.objects.count() == 2 * nb_familles
    assert Discussion.objects.count() == nb_familles


def test_the_parent_reads_a_broadcast_in_its_messages(client_parent, parent, agent, ecoles):
    lea, _ = ecoles
    messagerie.diffuser(
        Diffusion(objet="Sortie annulée", texte="Demain, pas de sortie.", activite=lea.activite),
        agent,
    )
    html = client_parent.get(reverse("mes_messages")).content.decode()
    assert "Sortie annulée" in html and "Information du service" in html
    # The menu's count is the household's own column, recounted from the threads.
    parent.famille.refresh_from_db()
    assert parent.famille.messages_non_lus == 1
    assert 'Mes messages <span class="badge text-bg-dark">1' in html
    fil = Discussion.objects.get(famille=parent.famille)
    html = client_parent.get(reverse("discussion", args=[fil.pk])).content.decode()
    assert "Mes messages <span" not in html
    parent.famille.refresh_from_db()
    assert parent.famille.messages_non_lus == 0


# --- RGPD -----------------------------------------------------------------------------


def _piece(fil):
    piece = PieceJointe(message=fil.messages.first(), nom="avis.pdf")
    piece.fichier.save("x.pdf", SimpleUploadedFile("x.pdf", PDF), save=True)
    return piece


def test_threads_are_in_the_household_export_only(parent, etranger, fil, agent):
    messagerie.repondre_service(fil, agent, "Réponse du service")
    _piece(fil)
    messagerie.ecrire(etranger, "Question d'un autre", "autre", "Autre foyer")
    sections = {s["titre"]: s for s in rgpd.donnees_du_foyer(parent.famille)["sections"]}
    assert [d["objet"] for d in sections["Messages"]["elements"]] == ["Facture d'octobre"]
    textes = [m["texte"] for m in sections["Messages échangés avec le service"]["elements"]]
    assert textes == ["Pourquoi 3 repas ?", "Réponse du service"]
    assert "auteur" not in sections["Messages échangés avec le service"]["elements"][0]
    assert [p["nom"] for p in sections["Pièces jointes aux messages"]["elements"]] == ["avis.pdf"]


def test_closing_the_account_erases_threads_files_and_their_history(
    parent, fil, agent, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    messagerie.repondre_service(fil, agent, "Réponse")
    nom = _piece(fil).fichier.name
    with django_capture_on_commit_callbacks(execute=True):
        rgpd.anonymiser_famille(parent.famille)
    assert not Discussion.objects.exists() and not Message.objects.exists()
    assert not Message.history.exists() and not Discussion.history.exists()
    assert not default_storage.exists(nom)


def test_threads_are_purged_after_their_retention_period(
    parent, etranger, agent, horloge, django_capture_on_commit_callbacks
):
    ancien = messagerie.ecrire(parent, "Ancien", "autre", "Vieux message")
    horloge.shift(datetime.timedelta(days=800))
    etranger.user.last_login = datetime.datetime.now(datetime.UTC)
    etranger.user.save()
    recent = messagerie.ecrire(etranger, "Récent", "autre", "Nouveau message")
    with django_capture_on_commit_callbacks(execute=True):
        compte = rgpd.purger()
    assert compte["messages"] == 1
    assert list(Discussion.objects.all()) == [recent]
    assert not Discussion.objects.filter(pk=ancien.pk).exists()
