from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.urls import reverse

from comptes.models import Courriel
from familles.services import demander_modification_coordonnees
from portail.models import Demande

URL = reverse("admin:portail_demande_changelist")


def _demande_adresse(responsable, adresse="9 rue Neuve"):
    valeurs = {c: getattr(responsable, c) for c in responsable.CHAMPS_COORDONNEES}
    return demander_modification_coordonnees(responsable, {**valeurs, "adresse": adresse})


def test_parents_cannot_reach_the_admin(client_parent):
    response = client_parent.get(URL)
    assert response.status_code == 302
    assert "/gestion/login/" in response["Location"]


def test_the_queue_shows_pending_requests_by_default(client_agent, parent):
    en_attente = _demande_adresse(parent)
    Demande.objects.create(
        famille=parent.famille,
        type=Demande.Type.ENFANT_AJOUT,
        statut=Demande.Statut.ACCEPTEE,
        objet="déjà faite",
        traitee_le=en_attente.cree_le,
    )
    html = client_agent.get(URL).content.decode()
    assert "Demandes à traiter" in html
    assert en_attente.objet in html
    assert "déjà faite" not in html
    assert "déjà faite" in client_agent.get(URL + "?statut=toutes").content.decode()


def test_accepting_applies_the_change_and_emails_after_commit(
    client_agent, agent, parent, django_capture_on_commit_callbacks, executer_taches
):
    demande = _demande_adresse(parent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_agent.post(
            URL, {"action": "accepter", ACTION_CHECKBOX_NAME: [demande.pk]}
        )
    executer_taches()
    assert response.status_code == 302
    parent.refresh_from_db()
    assert parent.adresse == "9 rue Neuve"
    demande.refresh_from_db()
    assert demande.statut == Demande.Statut.ACCEPTEE
    assert demande.traitee_par == agent
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["parent@example.org"]
    assert "acceptée" in mail.outbox[0].subject
    assert Courriel.objects.get().statut == Courriel.Statut.ENVOYE


def test_refusing_asks_for_a_reason_first(client_agent, parent):
    demande = _demande_adresse(parent)
    response = client_agent.post(URL, {"action": "refuser", ACTION_CHECKBOX_NAME: [demande.pk]})
    assert response.status_code == 200
    assert "Motif du refus" in response.content.decode()
    response = client_agent.post(
        URL,
        {"action": "refuser", ACTION_CHECKBOX_NAME: [demande.pk], "confirmer": "1", "motif": "  "},
    )
    assert "Indiquez le motif du refus" in response.content.decode()
    demande.refresh_from_db()
    assert demande.statut == Demande.Statut.EN_ATTENTE


def test_refusing_keeps_the_details_and_tells_the_family_why(
    client_agent, parent, django_capture_on_commit_callbacks, executer_taches
):
    demande = _demande_adresse(parent)
    ancienne_adresse = parent.adresse
    with django_capture_on_commit_callbacks(execute=True):
        client_agent.post(
            URL,
            {
                "action": "refuser",
                ACTION_CHECKBOX_NAME: [demande.pk],
                "confirmer": "1",
                "motif": "Joindre un justificatif.",
            },
        )
    executer_taches()
    parent.refresh_from_db()
    assert parent.adresse == ancienne_adresse
    demande.refresh_from_db()
    assert demande.statut == Demande.Statut.REFUSEE
    assert demande.reponse == "Joindre un justificatif."
    assert "Joindre un justificatif." in mail.outbox[0].body


def test_processing_twice_tells_the_second_agent(client_agent, agent, parent):
    demande = _demande_adresse(parent)
    client_agent.post(URL, {"action": "accepter", ACTION_CHECKBOX_NAME: [demande.pk]})
    response = client_agent.post(
        URL,
        {
            "action": "refuser",
            ACTION_CHECKBOX_NAME: [demande.pk],
            "confirmer": "1",
            "motif": "trop tard",
        },
        follow=True,
    )
    assert "a déjà été traitée (acceptée le" in response.content.decode()
    demande.refresh_from_db()
    assert demande.statut == Demande.Statut.ACCEPTEE
    assert demande.reponse == ""


def test_the_detail_page_shows_current_and_requested_values(client_agent, parent):
    demande = _demande_adresse(parent)
    html = client_agent.get(
        reverse("admin:portail_demande_change", args=[demande.pk])
    ).content.decode()
    assert parent.adresse in html
    assert "9 rue Neuve" in html


def test_a_request_can_be_accepted_from_its_page(client_agent, parent):
    demande = _demande_adresse(parent)
    page = reverse("admin:portail_demande_change", args=[demande.pk])
    assert "Traiter cette demande" in client_agent.get(page).content.decode()
    response = client_agent.post(
        reverse("admin:portail_demande_accepter", args=[demande.pk]), follow=True
    )
    assert "1 demande acceptée ; la famille" in response.content.decode()
    assert "Traiter cette demande" not in response.content.decode()
    parent.refresh_from_db()
    assert parent.adresse == "9 rue Neuve"


def test_refusing_from_its_page_requires_a_reason(client_agent, parent):
    demande = _demande_adresse(parent)
    url = reverse("admin:portail_demande_refuser", args=[demande.pk])
    response = client_agent.post(url, {"motif": ""}, follow=True)
    assert "Indiquez le motif du refus" in response.content.decode()
    demande.refresh_from_db()
    assert demande.statut == Demande.Statut.EN_ATTENTE
    client_agent.post(url, {"motif": "Pièce manquante"})
    demande.refresh_from_db()
    assert (demande.statut, demande.reponse) == (Demande.Statut.REFUSEE, "Pièce manquante")


def test_processing_pages_refuse_get(client_agent, parent):
    demande = _demande_adresse(parent)
    url = reverse("admin:portail_demande_accepter", args=[demande.pk])
    assert client_agent.get(url).status_code == 405
    demande.refresh_from_db()
    assert demande.est_en_attente
