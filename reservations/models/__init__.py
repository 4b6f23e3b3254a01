from reservations.models.absences import Absence, AbsenceQuerySet  # noqa: F401
from reservations.models.calendrier import (  # noqa: F401
    Fermeture,
    Jour,
    Journee,
    ModeDelai,
    ModeOuverture,
    ParametresReservation,
    Vacances,
    nouvelle_version,
)
from reservations.models.lots import LotListesDuJour, PdfListeDuJour  # noqa: F401
from reservations.models.reservations import (  # noqa: F401
    FluxCalendrier,
    Reservation,
    ReservationQuerySet,
)
from reservations.models.semaines import SemaineType  # noqa: F401
from reservations.models.tirages import Tirage  # noqa: F401
