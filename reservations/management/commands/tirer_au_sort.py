from django.core.management.base import BaseCommand

from reservations import tirage


class Command(BaseCommand):
    help = (
        "Tire au sort les ouvertures dont les demandes sont closes (à lancer régulièrement, "
        "par cron : filet de sécurité du worker, qui tire normalement à l'heure de clôture)."
    )

    def handle(self, *args, **options):
        faits = sum(tirage.tirer(t, tache="manage.py tirer_au_sort") for t in tirage.tirages_dus())
        self.stdout.write(f"{faits} tirage(s) au sort effectué(s).")
