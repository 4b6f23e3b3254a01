"""Legal pages, contact and footer: public, filled from what staff enter in the admin."""

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.urls import reverse

from portail.models import InformationsCommune
from tests.conftest import creer_user

PAGES = ["mentions_legales", "donnees_personnelles", "accessibilite", "contact"]
URL_ADMIN = "/gestion/portail/informationscommune/1/change/"


def _formulaire(**champs) -> dict:
    """The admin form as staff send it: every field, with the defaults unless changed."""
    infos = InformationsCommune()
    valeurs = {
        f.name: getattr(infos, f.name) or ""
        for f in InformationsCommune._meta.fields
        if f.editable and f.name not in ("id", "modifie_le")
    }
    valeurs.update(conformite="non", taux_conformite="", date_audit="")
    valeurs.update(champs)
    return valeurs


def _page(client, nom: str) -> str:
    return client.get(reverse(nom)).content.decode()


@pytest.mark.parametrize("nom", PAGES)
def test_the_pages_are_public(client, db, nom):
    response = client.get(reverse(nom))
    assert response.status_code == 200
    assert "Ville de Belleville-sur-Loire" in response.content.decode()


def test_every_page_has_the_legal_footer(client_parent):
    for url in (reverse("ma_famille"), reverse("mon_compte"), reverse("contact"), "/nulle-part/"):
        html = client_parent.get(url).content.decode()
        pied = html[html.index("<footer") :]
        for nom in PAGES:
            assert f'href="{reverse(nom)}"' in pied, url
        assert "Accessibilité : non conforme" in pied, url


def test_the_sign_in_page_has_it_too(client, db):
    html = client.get(reverse("account_login")).content.decode()
    assert "Accessibilité : non conforme" in html[html.index("<footer") :]


def test_what_staff_enter_shows_at_once_on_the_pages(client_agent):
    client_agent.get(reverse("admin:portail_informationscommune_changelist"))
    reponse = client_agent.post(
        URL_ADMIN,
        _formulaire(
            telephone="02 40 00 00 00",
            courriel="enfance@mairie.example",
            horaires="Le mardi de 9 h à 12 h.",
            dpo_nom="Syndicat mixte e-Collectivités",
            dpo_courriel="dpo@ecollectivites.example",
            hebergeur="OVH, 2 rue Kellermann, 59100 Roubaix",
            conformite="partielle",
            taux_conformite="74",
            date_audit="2026-10-12",
        ),
    )
    assert reponse.status_code == 302
    contact = _page(client_agent, "contact")
    assert "Le mardi de 9 h à 12 h." in contact
    assert 'href="tel:0240000000"' in contact
    assert "dpo@ecollectivites.example" in _page(client_agent, "donnees_personnelles")
    assert "OVH, 2 rue Kellermann" in _page(client_agent, "mentions_legales")
    accessibilite = _page(client_agent, "accessibilite")
    assert "12 octobre 2026" in accessibilite and "<strong>74 %</strong>" in accessibilite


def test_the_footer_follows_the_declared_status(client_agent):
    client_agent.get(reverse("admin:portail_informationscommune_changelist"))
    client_agent.post(URL_ADMIN, _formulaire(conformite="non"))
    html = client_agent.get(reverse("accueil"), follow=True).content.decode()
    assert "Accessibilité : non conforme" in html


@pytest.mark.parametrize(
    ("champs", "champ_en_erreur", "message"),
    [
        (
            {"conformite": "partielle"},
            "taux_conformite",
            "sans audit, le site est « non conforme »",
        ),
        (
            {"conformite": "totale", "taux_conformite": "90", "date_audit": "2026-10-12"},
            "taux_conformite",
            "suppose 100 %",
        ),
        ({"conformite": "non", "taux_conformite": "80"}, "conformite", "partiellement conforme"),
        ({"taux_conformite": "140"}, "taux_conformite", "inférieure ou égale à 100"),
    ],
)
def test_a_status_the_audit_does_not_support_is_refused(
    client_agent, champs, champ_en_erreur, message
):
    client_agent.get(reverse("admin:portail_informationscommune_changelist"))
    reponse = client_agent.post(URL_ADMIN, _formulaire(telephone="01 02 03 04 05", **champs))
    assert reponse.status_code == 200
    erreurs = reponse.context["adminform"].form.errors
    assert message in " ".join(erreurs[champ_en_erreur])
    assert InformationsCommune.objects.get().telephone == ""  # nothing written


def test_staff_without_the_permission_cannot_edit(client, db):
    user = creer_user("accueil@example.org", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_informationscommune"))
    InformationsCommune.objects.create(telephone="01 02 03 04 05")
    client.force_login(user)
    client.post(URL_ADMIN, _formulaire(telephone="06 66 66 66 66"))
    assert InformationsCommune.objects.get().telephone == "01 02 03 04 05"
    assert "06 66" not in _page(client, "contact")


def test_there_is_only_one_row(db):
    InformationsCommune.objects.create(service="A")
    InformationsCommune(service="B").save()
    assert list(InformationsCommune.objects.values_list("service", flat=True)) == ["B"]


def test_personal_data_page_lists_what_is_kept_and_for_how_long(client, db, settings):
    settings.PORTAIL_CONSERVATION = {
        **settings.PORTAIL_CONSERVATION,
        "sante": 18,
        "factures": 120,
    }
    html = client.get(reverse("donnees_personnelles")).content.decode()
    for categorie in (
        "Identité et coordonnées",
        "Enfants",
        "Santé (fiche sanitaire)",
        "Revenus et quotient familial",
        "Réservations, factures et paiements",
        "Journaux de connexion",
    ):
        assert categorie in html
    assert "18 mois après la fin de la dernière inscription de l&#x27;enfant" in html
    assert "10 ans après la fin de l&#x27;année de la facture" in html
    assert "droit d'accès, de rectification, d'effacement" in html


def test_the_footer_costs_one_query_then_none(client, db, django_assert_num_queries):
    cache.delete(InformationsCommune.CLE_CACHE)
    with django_assert_num_queries(2):  # the town's details and the news, then cached
        client.get(reverse("accueil"))
    with django_assert_num_queries(0):
        html = client.get(reverse("accueil")).content.decode()
    assert "Accessibilité : non conforme" in html


def test_the_declaration_says_when_no_audit_was_made(client, db):
    InformationsCommune.objects.create(conformite="non", date_audit=None)
    html = client.get(reverse("accessibilite")).content.decode()
    assert "<strong>non conforme</strong>" in html
    assert "Aucun audit de conformité n'a encore été réalisé." in html
