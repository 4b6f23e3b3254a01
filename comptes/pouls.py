"""The worker's sign of life: each `manage.py worker` process writes its row every
INTERVALLE; /sante/ and the admin read them. A worker that stops cleanly removes its row,
one that dies leaves a row that ages."""

import contextlib
import datetime
import logging
import os
import socket
import threading

from django.db import DatabaseError, connection
from django.db.models import Max
from django.utils import timezone

from comptes.models import PoulsWorker

logger = logging.getLogger(__name__)

INTERVALLE = datetime.timedelta(seconds=30)
# Rows of workers gone for this long are removed when another one starts.
OUBLIER_APRES = datetime.timedelta(days=1)


def battre(worker_id: str) -> None:
    maintenant = timezone.now()
    PoulsWorker.objects.update_or_create(
        worker_id=worker_id,
        defaults={"vu_le": maintenant, "hote": socket.gethostname()[:255], "pid": os.getpid()},
        create_defaults={
            "vu_le": maintenant,
            "demarre_le": maintenant,
            "hote": socket.gethostname()[:255],
            "pid": os.getpid(),
        },
    )


def dernier_signe_de_vie() -> datetime.datetime | None:
    return PoulsWorker.objects.aggregate(dernier=Max("vu_le"))["dernier"]


class Pouls:
    """Beats in a thread of its own, beside the worker's loop, with its own connection:
    a long task (a town's invoicing) does not make the worker look dead."""

    def __init__(self, worker_id: str):
        self.worker_id = worker_id
        self._arret = threading.Event()
        self._fil = threading.Thread(target=self._boucle, name="pouls-worker", daemon=True)

    def demarrer(self) -> None:
        PoulsWorker.objects.filter(vu_le__lt=timezone.now() - OUBLIER_APRES).delete()
        battre(self.worker_id)
        self._fil.start()

    def arreter(self) -> None:
        self._arret.set()
        if self._fil.is_alive():
            self._fil.join(timeout=5)
        # If the database is gone the row stays, ages, and is forgotten later.
        with contextlib.suppress(DatabaseError):
            PoulsWorker.objects.filter(worker_id=self.worker_id).delete()

    def _boucle(self) -> None:
        while not self._arret.wait(INTERVALLE.total_seconds()):
            try:
                battre(self.worker_id)
            except DatabaseError as exc:  # database restarting: the next beat will tell
                logger.warning("Signe de vie du worker non enregistré : %s", exc)
            finally:
                connection.close()  # this thread's own connection
