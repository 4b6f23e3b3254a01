"""Background tasks of the family's file (see comptes/tasks.py for the conventions)."""

from django_tasks import task


@task()
def rappeler_documents() -> int:
    """E-mails households whose documents expire within 30 days (each one once).
    Enqueued each night by `manage.py rappeler_documents --worker`, or run by cron."""
    from familles import documents

    return documents.envoyer_rappels()
