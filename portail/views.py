from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from familles.decorators import responsable_required
from portail.models import Demande

DEMANDES_PAR_PAGE = 20


def accueil(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("tableau_de_bord")
    return render(request, "portail/accueil.html")


@responsable_required
def tableau_de_bord(request: HttpRequest) -> HttpResponse:
    famille = request.responsable.famille
    demandes = Demande.objects.for_famille(famille).select_related("demandeur").timeline()
    page = Paginator(demandes, DEMANDES_PAR_PAGE).get_page(request.GET.get("page"))
    en_attente = Demande.objects.for_famille(famille).en_attente().count()
    return render(
        request,
        "portail/tableau_de_bord.html",
        {"famille": famille, "page": page, "nb_en_attente": en_attente},
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
