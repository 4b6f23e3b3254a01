"""An income proof's objet no longer carries the declared amount ("Revenus 2025 :
32 000,00 €" becomes "Revenus 2025 à vérifier"): the queue and its history are read by
roles that may not see incomes. Only the objet text changes, in the rows and in their
audit trail; the amount stays on the Revenu row. Going back leaves the text as it is."""

import re

from django.db import migrations

AVEC_MONTANT = re.compile(r"^Revenus (\d{4}) : ")


def retirer_les_montants(apps, schema_editor):
    for nom in ("Demande", "HistoricalDemande"):
        modele = apps.get_model("portail", nom)
        cle = modele._meta.pk.attname
        lignes = modele.objects.filter(type="revenus", objet__startswith="Revenus ")
        for pk, objet in list(lignes.values_list(cle, "objet")):
            trouve = AVEC_MONTANT.match(objet)
            if trouve:
                modele.objects.filter(**{cle: pk}).update(
                    objet=f"Revenus {trouve.group(1)} à vérifier"
                )


class Migration(migrations.Migration):
    dependencies = [("portail", "0011_demande_rattachement_second_foyer")]

    operations = [migrations.RunPython(retirer_les_montants, migrations.RunPython.noop)]
