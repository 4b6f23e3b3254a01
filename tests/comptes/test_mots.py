import datetime

from django.template import Context, Template

from comptes.mots import accord, de, elide, nombre
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


def test_it_elides_de_before_a_vowel_sound():
    assert de("octobre") == "d'octobre"
    assert de("avril 2027") == "d'avril 2027"
    assert de("décembre") == "de décembre"
    assert de("Hugo") == "d'Hugo"
    assert de("Léa") == "de Léa"
    assert de("Élise") == "d'Élise"
    assert de("Œdipe") == "d'Œdipe"
    assert de("Accueil du matin") == "d'Accueil du matin"


def test_it_elides_before_h_only_for_the_listed_silent_ones():
    assert de("Hélène") == "d'Hélène"
    assert de("Hugo-Pierre") == "d'Hugo-Pierre"
    assert de("Hanna") == "de Hanna"
    assert de("handball") == "de handball"


def test_y_is_a_vowel_only_before_a_consonant():
    assert de("Yves") == "d'Yves"
    assert de("Yanis") == "de Yanis"


def test_it_elides_other_short_words():
    assert elide("que", "Hugo") == "qu'Hugo"
    assert elide("que", "Léa") == "que Léa"
    assert elide("le", "accueil") == "l'accueil"
    assert elide("De", "octobre") == "D'octobre"
    assert elide("à", "Hugo") == "à Hugo"  # only an e or an a is elided


def test_it_leaves_numbers_and_empty_words_alone():
    assert de("10/2026") == "de 10/2026"
    assert de("") == "de "


def test_the_elision_filters_escape_the_word_not_the_apostrophe():
    gabarit = Template(
        '{% load mots %}Planning {{ mois|date:"F Y"|de }} ; fiche {{ prenom|de }} ; '
        'parce {{ autre|elide:"que" }} ; {{ piege|de }}'
    )
    rendu = gabarit.render(
        Context(
            {
                "mois": datetime.date(2026, 10, 1),
                "prenom": "Hugo",
                "autre": "Léa",
                "piege": "Anne <b>",
            }
        )
    )
    assert rendu == ("Planning d'octobre 2026 ; fiche d'Hugo ; parce que Léa ; d'Anne &lt;b&gt;")


def test_pages_mails_and_messages_use_the_elision():
    from django.template.loader import render_to_string

    from reservations.services import FicheSanitaireACertifier

    planning = render_to_string(
        "pdf/planning.html", {"titre_mois": "octobre 2026", "semaines": [], "jours_semaine": []}
    )
    assert "<h1>Planning d'octobre 2026" in planning
    courriel = render_to_string(
        "emails/jour_ferme.txt",
        {"reservation": {"enfant": {"prenom": "Inès"}, "activite": {"nom": "Cantine"}}},
    )
    assert "La réservation d'Inès pour ce jour est annulée" in courriel
    assert "fiche sanitaire d'Hugo doit" in str(
        FicheSanitaireACertifier(Enfant(prenom="Hugo"), 2026)
    )


def test_the_tax_certificate_keeps_the_family_name_capitalised():
    from django.template.loader import render_to_string

    from familles.models import Famille

    contexte = {"annee": 2026, "montants": [], "total": 0, "commune": "Belleville"}
    lemaire = render_to_string(
        "pdf/attestation_fiscale.html", {**contexte, "famille": Famille(nom="Famille Lemaire")}
    )
    assert "atteste que la famille Lemaire a payé" in lemaire
    autre = render_to_string(
        "pdf/attestation_fiscale.html", {**contexte, "famille": Famille(nom="Dupont-Martin")}
    )
    assert "atteste que le foyer Dupont-Martin a payé" in autre
