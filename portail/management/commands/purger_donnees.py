"""Remove personal data past its retention period (RGPD); run it each night."""

from django.core.management.base import BaseCommand

from portail import rgpd

LIBELLES = {
    "courriels": "e-mails envoyés supprimés",
    "justificatifs": "justificatifs de revenus effacés",
    "transactions_en_ligne": "traces de paiements en ligne supprimées",
    "historique": "lignes d'historique supprimées",
    "foyers_inactifs": "foyers inactifs trouvés",
    "foyers_anonymises": "foyers inactifs anonymisés",
    "fiches_sante": "fiches santé d'enfants sans inscription effacées",
    "certificats_absence": "certificats d'absence effacés",
    "fichiers_orphelins": "fichiers déposés sans demande supprimés",
    "documents": "documents expirés ou refusés effacés",
    "messages": "conversations avec le service supprimées",
}


class Command(BaseCommand):
    help = "Supprime ou anonymise les données dont la durée de conservation est échue."

    def add_arguments(self, parser):
        parser.add_argument(
            "--simulation",
            action="store_true",
            help="Compte ce qui serait supprimé, sans rien supprimer.",
        )

    def handle(self, *args, simulation=False, **options):
        compte = rgpd.purger(simulation=simulation)
        if simulation:
            self.stdout.write("Simulation : rien n'a été supprimé.")
        for cle, nombre in compte.items():
            self.stdout.write(f"{nombre} {LIBELLES[cle]}")
