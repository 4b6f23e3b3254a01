import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DbWorker

from comptes.pouls import Pouls


class Command(DbWorker):
    help = (
        "Worker des tâches en arrière-plan (courriels, facturation…) : `db_worker` de "
        "django-tasks, qui signale en plus qu'il est en vie (lu par /sante/)."
    )

    def handle(self, *args, **options):
        # With --reload, the parent only watches files; its child process does the work.
        parent_du_rechargement = os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        if options["reload"] and not options["batch"] and parent_du_rechargement:
            return super().handle(*args, **options)
        pouls = Pouls(options["worker_id"])
        pouls.demarrer()
        try:
            return super().handle(*args, **options)
        finally:
            pouls.arreter()
