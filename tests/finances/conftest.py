# Shared fixtures: frozen clock, season, canteen with its calendar, a validated enrolment.
from tests.reservations.conftest import *  # noqa: F403
