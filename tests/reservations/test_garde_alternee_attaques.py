"""Garde alternée attacked (issue 10), the bookings' side: what a household no longer
linked to the child could still do. Each test is a hole found by hand, then closed."""

import datetime

from django.forms import inlineformset_factory

from familles.admin_second_foyer import RattachementAdminForm, RattachementsEnfantFormSet
from familles.models import Enfant, Rattachement
from inscriptions.models import Inscription
from reservations import services
from tests.finances.garde_alternee import deux_foyers
from tests.reservations.conftest import *  # noqa: F403 - frozen clock, canteen

FormSet = inlineformset_factory(
    Enfant,
    Rattachement,
    form=RattachementAdminForm,
    formset=RattachementsEnfantFormSet,
    fields=["famille", "garde", "semaines", "jours"],
    extra=0,
)


def _retirer(enfant, famille):
    """The child's page in the admin, « supprimer » ticked on one household's line."""
    liens = list(Rattachement.objects.filter(enfant=enfant).order_by("pk"))
    data = {
        "r-TOTAL_FORMS": str(len(liens)),
        "r-INITIAL_FORMS": str(len(liens)),
        "r-MIN_NUM_FORMS": "0",
        "r-MAX_NUM_FORMS": "1000",
    }
    for i, lien in enumerate(liens):
        data |= {
            f"r-{i}-id": str(lien.pk),
            f"r-{i}-enfant": str(enfant.pk),
            f"r-{i}-famille": str(lien.famille_id),
            f"r-{i}-garde": lien.garde,
            f"r-{i}-semaines": lien.semaines,
        }
        if lien.famille_id == famille.pk:
            data[f"r-{i}-DELETE"] = "on"
    return FormSet(data, instance=enfant, prefix="r")


def test_a_household_with_a_current_enrolment_cannot_be_detached_from_the_child(cantine):
    # Detached while its enrolment stayed validated, household B kept Léa's calendar and
    # could still book her days in its name. Staff end the enrolment first.
    f = deux_foyers(cantine)
    formset = _retirer(f.enfant, f.b.famille)
    assert not formset.is_valid()
    erreurs = " ".join(formset.non_form_errors())
    assert "encore une inscription en cours pour Léa" in erreurs
    assert "désinscrivez" in erreurs
    # What the refusal prevents: B's enrolment still books.
    assert services.reserver(f.inscription_b, [datetime.date(2026, 12, 3)]).reserves


def test_once_the_enrolment_is_ended_the_household_can_be_detached(cantine):
    f = deux_foyers(cantine)
    Inscription.objects.filter(pk=f.inscription_b.pk).update(statut=Inscription.Statut.ANNULEE)
    formset = _retirer(f.enfant, f.b.famille)
    assert formset.is_valid(), formset.errors
    formset.save()
    assert list(Rattachement.objects.filter(enfant=f.enfant).values_list("famille", flat=True)) == [
        f.a.famille_id
    ]
