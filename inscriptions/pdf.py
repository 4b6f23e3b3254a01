"""Attestation PDFs, rendered with WeasyPrint from the snapshot stored at issue time."""

import datetime
import logging

from django.conf import settings
from django.template.loader import render_to_string

from inscriptions.models import Attestation

logger = logging.getLogger(__name__)


def url_verification(attestation: Attestation) -> str:
    return f"{settings.PORTAIL_URL}/verifier/?code={attestation.code_verification}"


def activite_nommee(nom: str, type_: str) -> str:
    """The activity named once: "Restauration scolaire", not "Restauration scolaire
    (Restauration scolaire)"; its type in brackets only when the name does not say it
    ("Multi-accueil (petite enfance)")."""
    if not type_ or type_.casefold() in nom.casefold() or nom.casefold() in type_.casefold():
        return nom
    return f"{nom} ({type_[:1].lower()}{type_[1:]})"


def contenu_lisible(attestation: Attestation) -> dict:
    """The stored snapshot, with its dates as dates and its activity named once (for
    templates)."""
    contenu = dict(attestation.contenu)
    for champ in ("date_naissance", "date_debut", "date_fin"):
        contenu[champ] = datetime.date.fromisoformat(contenu[champ])
    contenu["activite_nommee"] = activite_nommee(contenu["activite"], contenu.get("type", ""))
    return contenu


def rendre(attestation: Attestation) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "pdf/attestation.html",
        {
            "a": attestation,
            "c": contenu_lisible(attestation),
            "url_verification": url_verification(attestation),
        },
    )
    return HTML(string=html).write_pdf()


def assurer_pdf(pk: int) -> bytes | None:
    """Render once and store; called after commit, and again on download if it failed."""
    attestation = Attestation.objects.filter(pk=pk).first()
    if attestation is None:
        return None
    if attestation.pdf:
        return bytes(attestation.pdf)
    try:
        document = rendre(attestation)
    except Exception:  # keep the attestation; the download will try again
        logger.exception("Rendu PDF de l'attestation %s impossible", pk)
        return None
    Attestation.objects.filter(pk=pk, pdf__isnull=True).update(pdf=document)
    return document
