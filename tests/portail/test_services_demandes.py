import threading

import pytest
from django.db import connection

from comptes.errors import DomainError
from familles.services import demander_modification_coordonnees
from portail import services
from portail.models import Demande


def _demande(responsable, **changes):
    valeurs = {c: getattr(responsable, c) for c in responsable.CHAMPS_COORDONNEES}
    return demander_modification_coordonnees(responsable, {**valeurs, **changes})


def test_accept_applies_every_requested_field(parent, agent):
    demande = _demande(parent, ville="Rezé", telephone_fixe="02 40 00 00 00")
    services.accepter_demande(demande.pk, agent)
    parent.refresh_from_db()
    assert (parent.ville, parent.telephone_fixe) == ("Rezé", "02 40 00 00 00")


def test_a_failed_application_writes_nothing(parent, agent):
    demande = _demande(parent, ville="Rezé")
    Demande.objects.filter(pk=demande.pk).update(donnees={"ville": "Rezé", "code_postal": "x"})
    with pytest.raises(DomainError, match="code postal"):
        services.accepter_demande(demande.pk, agent)
    demande.refresh_from_db()
    parent.refresh_from_db()
    assert demande.statut == Demande.Statut.EN_ATTENTE
    assert parent.ville == "Nantes"


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_agents_at_once_exactly_one_wins(parent, agent):
    demande = _demande(parent, ville="Rezé")
    barrier = threading.Barrier(2)
    results = []

    def traiter(action):
        try:
            barrier.wait()
            if action == "accepter":
                services.accepter_demande(demande.pk, agent)
            else:
                services.refuser_demande(demande.pk, agent, "non")
            results.append("ok")
        except DomainError as exc:
            results.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=traiter, args=(a,)) for a in ("accepter", "refuser")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1
    assert any("déjà été traitée" in r for r in results)
    demande.refresh_from_db()
    parent.refresh_from_db()
    # The change applied if and only if the acceptance won.
    assert (parent.ville == "Rezé") == (demande.statut == Demande.Statut.ACCEPTEE)


def test_a_request_whose_parent_was_removed_is_refused_plainly(parent, agent):
    demande = _demande(parent, ville="Rezé")
    Demande.objects.filter(pk=demande.pk).update(demandeur=None)
    with pytest.raises(DomainError, match="n'existe plus"):
        services.accepter_demande(demande.pk, agent)
    demande.refresh_from_db()
    assert demande.est_en_attente


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_double_submitted_change_makes_one_request(parent):
    barrier = threading.Barrier(2)
    erreurs = []

    def envoyer():
        try:
            barrier.wait()
            _demande(parent, ville="Rezé")
        except Exception as exc:  # noqa: BLE001 - any failure is the bug we look for
            erreurs.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=envoyer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert erreurs == []
    assert Demande.objects.filter(type=Demande.Type.COORDONNEES).count() == 1
