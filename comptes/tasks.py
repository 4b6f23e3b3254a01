"""Background tasks, run by the worker (`manage.py db_worker`), never by a request.

To add one: a module-level function decorated with `@task()` whose arguments are plain
JSON (ids, not model instances: the row may have changed by the time it runs), doing
its work through a service; enqueue it with `apres_commit(ma_tache, pk)` from the
service so a rolled-back change starts nothing. django-tasks does not retry: a task
that must survive failures records them on its own row and re-enqueues itself with
`run_after`, as the e-mail tasks below do (comptes/outbox.py).
"""

from functools import partial

from django.db import transaction
from django_tasks import task


def apres_commit(tache, *args, **kwargs) -> None:
    """Enqueue `tache` once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(tache.enqueue, *args, **kwargs))


# The outbox enqueues these, so it is imported when they run rather than at load time.


@task()
def envoyer_courriel(pk: int) -> bool:
    from comptes import outbox

    return outbox.envoyer(pk)


@task()
def envoyer_courriels(pks: list[int]) -> int:
    """A batch written at once (invoices of the month…): sent in order, one task per lot."""
    from comptes import outbox

    return outbox.envoyer_lot(pks)


@task()
def facturer(pk: int) -> str | None:
    """An invoicing run asked for in the admin (comptes/services/facturation.py)."""
    from comptes.services import facturation

    return facturation.executer(pk)


@task()
def notifier_factures(pks: list[int]) -> int:
    """The e-mails of a batch of new invoices (queued by the invoicing run)."""
    from comptes.services import finances

    return finances.notifier_factures(pks)


@task()
def generer_prelevements(pk: int) -> str | None:
    """A month's direct-debit file asked for in the admin (comptes/services/sepa.py)."""
    from comptes.services import sepa

    return sepa.generer(pk)


@task()
def relancer_factures() -> int:
    """The day's reminders (comptes/services/recouvrement.py); `manage.py relancer`
    queues it from cron, once a day."""
    from comptes.services import recouvrement

    return recouvrement.relancer()
