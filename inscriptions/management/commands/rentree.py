from django.core.management.base import BaseCommand

from comptes.mots import nombre
from inscriptions import reinscription


class Command(BaseCommand):
    help = (
        "Rentrée (à lancer chaque jour, par cron) : une fois la saison d'une campagne de "
        "réinscription commencée, chaque enfant dont la réinscription est validée passe dans "
        "la classe supérieure (CM2 → collège), noté dans l'historique de l'enfant. Sans "
        "risque à relancer : un enfant ne change de classe qu'une fois."
    )

    def handle(self, *args, **options):
        n = reinscription.rentree()
        self.stdout.write(nombre(n, "classe passée.", "classes passées."))
