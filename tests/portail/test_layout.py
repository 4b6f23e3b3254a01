from django.urls import reverse

from tests.html import analyser, champs_sans_label

RUBRIQUES = [
    "Mon tableau de bord",
    "Ma famille",
    "Mes coordonnées",
    "Mes inscriptions et réservations",
    "Mon compte",
]


def test_the_home_page_invites_to_sign_in(client, db):
    html = client.get(reverse("accueil")).content.decode()
    assert 'lang="fr"' in html
    assert reverse("account_login") in html and reverse("account_signup") in html


def test_every_parent_page_has_landmarks_navigation_and_labels(client_parent):
    for nom in (
        "tableau_de_bord",
        "ma_famille",
        "mes_coordonnees",
        "enfant_ajouter",
        "mes_inscriptions",
        "mon_compte",
    ):
        html = client_parent.get(reverse(nom)).content.decode()
        page = analyser(html)
        tags = [t for t, _ in page.balises]
        assert tags.count("main") == 1 and "header" in tags and "footer" in tags, nom
        assert html.index('class="lien-evitement" href="#contenu"') < html.index("<main"), nom
        assert all(r in html for r in RUBRIQUES), nom
        assert html.count('aria-current="page"') == 1, nom
        assert champs_sans_label(html) == [], nom
        assert 'name="viewport"' in html


def test_a_logged_in_parent_is_sent_from_home_to_the_dashboard(client_parent):
    response = client_parent.get(reverse("accueil"))
    assert response["Location"] == reverse("tableau_de_bord")


def test_unknown_pages_are_french_404s(client_parent):
    response = client_parent.get("/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()
