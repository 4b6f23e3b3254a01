"""Shared helpers for the documents tests."""

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from familles import documents
from familles.models import Document, TypeDocument

PDF = b"%PDF-1.4\n% test\n%%EOF\n"


def creer_type(nom="Attestation d'assurance", portee="enfant", **champs) -> TypeDocument:
    return TypeDocument.objects.create(nom=nom, portee=portee, **champs)


def deposer(responsable, type_document, enfant=None, contenu=PDF) -> Document:
    return documents.deposer(
        responsable, type_document, enfant, ContentFile(contenu, name="piece.pdf")
    )


def accepter(document, agent) -> Document:
    """Accept as staff do: open the file, then accept its request."""
    from portail import services

    documents.noter_consultation(document, agent)
    services.accepter_demande(document.demande_id, agent)
    document.refresh_from_db()
    return document


def vieillir(document, jours: int) -> None:
    """As if the document had been given `jours` days ago."""
    Document.objects.filter(pk=document.pk).update(
        depose_le=timezone.now() - datetime.timedelta(days=jours)
    )
