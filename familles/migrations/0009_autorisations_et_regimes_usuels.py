from django.db import migrations

TYPES = [
    (
        1,
        "Droit à l'image",
        "J'autorise la prise et la diffusion de photos de mon enfant "
        "dans les supports de la commune (journal, site, exposition).",
        False,
    ),
    (
        2,
        "Sortie seul(e)",
        "J'autorise mon enfant à quitter seul(e) l'accueil à partir de l'heure indiquée.",
        True,
    ),
    (
        3,
        "Soins et hospitalisation d'urgence",
        "J'autorise le responsable de l'accueil à "
        "prendre toute mesure (traitement, hospitalisation, intervention) rendue nécessaire "
        "par l'état de santé de mon enfant.",
        False,
    ),
    (
        4,
        "Transport (car, bus)",
        "J'autorise mon enfant à être transporté en car ou en bus lors des sorties.",
        False,
    ),
]
REGIMES = [(1, "Sans porc"), (2, "Sans viande"), (3, "Végétarien"), (4, "Panier repas (PAI)")]


def creer(apps, schema_editor):
    TypeAutorisation = apps.get_model("familles", "TypeAutorisation")
    RegimeAlimentaire = apps.get_model("familles", "RegimeAlimentaire")
    for ordre, nom, description, avec_heure in TYPES:
        TypeAutorisation.objects.get_or_create(
            nom=nom,
            defaults={"ordre": ordre, "description": description, "avec_heure": avec_heure},
        )
    for ordre, nom in REGIMES:
        RegimeAlimentaire.objects.get_or_create(nom=nom, defaults={"ordre": ordre})


class Migration(migrations.Migration):
    dependencies = [("familles", "0008_fiche_sanitaire_autorisations_regimes")]

    operations = [migrations.RunPython(creer, migrations.RunPython.noop)]
