from django.apps import AppConfig


class ComptesConfig(AppConfig):
    name = "comptes"
    verbose_name = "Comptes"

    def ready(self) -> None:
        from comptes import checks  # noqa: F401  (registers the deploy checks)
        from comptes.historique import garder_les_gestionnaires_d_historique

        garder_les_gestionnaires_d_historique()
