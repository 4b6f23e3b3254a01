import datetime

from django.core.management.base import BaseCommand, CommandError

from comptes.errors import DomainError
from comptes.mots import nombre
from comptes.services import finances


class Command(BaseCommand):
    help = (
        "Facture un mois terminé pour toutes les familles (ou --famille ID …), tout de suite "
        "dans ce processus (hors de tout serveur web) ; l'administration, elle, confie la "
        "facturation au worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("mois", help="mois à facturer, AAAA-MM (par exemple 2026-10)")
        parser.add_argument(
            "--famille",
            type=int,
            action="append",
            dest="familles",
            help="identifiant d'une famille (répétable)",
        )

    def handle(self, *args, mois: str, familles, **options):
        try:
            annee, numero = (int(x) for x in mois.split("-"))
            debut = datetime.date(annee, numero, 1)
        except ValueError:
            raise CommandError("Le mois s'écrit AAAA-MM, par exemple 2026-10.") from None
        from familles.models import Famille

        choix = Famille.objects.filter(pk__in=familles) if familles else None
        try:
            bilan = finances.facturer_mois(debut, familles=choix, progression=self._progression)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            nombre(bilan["factures"], "facture émise", "factures émises")
            + f", {finances.euros(bilan['total'])}."
        )
        for activite in bilan["activites_sans_tarif"]:
            self.stdout.write(f"Pas de tarif : {activite} (jours non facturés).")

    def _progression(self, traitees: int, a_traiter: int, bilan: dict) -> None:
        if traitees:
            self.stdout.write(f"{traitees}/{a_traiter} familles traitées…")
