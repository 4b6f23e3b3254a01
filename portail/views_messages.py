"""Mes messages: a household's threads with the service (parents' side)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from comptes import fichiers
from comptes.services import jetons
from familles.decorators import responsable_required
from portail import messagerie
from portail.forms import NouveauMessageForm, ReponseForm
from portail.models import Discussion, Message, PieceJointe

DISCUSSIONS_PAR_PAGE = 20
# Several attachments: the upload may be a little over one file's limit.
LIMITE_DEPOT = messagerie.MAX_PIECES * messagerie.TAILLE_MAX_PIECE + fichiers.MIO


def _get_discussion_for_user(request: HttpRequest, pk: int) -> Discussion:
    """A thread of the parent's own household, or 404 (never 403: no confirmation)."""
    return get_object_or_404(
        Discussion.objects.filter(famille_id=request.responsable.famille_id), pk=pk
    )


@responsable_required
def mes_messages(request: HttpRequest) -> HttpResponse:
    discussions = Discussion.objects.filter(famille_id=request.responsable.famille_id)
    page = Paginator(discussions, DISCUSSIONS_PAR_PAGE).get_page(request.GET.get("page"))
    return render(request, "portail/messages/mes_messages.html", {"page": page})


def _formulaire_invalide(form, exc: messagerie.MessagerieError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@fichiers.limite_depot(LIMITE_DEPOT)
@responsable_required
@require_http_methods(["GET", "POST"])
def ecrire_message(request: HttpRequest) -> HttpResponse:
    form = NouveauMessageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            discussion = jetons.une_seule_fois(
                request.user,
                d["jeton"],
                "ecrire_message",
                lambda: messagerie.ecrire(
                    request.responsable, d["objet"], d["categorie"], d["texte"], d["pieces_jointes"]
                ),
            )
        except jetons.DoubleEnvoi as exc:
            messages.info(request, exc.message)
            return redirect("mes_messages")
        except messagerie.MessagerieError as exc:
            _formulaire_invalide(form, exc)
        else:
            messages.success(
                request,
                "Votre message est envoyé au service : un e-mail vous préviendra de sa réponse.",
            )
            return redirect("discussion", discussion.pk)
    return render(request, "portail/messages/ecrire.html", {"form": form})


@fichiers.limite_depot(LIMITE_DEPOT)
@responsable_required
@require_http_methods(["GET", "POST"])
def discussion(request: HttpRequest, pk: int) -> HttpResponse:
    fil = _get_discussion_for_user(request, pk)
    form = ReponseForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            jetons.une_seule_fois(
                request.user,
                d["jeton"],
                "repondre_message",
                lambda: messagerie.repondre_famille(
                    request.responsable, fil, d["texte"], d["pieces_jointes"]
                ),
            )
        except jetons.DoubleEnvoi as exc:
            messages.info(request, exc.message)
            return redirect("discussion", fil.pk)
        except messagerie.MessagerieError as exc:
            _formulaire_invalide(form, exc)
        else:
            messages.success(request, "Votre réponse est envoyée au service.")
            return redirect("discussion", fil.pk)
    fil_messages = Message.objects.filter(discussion=fil).prefetch_related(
        Prefetch("pieces_jointes", queryset=PieceJointe.objects.order_by("pk"))
    )
    non_lu = fil.non_lu_famille
    messagerie.marquer_lu_par_la_famille(fil)
    if non_lu:
        # The menu's count was read with the parent, before this thread was read.
        request.responsable.famille.refresh_from_db(fields=["messages_non_lus"])
    return render(
        request,
        "portail/messages/discussion.html",
        {"discussion": fil, "fil_messages": fil_messages, "form": form},
    )


@login_required
def piece_jointe(request: HttpRequest, pk: int) -> HttpResponse:
    """An attachment, for its household and for staff who may read the threads; anyone
    else gets a 404."""
    pieces = PieceJointe.objects.select_related("message__discussion")
    if not (request.user.is_staff and request.user.has_perm("portail.view_discussion")):
        pieces = pieces.filter(message__discussion__famille__responsables__user=request.user)
    piece = get_object_or_404(pieces, pk=pk)
    nom = piece.nom.rsplit(".", 1)[0] or "piece-jointe"
    return fichiers.servir(piece.fichier, nom)
