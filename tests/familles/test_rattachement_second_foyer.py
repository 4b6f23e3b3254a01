"""Garde alternée, part 1 "Link": staff attach a child to a second household in the admin;
a parent invites the other parent, who signs up (or signs in) and asks for the link;
staff accept or refuse the request. Privacy: the other household is « l'autre parent »."""

import datetime
import re
from urllib.parse import urlparse

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.forms import inlineformset_factory
from django.urls import reverse

from comptes.models import Courriel, User
from comptes.services.jetons import nouveau_jeton
from familles.admin_second_foyer import RattachementAdminForm, RattachementsEnfantFormSet
from familles.models import Enfant, Famille, InvitationSecondFoyer, Rattachement, Responsable
from portail.models import Demande
from tests.conftest import creer_enfant, creer_responsable

MDP = "Un-mot-de-passe-solide-7"


@pytest.fixture
def lea(parent):
    return creer_enfant(parent.famille, prenom="Léa", nom="Martin")


def _second_foyer(client_agent, enfant, **donnees):
    data = {"foyer": "existant", "garde": "libre", "semaines": "", **donnees}
    return client_agent.post(reverse("admin:familles_enfant_second_foyer", args=[enfant.pk]), data)


def _liens(enfant):
    return {
        lien.famille_id: lien
        for lien in Rattachement.objects.filter(enfant=enfant).select_related("famille")
    }


# --- admin: the page « Rattacher à un second foyer » -----------------------------------


def test_staff_attach_by_a_responsables_email_with_both_shares(client_agent, parent, etranger, lea):
    response = _second_foyer(
        client_agent, lea, email="ETRANGER@example.org", garde="semaines", semaines="impaires"
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    liens = _liens(lea)
    assert liens[etranger.famille_id].semaines == "impaires"
    assert liens[parent.famille_id].semaines == "paires"
    assert {lien.garde for lien in liens.values()} == {"semaines"}
    # Recorded in the history, with the reason.
    raisons = set(
        Rattachement.history.filter(enfant_id=lea.pk).values_list(
            "history_change_reason", flat=True
        )
    )
    assert "Garde alternée : rattachement d'un second foyer" in raisons


def test_staff_create_the_second_household_and_invite_its_parent(
    client_agent, lea, django_capture_on_commit_callbacks, executer_taches
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _second_foyer(
            client_agent,
            lea,
            foyer="nouveau",
            email="pere@example.org",
            civilite="m",
            prenom="Hugo",
            nom="Bernard",
            adresse="5 rue Basse",
            code_postal="18240",
            ville="Belleville",
            telephone_mobile="0611223344",
            garde="jours",
            jours_premier=["0", "1", "2"],
            jours_second=["3", "4"],
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    responsable = Responsable.objects.select_related("famille", "user").get(
        user__email="pere@example.org"
    )
    assert responsable.famille.nom == "Famille Bernard"
    assert not responsable.user.has_usable_password()
    lien = Rattachement.objects.get(enfant=lea, famille=responsable.famille)
    assert (lien.garde, lien.jours) == ("jours", [3, 4])
    executer_taches()
    assert [m.to for m in mail.outbox] == [["pere@example.org"]]
    assert "/password/reset/key/" in mail.outbox[0].body


def test_staff_attach_refuses_a_third_household(client_agent, parent, etranger, lea):
    Rattachement.objects.create(enfant=lea, famille=etranger.famille)
    troisieme = creer_responsable(email="tiers@example.org")
    response = _second_foyer(client_agent, lea, email="tiers@example.org")
    assert response.status_code == 200
    assert "déjà rattachée à deux foyers" in response.content.decode()
    assert not Rattachement.objects.filter(famille=troisieme.famille).exists()


def test_staff_attach_refuses_an_unknown_email_and_overlapping_days(client_agent, lea):
    response = _second_foyer(client_agent, lea, email="personne@example.org")
    assert "Aucun responsable n&#x27;a cette adresse" in response.content.decode()
    response = _second_foyer(
        client_agent,
        lea,
        foyer="nouveau",
        email="pere@example.org",
        garde="jours",
        jours_premier=["0", "1"],
        jours_second=["1", "2"],
    )
    html = response.content.decode()
    assert "ont tous les deux le mardi" in html
    assert "Ce champ est obligatoire pour créer le foyer." in html
    assert Rattachement.objects.filter(enfant=lea).count() == 1
    assert not User.objects.filter(email="pere@example.org").exists()


def test_the_child_page_edits_the_share_with_weekday_checkboxes(client_agent, lea):
    html = client_agent.get(reverse("admin:familles_enfant_change", args=[lea.pk])).content.decode()
    assert 'type="checkbox" name="rattachements-0-jours" value="0"' in html
    assert "Lundi" in html
    assert "Rattacher à un second foyer" in html


# --- admin: the inline formset's checks across the child's links -----------------------

FormSet = inlineformset_factory(
    Enfant,
    Rattachement,
    form=RattachementAdminForm,
    formset=RattachementsEnfantFormSet,
    fields=["famille", "garde", "semaines", "jours"],
    extra=0,
)


def _formset(enfant, *liens):
    data = {
        "rattachements-TOTAL_FORMS": str(len(liens)),
        "rattachements-INITIAL_FORMS": "0",
        "rattachements-MIN_NUM_FORMS": "0",
        "rattachements-MAX_NUM_FORMS": "1000",
    }
    for i, (famille, garde, semaines, jours) in enumerate(liens):
        data[f"rattachements-{i}-famille"] = str(famille.pk)
        data[f"rattachements-{i}-garde"] = garde
        data[f"rattachements-{i}-semaines"] = semaines
        data[f"rattachements-{i}-jours"] = [str(j) for j in jours]
    enfant_sans_lien = Enfant.objects.create(
        prenom=enfant.prenom, nom="X", sexe="f", date_naissance=enfant.date_naissance
    )
    return FormSet(data, instance=enfant_sans_lien, prefix="rattachements")


@pytest.mark.parametrize(
    "a, b, message",
    [
        (("semaines", "paires", []), ("semaines", "paires", []), "mêmes semaines"),
        (("jours", "", [0, 1]), ("jours", "", [1, 4]), "le mardi"),
        (("semaines", "paires", []), ("libre", "", []), "même partage de la garde"),
    ],
)
def test_the_formset_refuses_shares_that_do_not_fit(parent, etranger, lea, a, b, message):
    formset = _formset(lea, (parent.famille, *a), (etranger.famille, *b))
    assert not formset.is_valid()
    assert message in " ".join(formset.non_form_errors())


def test_the_formset_refuses_a_third_household_and_accepts_fitting_shares(parent, etranger, lea):
    tiers = Famille.objects.create(nom="Famille Tiers")
    libre = ("libre", "", [])
    formset = _formset(lea, (parent.famille, *libre), (etranger.famille, *libre), (tiers, *libre))
    assert not formset.is_valid()
    assert "deux foyers au plus" in " ".join(formset.non_form_errors())
    formset = _formset(
        lea, (parent.famille, "jours", "", [0, 1, 2]), (etranger.famille, "jours", "", [3, 4])
    )
    assert formset.is_valid(), formset.errors
    formset = _formset(
        lea,
        (parent.famille, "semaines", "paires", []),
        (etranger.famille, "semaines", "impaires", []),
    )
    assert formset.is_valid(), formset.errors


def test_the_households_inline_checks_the_childs_other_link(client_agent, parent, etranger, lea):
    """On the second household's page, the share is checked against the first one's."""
    Rattachement.objects.filter(enfant=lea).update(garde="semaines", semaines="paires")
    from familles.admin_second_foyer import RattachementsFamilleFormSet

    FS = inlineformset_factory(
        Famille,
        Rattachement,
        form=RattachementAdminForm,
        formset=RattachementsFamilleFormSet,
        fields=["enfant", "garde", "semaines", "jours"],
        extra=0,
    )
    data = {
        "r-TOTAL_FORMS": "1",
        "r-INITIAL_FORMS": "0",
        "r-MIN_NUM_FORMS": "0",
        "r-MAX_NUM_FORMS": "1000",
        "r-0-enfant": str(lea.pk),
        "r-0-garde": "semaines",
        "r-0-semaines": "paires",
    }
    formset = FS(data, instance=etranger.famille, prefix="r")
    assert not formset.is_valid()
    assert "mêmes semaines" in " ".join(formset.non_form_errors())
    formset = FS({**data, "r-0-semaines": "impaires"}, instance=etranger.famille, prefix="r")
    assert formset.is_valid(), formset.errors


# --- parent side: the invitation -------------------------------------------------------


def _inviter(client, enfant, **donnees):
    data = {
        "email": "pere@example.org",
        "garde": "semaines",
        "semaines": "paires",
        "jeton": nouveau_jeton(),
        **donnees,
    }
    return client.post(reverse("inviter_autre_parent", args=[enfant.pk]), data)


def _lien_du_courriel() -> str:
    corps = mail.outbox[-1].body
    return urlparse(re.search(r"https?://\S+/famille/invitation/\S+/", corps).group(0)).path


def _inscription(**extra):
    return {
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
        **extra,
    }


def test_invitation_end_to_end(
    client, client_parent, parent, lea, agent, django_capture_on_commit_callbacks, executer_taches
):
    html = client_parent.get(reverse("ma_famille")).content.decode()
    assert reverse("inviter_autre_parent", args=[lea.pk]) in html
    with django_capture_on_commit_callbacks(execute=True):
        response = _inviter(client_parent, lea)
    assert response.status_code == 302
    executer_taches()
    # The e-mail: a secret link, nothing about the inviting household but « l'autre parent ».
    assert mail.outbox[-1].to == ["pere@example.org"]
    corps = mail.outbox[-1].body
    assert "L'autre parent de Léa Martin" in corps
    assert "semaines impaires" in corps
    for prive in ("Camille", "parent@example.org", "rue de la Paix", "06 12 34 56 78"):
        assert prive not in corps
    assert Courriel.objects.get(destinataire="pere@example.org").confidentiel
    invitation = InvitationSecondFoyer.objects.get()
    assert invitation.expire_le - invitation.cree_le == datetime.timedelta(days=14)
    chemin = _lien_du_courriel()
    assert chemin.rstrip("/").rsplit("/", 1)[1] not in invitation.jeton_hash  # hashed at rest
    html = client_parent.get(reverse("ma_famille")).content.decode()
    assert "Invitation envoyée à p***@e…" in html
    assert reverse("inviter_autre_parent", args=[lea.pk]) not in html

    # The father has no account: he creates it (and his household) on the link's page.
    client_parent.logout()
    page = client.get(chemin)
    assert page.status_code == 200
    assert "Rattacher Léa Martin à votre foyer" in page.content.decode()
    assert "Camille" not in page.content.decode()
    response = client.post(chemin, _inscription())
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == reverse("tableau_de_bord")
    pere = Responsable.objects.select_related("famille", "user").get(user__email="pere@example.org")
    assert EmailAddress.objects.get(user=pere.user).verified
    demande = Demande.objects.get(type=Demande.Type.RATTACHEMENT)
    assert (demande.famille, demande.demandeur, demande.statut) == (
        pere.famille,
        pere,
        "en_attente",
    )
    assert demande.donnees["partage"]["semaines"] == "impaires"
    invitation.refresh_from_db()
    assert invitation.utilisee_le is not None and invitation.demande == demande
    # Signed in, still without the child until staff accept.
    html = client.get(reverse("ma_famille")).content.decode()
    assert "transmise au service enfance" in html
    assert f'id="enfant-{lea.pk}"' not in html

    # Staff see what is asked, then accept.
    staff = client_agent_for(agent)
    liste = staff.get(reverse("admin:portail_demande_changelist")).content.decode()
    assert "Rattachement d&#x27;un second foyer" in liste
    assert str(parent.famille) in liste and "Invité par" in liste
    page = staff.get(reverse("admin:portail_demande_change", args=[demande.pk])).content.decode()
    assert "Foyer qui invite" in page and str(pere.famille) in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(reverse("admin:portail_demande_accepter", args=[demande.pk]))
    executer_taches()
    liens = _liens(lea)
    assert liens[pere.famille_id].semaines == "impaires"
    assert liens[parent.famille_id].semaines == "paires"
    demande.refresh_from_db()
    assert demande.statut == Demande.Statut.ACCEPTEE
    # Both households told, the child's name only.
    assert sorted(m.to[0] for m in mail.outbox) == ["parent@example.org", "pere@example.org"]
    for message in mail.outbox:
        assert "Léa" in message.body
        for prive in ("Camille", "Hugo", "Bernard", "rue", "06 "):
            assert prive not in message.body
    # The father sees Léa in Ma famille.
    client.force_login(pere.user)
    html = client.get(reverse("ma_famille")).content.decode()
    assert "Léa Martin" in html
    assert "votre foyer : semaines impaires" in html


def client_agent_for(agent):
    from django.test import Client

    staff = Client()
    staff.force_login(agent)
    return staff


def test_a_signed_in_parent_confirms_for_his_existing_household(
    client, parent, etranger, lea, django_capture_on_commit_callbacks, executer_taches
):
    client.force_login(parent.user)
    with django_capture_on_commit_callbacks(execute=True):
        _inviter(client, lea, email="etranger@example.org", garde="libre", semaines="")
    executer_taches()
    chemin = _lien_du_courriel()
    client.logout()
    page = client.get(chemin).content.decode()
    assert "Me connecter pour continuer" in page  # an account exists: sign in, no sign-up
    client.force_login(etranger.user)
    page = client.get(chemin).content.decode()
    assert "Demander le rattachement" in page
    assert not Demande.objects.filter(type=Demande.Type.RATTACHEMENT).exists()  # GET: nothing
    response = client.post(chemin)
    assert response.status_code == 302
    demande = Demande.objects.get(type=Demande.Type.RATTACHEMENT)
    assert demande.famille == etranger.famille
    # The link is used: a second time is refused clearly.
    page = client.post(chemin)
    assert page.status_code == 410
    assert "déjà été utilisé" in page.content.decode()
    assert Demande.objects.filter(type=Demande.Type.RATTACHEMENT).count() == 1


def _invitation_envoyee(client, parent, lea, **donnees):
    client.force_login(parent.user)
    _inviter(client, lea, **donnees)
    client.logout()
    return _lien_du_courriel_enregistre()


def _lien_du_courriel_enregistre() -> str:
    corps = Courriel.objects.order_by("-pk").first().corps
    return urlparse(re.search(r"https?://\S+/famille/invitation/\S+/", corps).group(0)).path


def test_an_expired_link_is_refused(client, parent, lea):
    chemin = _invitation_envoyee(client, parent, lea)
    with time_machine.travel(datetime.timedelta(days=14, minutes=1)):
        response = client.post(chemin, _inscription())
    assert response.status_code == 410
    assert "a expiré" in response.content.decode()
    assert not User.objects.filter(email="pere@example.org").exists()


def test_a_stranger_signed_in_cannot_use_someone_elses_invitation(client, parent, etranger, lea):
    chemin = _invitation_envoyee(client, parent, lea)
    client.force_login(etranger.user)
    response = client.post(chemin)
    assert "envoyée à une autre adresse" in response.content.decode()
    assert not Demande.objects.filter(type=Demande.Type.RATTACHEMENT).exists()
    # …nor cancel it (a 404: the id is not confirmed).
    invitation = InvitationSecondFoyer.objects.get()
    response = client.post(reverse("annuler_invitation_second_foyer", args=[invitation.pk]))
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.annulee_le is None


def test_the_inviting_parent_cancels_an_unused_invitation(client, parent, lea):
    chemin = _invitation_envoyee(client, parent, lea)
    client.force_login(parent.user)
    invitation = InvitationSecondFoyer.objects.get()
    response = client.post(reverse("annuler_invitation_second_foyer", args=[invitation.pk]))
    assert response.status_code == 302
    assert "Invitation envoyée" not in client.get(reverse("ma_famille")).content.decode()
    client.logout()
    response = client.get(chemin)
    assert "annulée par l&#x27;autre parent" in response.content.decode()


def test_invitations_that_cannot_be_are_refused(client_parent, parent, coparent, etranger, lea):
    response = _inviter(client_parent, lea, email="COPARENT@example.org")
    assert "responsable de votre foyer" in response.content.decode()
    response = _inviter(client_parent, lea, garde="jours", semaines="")
    assert "Indiquez au moins un jour" in response.content.decode()
    Rattachement.objects.create(enfant=lea, famille=etranger.famille)
    response = _inviter(client_parent, lea)
    assert "déjà rattachée à deux foyers" in response.content.decode()
    assert not InvitationSecondFoyer.objects.exists()
    # A stranger's child: 404.
    autre = creer_enfant(creer_responsable().famille, prenom="Autre")
    assert _inviter(client_parent, autre).status_code == 404


def test_a_used_link_cannot_create_a_second_account(client, parent, lea):
    chemin = _invitation_envoyee(client, parent, lea)
    assert client.post(chemin, _inscription()).status_code == 302
    client.logout()
    response = client.post(chemin, _inscription(prenom="Autre"))
    assert response.status_code == 410
    assert Responsable.objects.filter(user__email="pere@example.org").count() == 1


# --- staff decision --------------------------------------------------------------------


@pytest.fixture
def demande(parent, lea):
    from django.test import Client

    client = Client()  # not the test's client: that one is the agent's
    chemin = _invitation_envoyee(client, parent, lea)
    client.post(chemin, _inscription())
    return Demande.objects.get(type=Demande.Type.RATTACHEMENT)


def test_staff_edit_the_share_before_accepting(client_agent, parent, lea, demande):
    response = client_agent.post(
        reverse("admin:portail_demande_accepter", args=[demande.pk]),
        {"garde": "jours", "semaines": "", "jours_invitant": ["0", "1"], "jours_demandeur": ["3"]},
    )
    assert response.status_code == 302
    liens = _liens(lea)
    assert liens[demande.famille_id].jours == [3]
    assert liens[parent.famille_id].jours == [0, 1]


def test_a_share_that_does_not_fit_changes_nothing(client_agent, lea, demande):
    client_agent.post(
        reverse("admin:portail_demande_accepter", args=[demande.pk]),
        {"garde": "jours", "semaines": "", "jours_invitant": ["0", "1"], "jours_demandeur": ["1"]},
    )
    demande.refresh_from_db()
    assert demande.est_en_attente
    assert demande.donnees["partage"]["semaines"] == "impaires"
    assert Rattachement.objects.filter(enfant=lea).count() == 1


def test_accepting_twice_changes_nothing(client_agent, lea, demande):
    url = reverse("admin:portail_demande_accepter", args=[demande.pk])
    client_agent.post(url)
    response = client_agent.post(url, follow=True)
    assert "a déjà été traitée" in response.content.decode()
    assert Rattachement.objects.filter(enfant=lea).count() == 2
    assert Rattachement.history.filter(enfant_id=lea.pk, history_type="+").count() == 2


def test_a_stale_request_changes_nothing(client_agent, etranger, lea, demande):
    # The child got its second household another way meanwhile.
    Rattachement.objects.create(enfant=lea, famille=etranger.famille)
    response = client_agent.post(
        reverse("admin:portail_demande_accepter", args=[demande.pk]), follow=True
    )
    assert "déjà rattachée à deux foyers" in response.content.decode()
    demande.refresh_from_db()
    assert demande.est_en_attente
    assert not Rattachement.objects.filter(enfant=lea, famille=demande.famille).exists()


def test_a_refusal_with_a_reason_tells_the_invited_household(
    client_agent, lea, demande, django_capture_on_commit_callbacks, executer_taches
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client_agent.post(
            reverse("admin:portail_demande_refuser", args=[demande.pk]),
            {"motif": "Merci de fournir le jugement."},
        )
    executer_taches()
    demande.refresh_from_db()
    assert demande.statut == Demande.Statut.REFUSEE
    assert [m.to for m in mail.outbox] == [["pere@example.org"]]
    assert "Merci de fournir le jugement." in mail.outbox[0].body
    assert Rattachement.objects.filter(enfant=lea).count() == 1


def test_the_attach_page_needs_the_right_to_create_households(client, lea):
    from portail.roles import DIRECTION_SITE
    from tests.conftest import creer_agent

    client.force_login(creer_agent("direction@example.org", DIRECTION_SITE))
    url = reverse("admin:familles_enfant_second_foyer", args=[lea.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"foyer": "existant", "email": "x@example.org"}).status_code == 403
    assert Rattachement.objects.filter(enfant=lea).count() == 1


def test_the_attach_page_says_when_the_child_has_two_households(client_agent, etranger, lea):
    Rattachement.objects.create(enfant=lea, famille=etranger.famille)
    html = client_agent.get(
        reverse("admin:familles_enfant_second_foyer", args=[lea.pk])
    ).content.decode()
    assert "Léa est déjà rattachée à deux foyers" in html
    assert 'name="foyer"' not in html


def test_closing_an_account_erases_its_invitations(parent, lea):
    from django.test import Client

    from portail import rgpd

    _invitation_envoyee(Client(), parent, lea)
    invitation = InvitationSecondFoyer.objects.get()
    rgpd.anonymiser_famille(parent.famille)
    assert not InvitationSecondFoyer.objects.exists()
    assert not InvitationSecondFoyer.history.filter(id=invitation.pk).exists()


def test_staff_read_the_invitations_without_their_token(client_agent, parent, lea):
    from django.test import Client

    _invitation_envoyee(Client(), parent, lea)
    invitation = InvitationSecondFoyer.objects.get()
    html = client_agent.get(reverse("admin:familles_invitationsecondfoyer_changelist")).content
    assert "En cours" in html.decode()
    page = client_agent.get(
        reverse("admin:familles_invitationsecondfoyer_change", args=[invitation.pk])
    ).content.decode()
    assert "pere@example.org" in page
    assert invitation.jeton_hash not in page


def test_no_new_invitation_while_a_request_waits_for_staff(client_parent, lea, demande):
    response = _inviter(client_parent, lea, email="quelquun@example.org")
    assert "a déjà demandé le rattachement" in response.content.decode()
    assert InvitationSecondFoyer.objects.count() == 1


def test_a_household_linked_meanwhile_stops_the_childs_inline(parent, etranger, lea):
    """The page was opened with one household; a request accepted meanwhile added the
    second: saving the page's lines (adding a third) is refused, nothing written."""
    from django.db import transaction

    lien = lea.rattachements.get()
    data = {
        "rattachements-TOTAL_FORMS": "2",
        "rattachements-INITIAL_FORMS": "1",
        "rattachements-MIN_NUM_FORMS": "0",
        "rattachements-MAX_NUM_FORMS": "1000",
        "rattachements-0-id": str(lien.pk),
        "rattachements-0-famille": str(parent.famille.pk),
        "rattachements-0-garde": "libre",
        "rattachements-1-famille": str(Famille.objects.create(nom="Famille Tiers").pk),
        "rattachements-1-garde": "libre",
    }
    formset = FormSet(data, instance=lea, prefix="rattachements")
    Rattachement.objects.create(enfant=lea, famille=etranger.famille)  # accepted meanwhile
    with transaction.atomic():
        assert not formset.is_valid()
    assert "vient d'être rattaché à Léa" in " ".join(formset.non_form_errors())
    assert lea.rattachements.count() == 2
