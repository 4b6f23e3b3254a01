from django.core.management.base import BaseCommand

from comptes import tasks
from comptes.mots import nombre
from comptes.services import recouvrement


class Command(BaseCommand):
    help = (
        "Relances des factures impayées (à lancer une fois par jour, par cron) : confie la "
        "tournée au worker, ou la fait tout de suite avec --maintenant. Chaque étape n'est "
        "envoyée qu'une fois par facture : relancer deux fois le même jour n'envoie rien de plus."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--maintenant", action="store_true", help="Relancer dans ce processus, sans worker."
        )

    def handle(self, *args, maintenant=False, **options):
        if maintenant:
            n = recouvrement.relancer()
            self.stdout.write(nombre(n, "relance envoyée.", "relances envoyées."))
        else:
            tasks.relancer_factures.enqueue()
            self.stdout.write("Relances confiées au worker.")
