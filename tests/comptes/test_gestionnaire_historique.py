"""`Modele.history` with its manager class made once per process (comptes/historique.py):
the same manager as simple-history's, bound to its object or to the whole model."""

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
