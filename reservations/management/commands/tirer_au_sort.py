from django.core.management.base import BaseCommand
from django.db import OperationalError

from comptes.errors import DomainError
from comptes.mots import nombre
from reservations import tirage


class Command(BaseCommand):
    help = (
        "Tire au sort les ouvertures dont les demandes sont closes (à lancer régulièrement, "
        "par cron : filet de sécurité du worker, qui tire normalement à l'heure de clôture)."
    )

    def handle(self, *args, **options):
        faits = 0
        for ouverture in tirage.tirages_dus():
            try:
                faits += tirage.tirer(ouverture, tache="manage.py tirer_au_sort")
            except (OperationalError, DomainError) as exc:  # a day locked by a rush…
                self.stderr.write(
                    f"{ouverture} : pas tiré cette fois ({exc}) ; réessayé au passage suivant."
                )
        self.stdout.write(nombre(faits, "tirage au sort effectué.", "tirages au sort effectués."))
