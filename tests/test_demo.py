from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from comptes.models import User
from familles.models import Enfant, Famille
from inscriptions.models import Activite, Inscription
from portail.demo import MOT_DE_PASSE
from portail.models import Demande


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
