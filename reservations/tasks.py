"""Background tasks of bookings, run by the worker (`manage.py db_worker`); see comptes/tasks.py."""

from django_tasks import TaskContext, task


@task(takes_context=True)
def tirer_au_sort(context: TaskContext, pk: int) -> bool:
    """Enqueued to run at the close of an opening by lottery (`run_after`). Drawing twice
    is impossible (reservations.tirage.tirer): a task left from an earlier close, or the
    cron command having drawn first, finds nothing to do."""
    from reservations import tirage
    from reservations.models import Tirage

    ouverture = Tirage.objects.filter(pk=pk).first()
    if ouverture is None:
        return False
    return tirage.tirer(ouverture, tache=f"tâche {context.task_result.id}")


@task()
def preparer_listes_du_jour(pk: int) -> str | None:
    """Day-list PDFs asked for in the admin (reservations/listes_du_jour.py)."""
    from reservations import listes_du_jour

    return listes_du_jour.preparer(pk)
