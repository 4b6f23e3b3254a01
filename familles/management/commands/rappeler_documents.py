from django.core.management.base import BaseCommand

from comptes.mots import nombre
from familles import documents, tasks


class Command(BaseCommand):
    help = (
        "Prévient par e-mail les familles dont un document expire dans les 30 jours (une "
        "seule fois par document). À lancer chaque jour par cron ; les e-mails partent par "
        "le worker."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--worker",
            action="store_true",
            help="Confie le travail au worker au lieu de le faire tout de suite.",
        )

    def handle(self, *args, worker=False, **options):
        if worker:
            tasks.rappeler_documents.enqueue()
            self.stdout.write("Rappels des documents confiés au worker.")
            return
        envoyes = documents.envoyer_rappels()
        self.stdout.write(
            nombre(
                envoyes,
                "document arrivant à expiration signalé aux familles.",
                "documents arrivant à expiration signalés aux familles.",
            )
        )
