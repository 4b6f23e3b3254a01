"""Reminder e-mail 30 days before a document expires: sent once, by the worker or cron,
not for a document already renewed."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from familles import documents, tasks
from familles.models import Document, TypeDocument
from tests.conftest import creer_enfant
from tests.familles.documents_aide import accepter, creer_type, deposer


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _expirant_dans(parent, agent, jours: int, nom="Assurance"):
    fin = timezone.localdate() + datetime.timedelta(days=jours)
    type_document = creer_type(nom, validite="date", valide_jusqu_au=fin)
    return accepter(deposer(parent, type_document, creer_enfant(parent.famille, "Zoé")), agent)


def test_the_family_is_reminded_once_30_days_before(
    parent, coparent, agent, django_capture_on_commit_callbacks, executer_taches
):
    document = _expirant_dans(parent, agent, 30)
    _expirant_dans(parent, agent, 31, nom="Pas encore")
    sortie = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rappeler_documents", stdout=sortie)
        call_command("rappeler_documents", stdout=sortie)
    executer_taches()
    assert sorted(m.to[0] for m in mail.outbox) == ["coparent@example.org", "parent@example.org"]
    assert "arrive à expiration" in mail.outbox[0].subject
    assert "Assurance de Zoé" in mail.outbox[0].body
    assert "/documents/" in mail.outbox[0].body
    assert sortie.getvalue().splitlines() == [
        "1 document arrivant à expiration signalé aux familles.",
        "0 document arrivant à expiration signalé aux familles.",
    ]
    document.refresh_from_db()
    assert document.rappel_envoye_le is not None


def test_a_renewed_document_is_not_reminded(parent, agent):
    ancien = _expirant_dans(parent, agent, 10)
    deposer(parent, ancien.type, ancien.enfant)  # the new one, pending
    assert documents.envoyer_rappels() == 0


def test_a_household_document_renewed_is_not_reminded(parent, agent):
    fin = timezone.localdate() + datetime.timedelta(days=5)
    caf = creer_type("CAF", portee="famille", validite="date", valide_jusqu_au=fin)
    accepter(deposer(parent, caf), agent)
    assert list(documents.rappels_dus()) == list(Document.objects.all())
    deposer(parent, caf)
    assert documents.envoyer_rappels() == 0


def test_the_worker_task_sends_them(
    parent, agent, django_capture_on_commit_callbacks, executer_taches
):
    _expirant_dans(parent, agent, 3)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.rappeler_documents.enqueue()
    with django_capture_on_commit_callbacks(execute=True):
        executer_taches()  # the reminder task, which queues the e-mail
    executer_taches()  # the e-mail
    assert len(mail.outbox) == 1


def test_validity_of_a_season_ends_on_the_31st_of_august():
    saison = TypeDocument(validite="saison")
    assert documents.fin_de_validite(saison, datetime.date(2026, 8, 31)) == datetime.date(
        2026, 8, 31
    )
    assert documents.fin_de_validite(saison, datetime.date(2026, 9, 1)) == datetime.date(
        2027, 8, 31
    )
    mois = TypeDocument(validite="mois", duree_mois=1)
    assert documents.fin_de_validite(mois, datetime.date(2027, 1, 31)) == datetime.date(2027, 2, 27)
