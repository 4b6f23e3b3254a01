from django.apps import AppConfig
from django.core.signals import got_request_exception
from django.db.models.signals import post_migrate


class PortailConfig(AppConfig):
    name = "portail"
    verbose_name = "Portail"

    def ready(self) -> None:
        from portail.connexions import fermer_si_plan_perime
        from portail.roles import apres_migration

        # portail is the last app: every other app's permissions exist by then.
        post_migrate.connect(apres_migration, sender=self)
        got_request_exception.connect(fermer_si_plan_perime)
