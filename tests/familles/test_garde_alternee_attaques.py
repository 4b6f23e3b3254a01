"""Garde alternée attacked (issue 10): what the other household, or a stranger, can send
to the invitation and the link pages. Each test is a hole found by hand, then closed."""

import html
import re
import threading
import time

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from comptes.models import User
from comptes.services.jetons import nouveau_jeton
from familles import second_foyer, services
from familles.forms import InvitationSignupForm
from familles.models import InvitationSecondFoyer
from portail import services as services_portail
from portail.models import Demande
from tests.conftest import creer_enfant, creer_responsable


@pytest.fixture
def lea(parent):
    return creer_enfant(parent.famille, prenom="Léa", nom="Martin")


def test_an_invitation_leaving_no_weekday_to_the_other_household_is_refused(client_parent, lea):
    # Every weekday ticked for the inviting household: the other one would get none, and
    # staff could never accept the request it makes. Refused in French, nothing sent.
    response = client_parent.post(
        reverse("inviter_autre_parent", args=[lea.pk]),
        {
            "email": "pere@example.org",
            "garde": "jours",
            "jours": [str(j) for j in range(7)],
            "jeton": nouveau_jeton(),
        },
    )
    assert response.status_code == 200
    assert "Laissez au moins un jour de la semaine à l&#x27;autre foyer" in (
        response.content.decode()
    )
    assert not InvitationSecondFoyer.objects.exists()


def test_the_acceptance_email_to_the_inviting_household_is_correct_french(
    parent, etranger, agent, lea, executer_taches, django_capture_on_commit_callbacks
):
    # « Le service a rattaché Léa » : after « a », the participle does not agree with a
    # direct object that follows it (it read « a rattachée Léa »).
    invitation = second_foyer.inviter_autre_parent(
        parent, lea, etranger.user.email, {"garde": "semaines", "semaines": "paires"}
    )
    jeton = "connu"
    InvitationSecondFoyer.objects.filter(pk=invitation.pk).update(
        jeton_hash=second_foyer._empreinte(jeton)
    )
    demande = second_foyer.demander_rattachement(jeton, etranger)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services_portail.accepter_demande(demande.pk, agent)
    executer_taches()
    (corps,) = [m.body for m in mail.outbox if m.to == [parent.user.email]]
    assert "Le service enfance a rattaché Léa Martin au foyer de l'autre parent" in corps
    assert "a rattachée" not in corps


MDP = "Un-mot-de-passe-solide-7"
INSCRIPTION = {
    "password1": MDP,
    "password2": MDP,
    "civilite": "m",
    "prenom": "Hugo",
    "nom": "Bernard",
    "adresse": "5 rue Basse",
    "complement_adresse": "",
    "code_postal": "18240",
    "ville": "Belleville",
    "telephone_mobile": "06 11 22 33 44",
}


def _lien(parent, enfant, email="pere@example.org") -> str:
    invitation = second_foyer.inviter_autre_parent(
        parent, enfant, email, {"garde": "semaines", "semaines": "paires"}
    )
    InvitationSecondFoyer.objects.filter(pk=invitation.pk).update(
        jeton_hash=second_foyer._empreinte("jeton-connu")
    )
    return reverse("invitation_second_foyer", args=["jeton-connu"])


def test_a_sign_up_overtaken_by_the_same_one_is_not_an_error_page(client, parent, lea, monkeypatch):
    # The form is sent twice at once (a double click): both pass the "address taken"
    # check, the other one creates the account first, this one's insert then fails on the
    # unique e-mail. Simulated here: the account appears during validation.
    valider = InvitationSignupForm.validate_unique_email

    def doublee(self, value):
        valeur = valider(self, value)  # not taken yet...
        creer_responsable(email="pere@example.org")  # ...taken by the other request now
        return valeur

    monkeypatch.setattr(InvitationSignupForm, "validate_unique_email", doublee)
    chemin = _lien(parent, lea)
    response = client.post(chemin, INSCRIPTION)
    assert response.status_code == 302
    assert response["Location"] == chemin
    assert User.objects.filter(email="pere@example.org").count() == 1
    # Back on the link: the address has an account now, the page says to sign in.
    monkeypatch.undo()
    assert "connecter" in client.get(chemin).content.decode()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_invitations_sign_up_sent_twice_at_once_makes_one_account(monkeypatch):
    parent = creer_responsable()
    lea = creer_enfant(parent.famille, prenom="Léa")
    chemin = _lien(parent, lea)
    creer = services.creer_famille

    def lentement(*args, **kwargs):
        time.sleep(0.3)  # the other request validates the address meanwhile
        return creer(*args, **kwargs)

    monkeypatch.setattr(services, "creer_famille", lentement)
    barrier = threading.Barrier(2)
    statuts = []

    def poster():
        try:
            barrier.wait()
            statuts.append(Client().post(chemin, INSCRIPTION).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=poster) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuts) == [302, 302]
    assert User.objects.filter(email="pere@example.org").count() == 1
    assert Demande.objects.filter(type=Demande.Type.RATTACHEMENT).count() == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_confirming_while_the_other_parent_invites_again_is_no_deadlock(monkeypatch):
    # The invited parent confirms (the invitation's row locked) while the inviting
    # household's second parent sends an invitation for the same child (the child's row
    # locked, then the open invitations): each waited for the other's lock, and
    # PostgreSQL killed one of them (a 500). Both now lock the child first.
    parent = creer_responsable()
    coparent = creer_responsable(famille=parent.famille)
    pere = creer_responsable(email="pere@example.org")
    lea = creer_enfant(parent.famille, prenom="Léa")
    _lien(parent, lea)
    verifier = second_foyer.verifier_destinataire
    confirmation_en_cours = threading.Event()

    def lentement(*args, **kwargs):
        confirmation_en_cours.set()
        time.sleep(0.5)  # the other request arrives while this one holds its locks
        return verifier(*args, **kwargs)

    monkeypatch.setattr(second_foyer, "verifier_destinataire", lentement)
    issues = {}

    def confirmer():
        try:
            issues["confirmation"] = second_foyer.demander_rattachement("jeton-connu", pere)
        except Exception as exc:  # noqa: BLE001 - the test reports what happened
            issues["confirmation"] = exc
        finally:
            connection.close()

    def inviter():
        confirmation_en_cours.wait(5)
        try:
            issues["invitation"] = second_foyer.inviter_autre_parent(
                coparent, lea, "autre@example.org", {"garde": "libre"}
            )
        except Exception as exc:  # noqa: BLE001
            issues["invitation"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=confirmer), threading.Thread(target=inviter)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert isinstance(issues["confirmation"], Demande), issues
    # The second invitation is refused in French: the request already waits for staff.
    assert isinstance(issues["invitation"], services.FamilleError), issues
    assert "a déjà demandé le rattachement" in issues["invitation"].message
    assert InvitationSecondFoyer.objects.count() == 1


def test_the_invitation_sent_twice_sends_one_and_says_so_without_an_error(client_parent, lea):
    # A double click: the second post used to answer « Une invitation pour Léa est déjà
    # en cours : annulez-la… », an error about the invitation just sent.
    url = reverse("inviter_autre_parent", args=[lea.pk])
    jeton = re.search(r'name="jeton" value="([^"]+)"', client_parent.get(url).content.decode())
    assert jeton, "the form carries its token"
    donnees = {
        "email": "pere@example.org",
        "garde": "semaines",
        "semaines": "paires",
        "jeton": jeton.group(1),
    }
    assert client_parent.post(url, donnees).status_code == 302
    response = client_parent.post(url, donnees, follow=True)
    assert response.redirect_chain[-1][0] == reverse("ma_famille")
    html = response.content.decode()
    assert "Cette demande a déjà été enregistrée." in html
    assert "déjà en cours" not in html
    assert InvitationSecondFoyer.objects.count() == 1


def test_a_request_from_a_household_closed_since_cannot_be_accepted(parent, etranger, agent, lea):
    # The inviting household closed its account while the request waited: Léa's file was
    # anonymised with it. Accepting would give the other parent « Enfant 1 Anonyme ».
    from portail import rgpd

    invitation = second_foyer.inviter_autre_parent(
        parent, lea, etranger.user.email, {"garde": "libre"}
    )
    InvitationSecondFoyer.objects.filter(pk=invitation.pk).update(
        jeton_hash=second_foyer._empreinte("jeton-connu")
    )
    demande = second_foyer.demander_rattachement("jeton-connu", etranger)
    rgpd.anonymiser_famille(parent.famille, agent)
    with pytest.raises(services.FamilleError) as refus:
        services_portail.accepter_demande(demande.pk, agent)
    assert "refusez la demande" in refus.value.message
    assert not lea.rattachements.filter(famille=etranger.famille).exists()
    demande.refresh_from_db()
    assert demande.est_en_attente


def test_the_invitation_page_of_a_child_with_two_households_says_so_at_once(
    client_parent, etranger, lea
):
    from familles.models import Rattachement

    Rattachement.objects.create(enfant=lea, famille=etranger.famille)
    reponse = client_parent.get(reverse("inviter_autre_parent", args=[lea.pk]), follow=True)
    assert reponse.redirect_chain[-1][0] == reverse("ma_famille")
    assert "Léa est déjà rattachée à deux foyers : il n'y a personne à inviter." in (
        html.unescape(reponse.content.decode())
    )
    assert not InvitationSecondFoyer.objects.exists()
