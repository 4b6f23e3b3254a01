import datetime

from django.urls import reverse

from inscriptions import services
from tests.conftest import creer_enfant
from tests.inscriptions.conftest import PARIS


def _url(enfant):
    return reverse("choisir_activite", args=[enfant.pk])


def test_it_checks_ownership(client, parent, etranger, activite):
    enfant = creer_enfant(parent.famille)
    client.force_login(etranger.user)
    assert client.get(_url(enfant)).status_code == 404


def test_it_offers_eligible_activities_and_says_why_not_the_others(
    client_parent, parent, creer_activite
):
    enfant = creer_enfant(parent.famille, prenom="Léa", classe="ce1")
    ouverte = creer_activite(nom="Cantine")
    creer_activite(nom="Études du soir", niveaux=["cm1", "cm2"])
    creer_activite(
        nom="Séjour d'hiver", fermeture_inscriptions=datetime.datetime(2026, 11, 1, tzinfo=PARIS)
    )
    deja = creer_activite(nom="Mercredis")
    services.demander_inscription(
        parent, enfant, deja, datetime.date(2026, 12, 2), datetime.date(2027, 7, 3)
    )
    html = client_parent.get(_url(enfant)).content.decode()
    assert reverse("inscrire", args=[enfant.pk, ouverte.pk]) in html
    assert "Réservée aux classes suivantes : CM1, CM2." in html
    assert "Les inscriptions sont closes depuis le 1 novembre 2026" in html
    assert "Léa est déjà inscrite à cette activité." in html
    assert html.count("S'inscrire<span") == 1


def test_the_childs_school_comes_first_and_other_schools_fold_away(
    client_parent, parent, creer_activite, site
):
    from decimal import Decimal

    from comptes.models import QuotientFamilial
    from inscriptions.models import Activite, Site
    from reservations.models import ParametresReservation
    from tests.finances.aide import tarif

    enfant = creer_enfant(parent.famille, prenom="Léa", ecole="École Jules Ferry")
    ici = creer_activite(nom="Restauration scolaire", description="Restauration scolaire")
    tarif(ici, unite="repas")
    ParametresReservation.objects.create(activite=ici, jours_ouverture=[0, 1, 3, 4])
    QuotientFamilial.objects.create(
        famille=parent.famille,
        valeur=Decimal("650"),
        source="caf",
        depuis=datetime.date(2026, 9, 1),
    )
    michel = Site.objects.create(nom="École Louise Michel")
    creer_activite(nom="Cantine Michel", site=michel)
    castors = Site.objects.create(nom="Centre de loisirs Les Castors")
    creer_activite(nom="Mercredis", site=castors, type=Activite.Type.LOISIRS_MERCREDI)
    html = client_parent.get(_url(enfant)).content.decode()
    html = html[html.index('id="contenu"') :]  # (the header's menu folds in a <details> too)
    assert html.index("Restauration scolaire") < html.index("Mercredis") < html.index("<details")
    assert html.index("<details") < html.index("Cantine Michel")
    assert "Autres sites (1)" in html
    assert "2,10\u00a0€ le repas pour votre foyer" in html
    assert "Tarif pas encore fixé par le service" in html
    assert "lundi, mardi, jeudi et vendredi, en période scolaire" in html
    # Neither the description nor the type repeats the title.
    assert "<li>Restauration scolaire</li>" not in html
    assert html.count("Restauration scolaire, Année") == 1  # for "Cantine Michel" only


def test_it_reads_the_prices_in_a_constant_number_of_queries(
    client_parent, parent, creer_activite, django_assert_num_queries
):
    from tests.finances.aide import tarif

    enfant = creer_enfant(parent.famille, prenom="Léa")
    for i in range(3):
        tarif(creer_activite(nom=f"Accueil {i}"))
    # session, user, enfant, activities with site/period/tariff/rules, enrolments,
    # quotients, brackets, documents checks none
    with django_assert_num_queries(7):
        client_parent.get(_url(enfant))
    tarif(creer_activite(nom="Accueil 4"))
    with django_assert_num_queries(7):
        client_parent.get(_url(enfant))
