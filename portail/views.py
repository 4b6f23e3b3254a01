import json

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from familles.decorators import responsable_required
from portail import rgpd
from portail.forms import ClotureForm
from portail.models import Actualite, Demande
from portail.pages_legales import duree_en_clair

DEMANDES_PAR_PAGE = 20


ACTUALITES_AFFICHEES = 5


def accueil(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("tableau_de_bord")
    # The public page shows the town's general news only (not a site's or an activity's).
    return render(request, "portail/accueil.html", {"actualites": Actualite.publiques()})


@responsable_required
def tableau_de_bord(request: HttpRequest) -> HttpResponse:
    famille = request.responsable.famille
    demandes = Demande.objects.for_famille(famille).select_related("demandeur").timeline()
    page = Paginator(demandes, DEMANDES_PAR_PAGE).get_page(request.GET.get("page"))
    en_attente = Demande.objects.for_famille(famille).en_attente().count()
    actualites = (
        Actualite.objects.publiees()
        .pour_famille(famille)
        .select_related("site", "activite")[:ACTUALITES_AFFICHEES]
    )
    return render(
        request,
        "portail/tableau_de_bord.html",
        {
            "famille": famille,
            "page": page,
            "nb_en_attente": en_attente,
            "actualites": actualites,
        },
    )


def email_gere_par_le_service(request: HttpRequest) -> HttpResponse:
    """allauth's e-mail management page is closed: the login is the town's record."""
    messages.info(
        request,
        "Votre adresse e-mail ne peut être modifiée que par le service : "
        "adressez-vous au guichet unique.",
    )
    return redirect("mes_coordonnees" if request.user.is_authenticated else "account_login")


# Error pages: French, in the site's layout, saying what to do. Nothing was written
# (the request stopped before any view ran, or the view refused it).
_TROP_DE_DONNEES = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def erreur_400(request: HttpRequest, exception=None) -> HttpResponse:
    contexte = {"trop_de_donnees": isinstance(exception, _TROP_DE_DONNEES)}
    return render(request, "400.html", contexte, status=400)


def erreur_403(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "403.html", status=403)


def erreur_csrf(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)


def erreur_429(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "429.html", status=429)


# --- Mes données (RGPD) --------------------------------------------------------------


@responsable_required
def mes_donnees(request: HttpRequest) -> HttpResponse:
    return _page_mes_donnees(request, ClotureForm())


def _page_mes_donnees(request: HttpRequest, form: ClotureForm) -> HttpResponse:
    famille = request.responsable.famille
    cloture = Demande.objects.filter(
        famille=famille, type=Demande.Type.CLOTURE, statut=Demande.Statut.EN_ATTENTE
    ).first()
    return render(
        request,
        "portail/mes_donnees.html",
        {
            "cloture": cloture,
            "form": form,
            "inactivite": duree_en_clair(rgpd.conservation("famille")),
        },
    )


def _nom_export(extension: str) -> str:
    return f"mes-donnees-{timezone.localdate():%Y-%m-%d}.{extension}"


@responsable_required
def mes_donnees_json(request: HttpRequest) -> HttpResponse:
    donnees = rgpd.donnees_du_foyer(request.responsable.famille)
    reponse = HttpResponse(
        json.dumps(donnees, ensure_ascii=False, indent=2, default=str),
        content_type="application/json; charset=utf-8",
    )
    reponse["Content-Disposition"] = f'attachment; filename="{_nom_export("json")}"'
    return reponse


@responsable_required
def mes_donnees_pdf(request: HttpRequest) -> HttpResponse:
    document = rgpd.pdf_du_foyer(request.responsable.famille)
    reponse = HttpResponse(document, content_type="application/pdf")
    reponse["Content-Disposition"] = f'attachment; filename="{_nom_export("pdf")}"'
    return reponse


@responsable_required
@require_POST
def demander_cloture(request: HttpRequest) -> HttpResponse:
    form = ClotureForm(request.POST)
    if not form.is_valid():
        return _page_mes_donnees(request, form)
    rgpd.demander_cloture(request.responsable, form.cleaned_data["motif"])
    messages.success(
        request,
        "Votre demande de clôture est enregistrée : le service vous répondra par e-mail.",
    )
    return redirect("mes_donnees")
