from django.core.management.base import BaseCommand

from comptes.mots import nombre
from comptes.outbox import rattraper


class Command(BaseCommand):
    help = (
        "Filet de sécurité du worker (à lancer régulièrement, par cron) : remet en file les "
        "courriels qu'aucune tâche n'a pris et signale ceux en échec depuis plus de 24 h."
    )

    def handle(self, *args, **options):
        relances, durables = rattraper()
        self.stdout.write(
            nombre(relances, "courriel remis", "courriels remis")
            + " en file, "
            + nombre(durables, "nouvel échec durable.", "nouveaux échecs durables.")
        )
