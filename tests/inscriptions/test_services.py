import datetime

import pytest
from django.db import IntegrityError

from comptes.errors import DomainError
from familles.models import Rattachement
from inscriptions import services
from inscriptions.models import Activite, Inscription
from portail import services as portail_services
from portail.models import Demande
from tests.conftest import creer_enfant
from tests.inscriptions.conftest import PARIS

D = datetime.date
FIN = D(2027, 7, 3)
DEBUT = D(2026, 12, 1)


def _inscrire(parent, enfant, activite, debut=DEBUT, fin=FIN):
    return services.demander_inscription(parent, enfant, activite, debut, fin)


def test_a_manual_activity_waits_for_staff(parent, activite):
    enfant = creer_enfant(parent.famille)
    inscription = _inscrire(parent, enfant, activite)
    assert inscription.statut == Inscription.Statut.EN_ATTENTE
    assert inscription.symbole == "?"
    demande = Demande.objects.get(inscription=inscription)
    assert (demande.type, demande.statut) == (Demande.Type.INSCRIPTION, Demande.Statut.EN_ATTENTE)


def test_an_automatic_activity_validates_at_once(parent, creer_activite):
    activite = creer_activite(validation=Activite.Validation.AUTOMATIQUE, capacite=10)
    inscription = _inscrire(parent, creer_enfant(parent.famille), activite)
    assert inscription.statut == Inscription.Statut.VALIDEE
    assert Demande.objects.get(inscription=inscription).statut == Demande.Statut.ACCEPTEE


def test_a_full_automatic_activity_makes_the_request_wait(parent, creer_activite):
    activite = creer_activite(validation=Activite.Validation.AUTOMATIQUE, capacite=1)
    premier = _inscrire(parent, creer_enfant(parent.famille, prenom="Un"), activite)
    second = _inscrire(parent, creer_enfant(parent.famille, prenom="Deux"), activite)
    assert premier.statut == Inscription.Statut.VALIDEE
    assert second.statut == Inscription.Statut.EN_ATTENTE
    assert "complète" in Demande.objects.get(inscription=second).objet


def test_petite_enfance_is_a_preinscription(parent, creer_activite):
    activite = creer_activite(
        type=Activite.Type.PETITE_ENFANCE,
        preinscription=True,
        validation=Activite.Validation.AUTOMATIQUE,
        age_minimum_mois=2,
        age_maximum_mois=35,
    )
    bebe = creer_enfant(parent.famille, date_naissance=D(2026, 6, 1))
    inscription = _inscrire(parent, bebe, activite)
    assert inscription.statut == Inscription.Statut.PREINSCRIPTION
    assert inscription.symbole == "!"


@pytest.mark.parametrize(
    ("debut", "fin", "message"),
    [
        (D(2026, 12, 10), D(2026, 12, 1), "La date de fin doit suivre la date de début."),
        (D(2026, 12, 1), D(2027, 8, 1), "comprises dans la période"),
        (D(2026, 11, 20), FIN, "La date de début ne peut pas être passée."),
        (D(2026, 8, 1), FIN, "comprises dans la période"),
    ],
)
def test_it_rejects_bad_dates_and_writes_nothing(parent, activite, debut, fin, message):
    with pytest.raises(DomainError, match=message):
        _inscrire(parent, creer_enfant(parent.famille), activite, debut, fin)
    assert not Inscription.objects.exists()
    assert not Demande.objects.exists()


def test_it_rejects_an_ineligible_child(parent, creer_activite):
    activite = creer_activite(niveaux=["cp", "ce1"])
    enfant = creer_enfant(parent.famille, classe="cm2")
    with pytest.raises(DomainError, match="Réservée aux classes suivantes : CP, CE1"):
        _inscrire(parent, enfant, activite)
    assert not Inscription.objects.exists()


def test_it_checks_the_age_at_the_start_date(parent, creer_activite):
    activite = creer_activite(age_minimum_mois=36, age_maximum_mois=143)
    # 3 years old on 10 January 2027: eligible this season, but not on 1 December.
    enfant = creer_enfant(parent.famille, date_naissance=D(2024, 1, 10))
    with pytest.raises(DomainError, match="n'aura pas l'âge requis"):
        _inscrire(parent, enfant, activite, D(2026, 12, 1))
    assert _inscrire(parent, enfant, activite, D(2027, 1, 11)).pk


def test_it_rejects_a_closed_window(parent, creer_activite):
    activite = creer_activite(
        fermeture_inscriptions=datetime.datetime(2026, 11, 27, 9, 59, tzinfo=PARIS)
    )
    with pytest.raises(DomainError, match="Les inscriptions sont closes depuis le 27 novembre"):
        _inscrire(parent, creer_enfant(parent.famille), activite)
    assert not Inscription.objects.exists()


def test_it_rejects_a_window_not_yet_open(parent, creer_activite):
    activite = creer_activite(
        ouverture_inscriptions=datetime.datetime(2026, 12, 1, 8, tzinfo=PARIS)
    )
    with pytest.raises(DomainError, match="Les inscriptions ouvrent le 1 décembre 2026 à 08:00"):
        _inscrire(parent, creer_enfant(parent.famille), activite)


def test_a_second_enrolment_is_refused(parent, coparent, activite):
    enfant = creer_enfant(parent.famille)
    _inscrire(parent, enfant, activite)
    with pytest.raises(DomainError, match="déjà inscrit"):
        _inscrire(coparent, enfant, activite)
    assert Inscription.objects.count() == 1


def test_the_database_refuses_a_duplicate_too(parent, activite):
    enfant = creer_enfant(parent.famille)
    _inscrire(parent, enfant, activite)
    with pytest.raises(IntegrityError):
        Inscription.objects.create(
            enfant=enfant,
            famille=parent.famille,
            activite=activite,
            date_debut=D(2026, 12, 1),
            date_fin=FIN,
        )


def test_after_a_refusal_the_family_may_ask_again(parent, agent, activite):
    enfant = creer_enfant(parent.famille)
    premiere = _inscrire(parent, enfant, activite)
    services.refuser_inscription(premiere.pk, agent, "Dossier incomplet")
    assert _inscrire(parent, enfant, activite).statut == Inscription.Statut.EN_ATTENTE


def test_staff_cannot_validate_beyond_capacity(parent, agent, creer_activite):
    activite = creer_activite(capacite=1)
    a = _inscrire(parent, creer_enfant(parent.famille, prenom="Un"), activite)
    b = _inscrire(parent, creer_enfant(parent.famille, prenom="Deux"), activite)
    services.valider_inscription(a.pk, agent)
    with pytest.raises(DomainError, match=r"est complète \(1/1 places occupées\)"):
        services.valider_inscription(b.pk, agent)
    b.refresh_from_db()
    assert b.statut == Inscription.Statut.EN_ATTENTE
    assert Demande.objects.get(inscription=b).statut == Demande.Statut.EN_ATTENTE


def test_validating_closes_the_request_and_emails_the_family(
    parent,
    coparent,
    agent,
    activite,
    django_capture_on_commit_callbacks,
    executer_taches,
    mailoutbox,
):
    inscription = _inscrire(parent, creer_enfant(parent.famille), activite)
    with django_capture_on_commit_callbacks(execute=True):
        services.valider_inscription(inscription.pk, agent)
    executer_taches()
    demande = Demande.objects.get(inscription=inscription)
    assert (demande.statut, demande.traitee_par) == (Demande.Statut.ACCEPTEE, agent)
    assert sorted(m.to[0] for m in mailoutbox) == ["coparent@example.org", "parent@example.org"]
    assert "Inscription validée" in mailoutbox[0].subject


def test_a_decision_cannot_be_taken_twice(parent, agent, activite):
    inscription = _inscrire(parent, creer_enfant(parent.famille), activite)
    services.valider_inscription(inscription.pk, agent)
    with pytest.raises(DomainError, match="est déjà validée"):
        services.refuser_inscription(inscription.pk, agent, "trop tard")


def test_a_refusal_needs_a_reason(parent, agent, activite):
    inscription = _inscrire(parent, creer_enfant(parent.famille), activite)
    with pytest.raises(DomainError, match="Indiquez le motif"):
        services.refuser_inscription(inscription.pk, agent, " ")


def test_the_request_queue_decides_the_enrolment_too(parent, agent, creer_activite):
    activite = creer_activite(capacite=1)
    a = _inscrire(parent, creer_enfant(parent.famille, prenom="Un"), activite)
    b = _inscrire(parent, creer_enfant(parent.famille, prenom="Deux"), activite)
    portail_services.accepter_demande(Demande.objects.get(inscription=a).pk, agent)
    a.refresh_from_db()
    assert a.statut == Inscription.Statut.VALIDEE
    with pytest.raises(DomainError, match="complète"):
        portail_services.accepter_demande(Demande.objects.get(inscription=b).pk, agent)
    portail_services.refuser_demande(Demande.objects.get(inscription=b).pk, agent, "Complet")
    b.refresh_from_db()
    assert (b.statut, b.motif_refus) == (Inscription.Statut.REFUSEE, "Complet")


@pytest.mark.parametrize(
    ("naissance", "mois"),
    [
        (D(2024, 1, 31), 1),
        (D(2024, 2, 29), 12),
        (D(2023, 12, 31), 2),
        (D(2023, 11, 27), 36),
    ],
)
def test_the_first_possible_day_matches_the_age_rule(naissance, mois, creer_activite):
    from inscriptions.models import age_en_mois

    activite = creer_activite(age_minimum_mois=mois)
    jour = services._date_age(naissance, mois)
    assert age_en_mois(naissance, jour) == mois
    assert age_en_mois(naissance, jour - datetime.timedelta(days=1)) == mois - 1
    assert activite.pk


def test_ages_read_as_parents_say_them(creer_activite):
    activite = creer_activite(age_minimum_mois=36, age_maximum_mois=143)
    assert services._ages(activite) == "de 3 ans à 11 ans"
    assert (
        services._ages(creer_activite(age_minimum_mois=2, age_maximum_mois=35))
        == "de 2 mois à 2 ans"
    )


def test_next_season_uses_next_years_class(parent, creer_activite, horloge):
    from inscriptions.models import Periode

    horloge.move_to(datetime.datetime(2027, 6, 1, 10, tzinfo=PARIS))
    saison = Periode.objects.create(nom="2027-2028", debut=D(2027, 9, 1), fin=D(2028, 7, 3))
    primaire = creer_activite(
        periode=saison,
        niveaux=["ps", "ms", "cp", "ce1", "cm2"],
        fermeture_inscriptions=datetime.datetime(2027, 8, 1, tzinfo=PARIS),
    )
    cm2 = creer_enfant(parent.famille, prenom="Grand", classe="cm2")
    bebe = creer_enfant(parent.famille, prenom="Petit", classe="", date_naissance=D(2024, 3, 1))
    ce1 = creer_enfant(parent.famille, prenom="Moyen", classe="cp")
    assert services.motif_non_proposee(cm2, primaire, False) is not None  # collège next year
    assert services.motif_non_proposee(bebe, primaire, False) is None  # enters PS at 3
    assert services.motif_non_proposee(ce1, primaire, False) is None  # CP → CE1


def test_queue_processing_needs_the_enrolment_right(parent, activite):
    from django.contrib.auth.models import Permission

    from tests.conftest import creer_user

    inscription = _inscrire(parent, creer_enfant(parent.famille), activite)
    demande = Demande.objects.get(inscription=inscription)
    agent = creer_user("file@example.org", is_staff=True)
    agent.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_demande", "view_demande"])
    )
    with pytest.raises(DomainError, match="pas le droit de traiter"):
        portail_services.accepter_demande(demande.pk, agent)
    inscription.refresh_from_db()
    assert inscription.statut == Inscription.Statut.EN_ATTENTE


def test_the_queue_sends_the_enrolment_email_to_both_parents_once(
    parent,
    coparent,
    agent,
    activite,
    django_capture_on_commit_callbacks,
    executer_taches,
    mailoutbox,
):
    inscription = _inscrire(parent, creer_enfant(parent.famille), activite)
    with django_capture_on_commit_callbacks(execute=True):
        portail_services.accepter_demande(Demande.objects.get(inscription=inscription).pk, agent)
    executer_taches()
    assert sorted(m.to[0] for m in mailoutbox) == ["coparent@example.org", "parent@example.org"]
    assert all("Inscription validée" in m.subject for m in mailoutbox)


def test_an_automatic_validation_tells_both_parents(
    parent,
    coparent,
    creer_activite,
    django_capture_on_commit_callbacks,
    executer_taches,
    mailoutbox,
):
    activite = creer_activite(validation=Activite.Validation.AUTOMATIQUE)
    with django_capture_on_commit_callbacks(execute=True):
        _inscrire(parent, creer_enfant(parent.famille), activite)
    executer_taches()
    assert len(mailoutbox) == 2


def test_each_household_of_a_child_in_garde_alternee_enrols_in_its_own_name(
    parent, etranger, creer_activite
):
    activite = creer_activite(validation=Activite.Validation.AUTOMATIQUE, capacite=1)
    enfant = creer_enfant(parent.famille)
    Rattachement.objects.create(enfant=enfant, famille=etranger.famille)
    premiere = _inscrire(parent, enfant, activite)
    # The activity is full, but the child already holds its place: the second household's
    # enrolment validates too, and the place is counted once.
    seconde = _inscrire(etranger, enfant, activite)
    assert (premiere.famille, seconde.famille) == (parent.famille, etranger.famille)
    assert premiere.statut == seconde.statut == Inscription.Statut.VALIDEE
    assert services.places_restantes(activite) == 0
    # Another child is not let in on the strength of it.
    autre = creer_enfant(parent.famille, prenom="Hugo")
    assert _inscrire(parent, autre, activite).statut == Inscription.Statut.EN_ATTENTE
    # "Déjà inscrit" is per household.
    with pytest.raises(DomainError, match="déjà inscrite"):
        _inscrire(etranger, enfant, activite)
    assert Inscription.objects.filter(enfant=enfant).count() == 2
