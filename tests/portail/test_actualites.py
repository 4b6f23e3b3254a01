"""Actualités: general news on the public home page, a household's own on its dashboard;
the contact page's details come from the admin."""

import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from inscriptions.models import Site
from portail.models import Actualite, InformationsCommune
from tests.reservations.conftest import *  # noqa: F403 - frozen clock, season, canteen
from tests.reservations.conftest import inscrire

ACCUEIL = reverse("accueil")
TABLEAU = reverse("tableau_de_bord")


def _actualite(titre, jours_debut=-1, jours_fin=None, **champs):
    aujourd_hui = timezone.localdate()
    return Actualite.objects.create(
        titre=titre,
        texte=f"Texte de {titre}",
        debut=aujourd_hui + datetime.timedelta(days=jours_debut),
        fin=aujourd_hui + datetime.timedelta(days=jours_fin) if jours_fin is not None else None,
        **champs,
    )


@pytest.fixture
def nouvelles(parent, cantine, creer_activite):
    """General, our canteen's, our site's, another site's; plus expired and future."""
    ailleurs = creer_activite(nom="Cantine Macé", site=Site.objects.create(nom="École Macé"))
    inscrire(parent.famille, cantine, "Léa")
    _actualite("Générale")
    _actualite("Menu de notre cantine", activite=cantine)
    _actualite("Travaux de notre école", site=cantine.site)
    _actualite("Fête de Macé", site=ailleurs.site)
    _actualite("Expirée", jours_debut=-10, jours_fin=-1)
    _actualite("Dernier jour", jours_debut=-10, jours_fin=0)
    _actualite("À venir", jours_debut=2)


def test_the_home_page_shows_general_published_news_only(client, nouvelles):
    html = client.get(ACCUEIL).content.decode()
    assert "Générale" in html and "Texte de Générale" in html
    for titre in ("Menu de notre cantine", "Travaux", "Macé", "Expirée", "À venir"):
        assert titre not in html


def test_the_dashboard_shows_the_household_news(client_parent, nouvelles):
    html = client_parent.get(TABLEAU).content.decode()
    for titre in ("Générale", "Dernier jour", "Menu de notre cantine", "Travaux de notre école"):
        assert titre in html
    for titre in ("Fête de Macé", "Expirée", "À venir"):
        assert titre not in html


def test_a_news_item_ends_after_it_starts_and_targets_one_site_or_activity(db, cantine):
    aujourd_hui = timezone.localdate()
    veille = aujourd_hui - datetime.timedelta(days=1)
    actualite = Actualite(titre="x", texte="y", debut=aujourd_hui, fin=aujourd_hui)
    actualite.full_clean()  # published for one day
    actualite.fin = veille
    with pytest.raises(ValidationError, match="La fin de publication ne peut précéder son début"):
        actualite.full_clean()
    actualite = Actualite(titre="x", texte="y", site=cantine.site, activite=cantine)
    with pytest.raises(ValidationError, match="pas les deux"):
        actualite.full_clean()


def test_staff_write_news_in_the_admin(client_agent):
    response = client_agent.post(
        reverse("admin:portail_actualite_add"),
        {
            "titre": "Piscine fermée",
            "texte": "Fermée lundi.",
            "debut": "27/11/2026",
            "fin": "",
        },
    )
    assert response.status_code == 302
    actualite = Actualite.objects.get()
    assert actualite.history.get().history_user.email == "agent@example.org"


def test_the_contact_page_shows_what_staff_set(client, db):
    cache.set(
        InformationsCommune.CLE_CACHE,
        InformationsCommune(
            pk=1,
            telephone="02 40 00 00 00",
            horaires="Lundi de 9 h à 12 h.",
            informations_contact="Fermé du 1er au 15 août.",
        ),
    )
    html = client.get(reverse("contact")).content.decode()
    assert "Lundi de 9 h à 12 h." in html and "Fermé du 1er au 15 août." in html
    assert "02 40 00 00 00" in html
    # Every page's footer links to it.
    assert f'href="{reverse("contact")}"' in client.get(ACCUEIL).content.decode()


def test_the_home_page_reads_the_news_once_then_from_the_cache(
    client, nouvelles, django_assert_num_queries
):
    with django_assert_num_queries(1):
        client.get(ACCUEIL)
    with django_assert_num_queries(0):
        client.get(ACCUEIL)
    # An edit shows at once (in this process; within five minutes in the others).
    Actualite.objects.filter(titre="Générale").get().delete()
    assert "Générale" not in client.get(ACCUEIL).content.decode()


def test_a_news_item_appears_on_its_first_day_even_with_a_warm_cache(client, db, horloge):
    _actualite("Demain", jours_debut=1)
    assert "Demain" not in client.get(ACCUEIL).content.decode()
    horloge.shift(datetime.timedelta(days=1))
    assert "Demain" in client.get(ACCUEIL).content.decode()
