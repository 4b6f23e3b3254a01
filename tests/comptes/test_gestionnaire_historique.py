"""`Modele.history` with its manager class made once per process (comptes/historique.py):
the same manager as simple-history's, bound to its object or to the whole model."""

from django.utils import timezone
from simple_history.manager import HistoryDescriptor, HistoryManager

from comptes.historique import _historique
from familles.models import Famille


def test_the_history_manager_is_simple_historys_made_once(parent, etranger):
    assert HistoryDescriptor.__get__ is _historique  # (installed by comptes/apps.py)
    assert type(Famille.history) is type(parent.famille.history)
    assert isinstance(Famille.history, HistoryManager)
    parent.famille.nom = "Nouveau nom"
    parent.famille.save()
    # bound to its object: only its own rows; unbound: the model's
    assert {h.id for h in parent.famille.history.all()} == {parent.famille.pk}
    assert parent.famille.history.first().nom == "Nouveau nom"
    assert {h.id for h in etranger.famille.history.all()} == {etranger.famille.pk}
    assert Famille.history.filter(id__in=[parent.famille.pk, etranger.famille.pk]).count() == (
        parent.famille.history.count() + etranger.famille.history.count()
    )


def test_as_of_and_the_neighbouring_versions_still_work(parent, etranger):
    famille = parent.famille
    avant = timezone.now()  # (both households exist, neither renamed yet)
    famille.nom = "Nouveau nom"
    famille.save()
    # the object as it was at a moment (bound manager) and the whole table then (unbound)
    assert famille.history.as_of(avant).nom == parent.famille.history.last().nom
    assert famille.history.as_of(avant).nom != "Nouveau nom"
    assert {f.pk for f in Famille.history.as_of(avant)} >= {famille.pk, etranger.famille.pk}
    recente = famille.history.first()
    assert recente.prev_record.history_id == famille.history.last().history_id
    assert recente.prev_record.next_record.history_id == recente.history_id
    assert famille.history.most_recent().nom == "Nouveau nom"
