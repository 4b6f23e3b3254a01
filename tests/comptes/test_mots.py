from django.template import Context, Template

from comptes.mots import accord, nombre
from familles.models import Enfant


def test_it_agrees_with_the_child_recorded_sex():
    assert accord(Enfant(sexe="f"), "inscrit") == "inscrite"
    assert accord(Enfant(sexe="g"), "inscrit") == "inscrit"
    assert accord(Enfant(sexe="f"), "Né") == "Née"
    assert accord(Enfant(sexe="f"), "seul") == "seule"
    assert accord({"sexe": "f"}, "ajouté") == "ajoutée"


def test_it_keeps_both_forms_only_when_the_record_does_not_say():
    assert accord({}, "né") == "né(e)"  # an attestation issued before the sex was copied


def test_it_writes_french_plurals():
    assert nombre(0, "inscription validée", "inscriptions validées") == "0 inscription validée"
    assert nombre(1, "inscription validée", "inscriptions validées") == "1 inscription validée"
    assert nombre(3, "inscription validée", "inscriptions validées") == "3 inscriptions validées"


def test_the_template_filters():
    gabarit = Template(
        '{% load mots %}{{ enfant|accord:"inscrit" }} ; '
        '{{ n|nombre:"enfant attendu,enfants attendus" }}'
    )
    rendu = gabarit.render(Context({"enfant": Enfant(sexe="f"), "n": 2}))
    assert rendu == "inscrite ; 2 enfants attendus"
