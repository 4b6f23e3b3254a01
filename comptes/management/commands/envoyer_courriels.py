from django.core.management.base import BaseCommand

from comptes.outbox import retry_pending


class Command(BaseCommand):
    help = "Envoie les courriels restés en attente (à lancer régulièrement, par cron)."

    def handle(self, *args, **options):
        sent, failed = retry_pending()
        self.stdout.write(f"{sent} courriel(s) envoyé(s), {failed} en échec.")
