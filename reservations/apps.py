from django.apps import AppConfig


class ReservationsConfig(AppConfig):
    name = "reservations"
    verbose_name = "Réservations"

    def ready(self) -> None:
        from reservations.calendrier import brancher_signaux

        brancher_signaux()
