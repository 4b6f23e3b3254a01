import datetime
import zoneinfo
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from comptes.models import Facture, LigneFacture, User
from familles.models import Enfant, Famille, Rattachement
from inscriptions.models import Activite, Inscription
from portail.demo import MOT_DE_PASSE
from portail.models import Demande
from reservations.models import Reservation


def _demo(*args):
    out = StringIO()
    call_command("demo", *args, "--force", stdout=out)
    return out.getvalue()


def test_it_builds_the_town_with_the_documented_logins(db):
    sortie = _demo("--familles", "12")
    for email in ("parent1@example.org", "parent2@example.org", "gestionnaire@example.org"):
        assert email in sortie
        assert User.objects.get(email=email).check_password(MOT_DE_PASSE)
    assert Famille.objects.count() == 12
    parent1 = User.objects.get(email="parent1@example.org")
    assert Enfant.objects.for_user(parent1).count() == 2
    assert (
        Demande.objects.en_attente()
        .filter(demandeur__user=parent1, type=Demande.Type.COORDONNEES)
        .exists()
    )
    assert User.objects.get(email="gestionnaire@example.org").is_staff
    statuts = set(Inscription.objects.for_user(parent1).values_list("statut", flat=True))
    assert statuts == {Inscription.Statut.VALIDEE, Inscription.Statut.EN_ATTENTE}
    assert Activite.objects.filter(type=Activite.Type.PETITE_ENFANCE, preinscription=True).exists()


def test_a_second_run_duplicates_nothing(db):
    _demo("--familles", "8")
    compte = (
        User.objects.count(),
        Famille.objects.count(),
        Enfant.objects.count(),
        Demande.objects.count(),
    )
    _demo("--familles", "8")
    assert compte == (
        User.objects.count(),
        Famille.objects.count(),
        Enfant.objects.count(),
        Demande.objects.count(),
    )


def test_demo_logins_work_end_to_end(client, db):
    _demo("--familles", "3")
    client.post(
        reverse("account_login"), {"login": "parent1@example.org", "password": MOT_DE_PASSE}
    )
    html = client.get(reverse("mes_coordonnees")).content.decode()
    assert "Modification en attente de validation" in html
    client.logout()
    client.post(
        reverse("account_login"), {"login": "gestionnaire@example.org", "password": MOT_DE_PASSE}
    )
    # Staff sign in with a second factor; the demo's code is printed by `demo --code`.
    code = _demo("--code").split()[0]
    client.post(reverse("mfa_authenticate"), {"code": code})
    response = client.get(reverse("admin:portail_demande_changelist"))
    assert response.status_code == 200
    assert "Demandes à traiter" in response.content.decode()


def test_it_refuses_to_run_in_production(db):
    with pytest.raises(CommandError, match="refusée quand DEBUG est désactivé"):
        call_command("demo", stdout=StringIO())
    assert not User.objects.exists()


def test_the_separated_family_shares_chloe_week_by_week(db):
    # Friday 27 November 2026: last month is October, this month and the next are booked.
    with time_machine.travel(
        datetime.datetime(2026, 11, 27, 10, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")), tick=False
    ):
        sortie = _demo("--familles", "0")
    mere = User.objects.get(email="mere.garde@example.org")
    pere = User.objects.get(email="pere.garde@example.org")
    assert "mere.garde@example.org" in sortie and "pere.garde@example.org" in sortie
    assert mere.check_password(MOT_DE_PASSE) and pere.check_password(MOT_DE_PASSE)
    # Two households, one child each sees.
    (chloe,) = Enfant.objects.for_user(mere)
    assert list(Enfant.objects.for_user(pere)) == [chloe]
    foyer_mere, foyer_pere = mere.responsable.famille, pere.responsable.famille
    assert foyer_mere != foyer_pere
    rattachements = {r.famille_id: r for r in Rattachement.objects.filter(enfant=chloe)}
    assert set(rattachements) == {foyer_mere.pk, foyer_pere.pk}
    assert {r.semaines for r in rattachements.values()} == {"paires", "impaires"}
    # Each household enrolled her in the same canteen, in its own name.
    inscriptions = Inscription.objects.filter(enfant=chloe, statut=Inscription.Statut.VALIDEE)
    assert {i.famille_id for i in inscriptions} == {foyer_mere.pk, foyer_pere.pk}
    assert len({i.activite_id for i in inscriptions}) == 1
    jours = {}
    for foyer in (foyer_mere, foyer_pere):
        dates = set(
            Reservation.objects.actives()
            .filter(inscription__famille=foyer, inscription__enfant=chloe)
            .values_list("date", flat=True)
        )
        # Within its own enrolment, on its own weeks only, in this month and the next.
        (inscription,) = inscriptions.filter(famille=foyer)
        assert all(inscription.date_debut <= d <= inscription.date_fin for d in dates)
        assert all(rattachements[foyer.pk].a_la_garde(d) for d in dates)
        assert {(d.year, d.month) for d in dates} >= {(2026, 11), (2026, 12)}
        jours[foyer.pk] = dates
    assert not jours[foyer_mere.pk] & jours[foyer_pere.pk]
    # One invoice each for October, at each household's own quotient.
    for foyer, prix in ((foyer_mere, "3.00"), (foyer_pere, "2.10")):
        facture = Facture.objects.get(famille=foyer, type=Facture.Type.FACTURE)
        assert facture.mois == datetime.date(2026, 10, 1) and facture.montant > 0
        lignes = LigneFacture.objects.filter(facture=facture)
        assert {str(p) for p in lignes.values_list("prix_unitaire", flat=True)} == {prix}
        assert all(
            rattachements[foyer.pk].a_la_garde(d) for d in lignes.values_list("date", flat=True)
        )


def test_staff_can_accept_every_pending_change_of_details(db):
    # (the generated households' requests held a number libphonenumber refuses: 07 12…)
    from portail.services import accepter_demande

    _demo("--familles", "26")
    agent = User.objects.get(email="gestionnaire@example.org")
    demandes = Demande.objects.en_attente().filter(type=Demande.Type.COORDONNEES)
    assert demandes.count() > 1
    for demande in demandes:
        assert accepter_demande(demande.pk, agent).statut == Demande.Statut.ACCEPTEE
