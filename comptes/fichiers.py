"""Files that parents upload (proofs of income today; documents and messages next).

- The type comes from the content, never from the name the browser sends.
- A file is stored under a random name with the extension of its type, in its model
  field's dated folder, in the transaction of its row: if it does not commit, the file
  is deleted (no orphan file).
- While the request streams in, `DepotPlafonne` stops writing a file past the view's
  limit: an over-size body is never written in full.
- It is served only as a download of its detected type, with headers that keep a
  PDF/HTML polyglot from ever running as a page of the portal.
"""

import dataclasses
import secrets
import weakref
from io import BytesIO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

from comptes.errors import DomainError

MIO = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class Nature:
    nom: str
    extension: str
    content_type: str


PDF = Nature("PDF", "pdf", "application/pdf")
JPEG = Nature("JPEG", "jpg", "image/jpeg")
PNG = Nature("PNG", "png", "image/png")
SIGNATURES = {b"%PDF-": PDF, b"\xff\xd8\xff": JPEG, b"\x89PNG\r\n\x1a\n": PNG}
INCONNUE = Nature("inconnu", "bin", "application/octet-stream")


class FichierError(DomainError):
    pass


class FichierTropVolumineux(UploadedFile):
    """What the form receives instead of a file cut off by `DepotPlafonne`: its name and
    the size the browser sent, no content."""

    trop_volumineux = True

    def __init__(self, name, content_type, size, charset, content_type_extra=None):
        super().__init__(BytesIO(), name, content_type, size, charset, content_type_extra)


def detecter(fichier) -> Nature | None:
    """The type announced by the first bytes; the file is left at its start."""
    fichier.seek(0)
    debut = fichier.read(16)
    fichier.seek(0)
    return next((n for sig, n in SIGNATURES.items() if debut.startswith(sig)), None)


def verifier(fichier, taille_max: int, champ: str, libelle: str = "Le fichier") -> Nature:
    """The file's type if it is an accepted one of at most `taille_max` bytes."""
    mo = f"{taille_max / MIO:g}".replace(".", ",")
    if getattr(fichier, "trop_volumineux", False) or fichier.size > taille_max:
        raise FichierError(
            f"{libelle} dépasse {mo} Mo : réduisez-le ou photographiez seulement la page utile.",
            field=champ,
        )
    if not fichier.size:
        raise FichierError(f"{libelle} est vide : choisissez un autre fichier.", field=champ)
    nature = detecter(fichier)
    if nature is None:
        raise FichierError(f"{libelle} doit être un PDF, une image JPEG ou PNG.", field=champ)
    return nature


def enregistrer(champ: FieldFile, fichier, nature: Nature) -> None:
    """Writes `fichier` into the model field `champ` under a random name in the field's
    (dated) folder. Call it inside the transaction that saves the row: the file stays
    only if that transaction commits."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("fichiers.enregistrer s'appelle dans transaction.atomic().")
    champ.save(f"{secrets.token_urlsafe(16)}.{nature.extension}", fichier, save=False)
    valide = []

    def garder():
        valide.append(True)

    # Django has no rollback hook, but it drops the on_commit callbacks of a transaction
    # (or savepoint) that rolls back, and CPython frees `garder` at once: a file whose
    # callback is freed without having run belongs to no row, and is deleted.
    abandon = weakref.finalize(garder, _effacer_si_abandonne, valide, champ.storage, champ.name)
    abandon.atexit = False  # a process that stops mid-transaction decides nothing
    transaction.on_commit(garder)


def _effacer_si_abandonne(valide: list, stockage, nom: str) -> None:
    if not valide:
        stockage.delete(nom)


def limite_depot(octets: int):
    """Sets the size at which `DepotPlafonne` cuts off the files a view receives (the
    default is settings.PORTAIL_TAILLE_MAX_DEPOT). Put it outermost."""

    def decorateur(vue):
        vue.limite_depot = octets
        return vue

    return decorateur


class DepotPlafonne(TemporaryFileUploadHandler):
    """Each file streams to a temporary file until it passes the view's limit; then the
    temporary file is deleted, the rest of the body is read and dropped, and the form gets
    a `FichierTropVolumineux` to say so next to the field."""

    def limite(self) -> int:
        # Upload handlers run when the body is first read (CSRF check included), after
        # URL resolution: the view is known.
        match = getattr(self.request, "resolver_match", None)
        vue = match.func if match else None
        return getattr(vue, "limite_depot", settings.PORTAIL_TAILLE_MAX_DEPOT)

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.depasse = False

    def receive_data_chunk(self, raw_data, start):
        if self.depasse:
            return None
        if start + len(raw_data) > self.limite():
            self.depasse = True
            self.upload_interrupted()  # closes and deletes the temporary file
            return None
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        if self.depasse:
            return FichierTropVolumineux(self.file_name, self.content_type, file_size, self.charset)
        return super().file_complete(file_size)


def servir(champ: FieldFile, nom: str) -> FileResponse:
    """The stored file as a download named `nom` + the extension of its detected type.
    Files stored before types were checked are detected the same way (or sent as
    octet-stream). The sandbox CSP and nosniff keep a polyglot (a PDF that is also HTML)
    from running as a page of the portal even if a browser opens it."""
    try:
        fichier = champ.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    nature = detecter(fichier) or INCONNUE
    reponse = FileResponse(
        fichier,
        as_attachment=True,
        filename=f"{nom}.{nature.extension}",
        content_type=nature.content_type,
    )
    reponse["X-Content-Type-Options"] = "nosniff"
    reponse["Content-Security-Policy"] = "default-src 'none'; sandbox"
    reponse["Cache-Control"] = "private, no-store"
    return reponse
