from django.core.management.base import BaseCommand

from comptes.outbox import retry_pending


class Command(BaseCommand):
    help = "Envoie les courriels restés en attente (à lancer régulièrement, par cron)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--tout",
            action="store_true",
            help="y compris les courriels créés il y a moins de 2 minutes",
        )

    def handle(self, *args, tout: bool, **options):
        import datetime

        sent, failed = retry_pending(datetime.timedelta() if tout else None)
        self.stdout.write(f"{sent} courriel(s) envoyé(s), {failed} en échec.")
