"""Mes messages, the parents' side: write, read, answer; a stranger gets a 404."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from comptes.services.jetons import nouveau_jeton
from portail import messagerie
from portail.models import Discussion, InformationsCommune, Message, PieceJointe
from tests.conftest import creer_agent, creer_enfant

ECRIRE = reverse("ecrire_message")
LISTE = reverse("mes_messages")
PDF = b"%PDF-1.4\n%%EOF\n"


def _ecrire(client, **champs):
    donnees = {
        "objet": "Cantine de Léa",
        "categorie": "inscriptions",
        "texte": "Léa mange-t-elle jeudi ?",
        "jeton": nouveau_jeton(),
        **champs,
    }
    return client.post(ECRIRE, donnees)


@pytest.fixture
def fil(parent):
    return messagerie.ecrire(parent, "Facture d'octobre", "factures", "Une question.")


@pytest.fixture
def service(db):
    """The service's address, as staff set it in « Informations de la commune »."""
    from django.core.cache import cache

    infos = InformationsCommune(pk=1, courriel="enfance@mairie.example")
    cache.set(InformationsCommune.CLE_CACHE, infos)
    return infos


def test_it_requires_login(client, db):
    assert client.get(LISTE).status_code == 302


def test_a_parent_writes_to_the_service_with_attachments(
    client_parent, parent, service, django_capture_on_commit_callbacks, executer_taches
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _ecrire(
            client_parent,
            pieces_jointes=[
                SimpleUploadedFile("certificat.pdf", PDF),
                SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20),
            ],
        )
    discussion = Discussion.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "discussion", args=[discussion.pk]
    )
    assert discussion.famille == parent.famille and discussion.non_lu_service
    assert not discussion.non_lu_famille
    message = discussion.messages.get()
    assert message.texte == "Léa mange-t-elle jeudi ?" and not message.du_service
    noms = [p.fichier.name.rsplit("/", 1)[-1] for p in message.pieces_jointes.all()]
    assert sorted(n.rsplit(".", 1)[1] for n in noms) == ["pdf", "png"]  # random names, real types
    assert "certificat" not in "".join(noms)
    executer_taches()
    assert [m.to for m in mail.outbox] == [["enfance@mairie.example"]]
    # A link, no content: the text may speak of a child's health or of money.
    corps = mail.outbox[0].body
    assert f"/gestion/portail/discussion/{discussion.pk}/change/" in corps
    assert "Léa" not in corps and "Cantine" not in corps and "Léa" not in mail.outbox[0].subject


def test_without_a_service_address_the_agents_who_may_answer_are_told(
    client_parent, django_capture_on_commit_callbacks, executer_taches
):
    creer_agent("agent.accueil@example.org", "Agent d'accueil")
    creer_agent("regie@example.org", "Régisseur")
    with django_capture_on_commit_callbacks(execute=True):
        _ecrire(client_parent)
    executer_taches()
    assert [m.to for m in mail.outbox] == [["agent.accueil@example.org"]]


@pytest.mark.parametrize(
    "champs, erreur",
    [
        ({"objet": ""}, "Indiquez l&#x27;objet de votre message."),
        ({"categorie": "information"}, "Sélectionnez un choix valide"),
        ({"texte": "   "}, "Écrivez votre message."),
        (
            {"pieces_jointes": [SimpleUploadedFile("virus.exe", b"MZ\x90\x00")]},
            "doit être un PDF, une image JPEG ou PNG",
        ),
        (
            {"pieces_jointes": [SimpleUploadedFile(f"{i}.pdf", PDF) for i in range(4)]},
            "Joignez 3 fichiers au plus",
        ),
    ],
)
def test_bad_input_is_explained_and_nothing_is_written(client_parent, champs, erreur):
    response = _ecrire(client_parent, **champs)
    assert response.status_code == 200
    assert erreur in response.content.decode()
    assert not Discussion.objects.exists() and not PieceJointe.objects.exists()


def test_a_double_submit_writes_one_message(client_parent):
    jeton = nouveau_jeton()
    _ecrire(client_parent, jeton=jeton)
    response = _ecrire(client_parent, jeton=jeton)
    assert response.status_code == 302
    assert Message.objects.count() == 1


def test_the_service_answer_is_unread_until_the_parent_opens_it(
    client_parent, parent, coparent, fil, agent, django_capture_on_commit_callbacks, executer_taches
):
    with django_capture_on_commit_callbacks(execute=True):
        messagerie.repondre_service(fil, agent, "Voici la réponse : 12,50 € pour Léa.")
    executer_taches()
    # Both parents are told, by a link only.
    assert sorted(m.to[0] for m in mail.outbox) == ["coparent@example.org", "parent@example.org"]
    assert all("12,50" not in m.body and f"/messages/{fil.pk}/" in m.body for m in mail.outbox)
    html = client_parent.get(reverse("tableau_de_bord")).content.decode()
    assert "1 message non lu" in html
    assert 'Mes messages <span class="badge text-bg-dark">1' in html  # the menu
    html = client_parent.get(reverse("discussion", args=[fil.pk])).content.decode()
    assert "Voici la réponse : 12,50 € pour Léa." in html
    assert "Mes messages <span" not in html  # read now: no count in the menu
    fil.refresh_from_db()
    assert not fil.non_lu_famille
    assert "Aucun message non lu" in client_parent.get(LISTE).content.decode()


def test_the_other_parent_answers_in_the_same_thread(client, coparent, fil):
    client.force_login(coparent.user)
    response = client.post(
        reverse("discussion", args=[fil.pk]), {"texte": "Merci !", "jeton": nouveau_jeton()}
    )
    assert response.status_code == 302
    fil.refresh_from_db()
    assert fil.non_lu_service
    assert list(fil.messages.values_list("texte", flat=True)) == ["Une question.", "Merci !"]


def test_it_checks_ownership(client, etranger, fil):
    """A stranger's threads and attachments are a 404, as if they did not exist."""
    piece = PieceJointe(message=fil.messages.get(), nom="avis.pdf")
    piece.fichier.save("x.pdf", SimpleUploadedFile("x.pdf", PDF), save=True)
    client.force_login(etranger.user)
    assert client.get(reverse("discussion", args=[fil.pk])).status_code == 404
    reponse = client.post(
        reverse("discussion", args=[fil.pk]), {"texte": "intrus", "jeton": nouveau_jeton()}
    )
    assert reponse.status_code == 404
    assert client.get(reverse("piece_jointe", args=[piece.pk])).status_code == 404
    assert "Facture d&#x27;octobre" not in client.get(LISTE).content.decode()
    assert fil.messages.count() == 1


def test_the_household_and_staff_download_an_attachment(client, parent, fil, agent):
    piece = PieceJointe(message=fil.messages.get(), nom="avis d'imposition.pdf")
    piece.fichier.save("x.pdf", SimpleUploadedFile("x.pdf", PDF), save=True)
    url = reverse("piece_jointe", args=[piece.pk])
    for user in (parent.user, agent):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize("nb_enfants", [1, 4])
def test_pages_run_a_constant_number_of_queries(
    client_parent, parent, agent, django_assert_num_queries, nb_enfants
):
    for i in range(nb_enfants):
        creer_enfant(parent.famille, prenom=f"Enfant{i}")
        fil = messagerie.ecrire(parent, f"Question {i}", "autre", "Texte")
        messagerie.repondre_service(fil, agent, "Réponse", [SimpleUploadedFile("r.pdf", PDF)])
    # session, user with responsable and household (its unread count is a column of it,
    # comptes/backends.py), count (paginator), page of threads
    with django_assert_num_queries(4):
        response = client_parent.get(LISTE)
    assert response.content.decode().count("Non lu") == nb_enfants
    # session, user with responsable and household, thread, messages, their attachments,
    # mark read, recount the household's unread threads, read that count back for the menu
    with django_assert_num_queries(8):
        response = client_parent.get(reverse("discussion", args=[fil.pk]))
    assert response.content.decode().count("r.pdf") == 1
