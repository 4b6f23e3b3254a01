"""Mes documents: what the household has given, and giving a document."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST

from comptes import fichiers
from comptes.services import jetons
from familles import documents
from familles.decorators import responsable_required
from familles.forms import DocumentForm
from familles.models import Document, Enfant, TypeDocument


@responsable_required
def mes_documents(request: HttpRequest) -> HttpResponse:
    famille = request.responsable.famille
    enfants = list(Enfant.objects.for_famille(famille).only("prenom", "nom"))
    foyer, par_enfant = documents.etat_des_documents(famille, enfants)
    return render(
        request,
        "familles/mes_documents.html",
        {"foyer": foyer, "par_enfant": par_enfant},
    )


@fichiers.limite_depot(documents.TAILLE_MAX_DOCUMENT)
@responsable_required
@require_http_methods(["GET", "POST"])
def deposer_document(
    request: HttpRequest, type_pk: int, enfant_pk: int | None = None
) -> HttpResponse:
    type_document = get_object_or_404(TypeDocument, pk=type_pk, actif=True)
    enfant = None
    if enfant_pk is not None:
        # A child of another household is a 404, never a 403 that confirms it exists.
        enfant = get_object_or_404(Enfant.objects.for_user(request.user), pk=enfant_pk)
    if type_document.par_enfant != (enfant is not None):
        return redirect("mes_documents")
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            jetons.une_seule_fois(
                request.user,
                form.cleaned_data["jeton"],
                "deposer_document",
                lambda: documents.deposer(
                    request.responsable, type_document, enfant, form.cleaned_data["fichier"]
                ),
            )
        except jetons.DoubleEnvoi as exc:
            messages.info(request, exc.message)
            return redirect("mes_documents")
        except documents.DocumentError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                f"« {documents.objet_demande(type_document, enfant)} » est transmis au service, "
                "qui le vérifiera ; un e-mail vous préviendra.",
            )
            return redirect("mes_documents")
    return render(
        request,
        "familles/deposer_document.html",
        {"form": form, "type_document": type_document, "enfant": enfant},
    )


@responsable_required
@require_POST
def retirer_document(request: HttpRequest, pk: int) -> HttpResponse:
    # Another household's document is a 404, like every foreign id.
    document = get_object_or_404(Document.objects.for_user(request.user), pk=pk)
    try:
        document = documents.retirer(request.responsable, document.pk)
    except documents.DocumentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"« {documents.objet_demande(document.type, document.enfant)} » est retiré ; "
            "vous pouvez en envoyer un autre.",
        )
    return redirect("mes_documents")


@login_required
def document_fichier(request: HttpRequest, pk: int) -> HttpResponse:
    """A document's file, for its household and for staff who may see documents (the
    admin links here; opening it is what allows staff to accept it). Anyone else: 404."""
    agent = request.user.is_staff and request.user.has_perm("familles.view_document")
    base = Document.objects.exclude(fichier="").select_related("type", "enfant")
    document = get_object_or_404(base if agent else base.for_user(request.user), pk=pk)
    if agent:
        documents.noter_consultation(document, request.user)
    nom = document.type.nom + (f" {document.enfant.prenom}" if document.enfant_id else "")
    return fichiers.servir(document.fichier, f"{slugify(nom)}-{document.depose_le:%Y%m%d}")
