from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PortailConfig(AppConfig):
    name = "portail"
    verbose_name = "Portail"

    def ready(self) -> None:
        from portail.roles import apres_migration

        # portail is the last app: every other app's permissions exist by then.
        post_migrate.connect(apres_migration, sender=self)
