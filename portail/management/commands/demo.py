import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from comptes.mots import nombre
from portail import demo


class Command(BaseCommand):
    help = (
        "Construit la ville de démonstration (idempotent) : comptes de démonstration "
        "et familles générées. --familles N pour une grande ville (bancs d'essai)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--familles",
            type=int,
            default=30,
            help="nombre total de familles à atteindre (30 par défaut)",
        )
        parser.add_argument(
            "--force", action="store_true", help="autoriser la démo quand DEBUG est désactivé"
        )
        parser.add_argument(
            "--code",
            action="store_true",
            help="afficher le code de double authentification actuel de l'agent de démo",
        )

    def handle(self, *args, familles: int, force: bool, **options):
        if options.get("code"):
            # Computed from the public demo secret: no database, no DEBUG needed.
            self.stdout.write(f"{demo.code_totp_agent()}  (gestionnaire@example.org, 30 s)")
            return
        if not (settings.DEBUG or force):
            raise CommandError(
                "La démo crée des comptes au mot de passe public : refusée quand DEBUG est "
                "désactivé (ajoutez --force pour une base de test)."
            )
        if familles < 0:
            raise CommandError("--familles doit être un nombre positif.")
        debut = time.monotonic()
        demo.creer_catalogue()  # also completes an older demo (calendars, tariffs)
        crees = demo.creer_comptes_connus()
        ajoutees = demo.generer_familles(familles)
        demo.creer_campagne_reinscription()  # réinscription for next season, open now
        duree = time.monotonic() - debut
        self.stdout.write(
            "Ville de démonstration prête : "
            + nombre(len(crees), "compte de démonstration créé", "comptes de démonstration créés")
            + ", "
            + nombre(ajoutees, "famille générée", "familles générées")
            + f" en {duree:.1f} s."
        )
        self.stdout.write("")
        self.stdout.write(f"Comptes de démonstration (mot de passe : {demo.MOT_DE_PASSE}) :")
        for email, role in demo.LOGINS.items():
            self.stdout.write(f"  {email:<28} {role}")
        self.stdout.write(
            "  Double authentification de gestionnaire@example.org : clé "
            f"{demo.SECRET_TOTP_AGENT} dans une application d'authentification, ou le code "
            "du moment avec `.venv/bin/python manage.py demo --code`."
        )
