import datetime
import json

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from comptes.models import Facture
from comptes.services import finances
from familles import documents as services_documents
from familles.decorators import responsable_required
from familles.models import Enfant, FicheSanitaire, libelle_saison, saison_de
from portail import rgpd
from portail.forms import ClotureForm
from portail.models import Actualite, Demande
from portail.pages_legales import duree_en_clair
from reservations.lecture import jour_en_clair
from reservations.models import Reservation

DEMANDES_PAR_PAGE = 20


ACTUALITES_AFFICHEES = 5


def accueil(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("tableau_de_bord")
    # The public page shows the town's general news only (not a site's or an activity's).
    return render(request, "portail/accueil.html", {"actualites": Actualite.publiques()})


def _factures_a_payer(famille, aujourd_hui: datetime.date) -> list[Facture]:
    """Invoices not settled yet, the oldest due first (one query; what is paid comes
    from finances.annoter_paye, the status from finances.statut_facture)."""
    factures = list(
        finances.annoter_paye(Facture.objects.filter(famille=famille, type=Facture.Type.FACTURE))
        .filter(paye__lt=F("montant"))
        .defer("pdf")
        .order_by("echeance", "numero")
    )
    for facture in factures:
        facture.statut = finances.statut_facture(facture, facture.paye, aujourd_hui)
        facture.reste = facture.montant - facture.paye
    return factures


def _prochains_jours(famille, aujourd_hui: datetime.date, enfants: list[Enfant]) -> list[dict]:
    """Each child's bookings from today to the end of next week (one query)."""
    fin = aujourd_hui + datetime.timedelta(days=13 - aujourd_hui.weekday())
    reservations = (
        Reservation.objects.filter(
            inscription__famille=famille, date__gte=aujourd_hui, date__lte=fin
        )
        .actives()
        .select_related("activite")
        .order_by("date", "activite__nom")
    )
    par_enfant: dict[int, list] = {}
    for reservation in reservations:
        reservation.jour_en_clair = jour_en_clair(reservation.date)
        par_enfant.setdefault(reservation.enfant_id, []).append(reservation)
    return [
        {"enfant": enfant, "reservations": par_enfant[enfant.pk]}
        for enfant in enfants
        if enfant.pk in par_enfant
    ]


@responsable_required
def tableau_de_bord(request: HttpRequest) -> HttpResponse:
    famille = request.responsable.famille
    aujourd_hui = timezone.localdate()
    demandes = (
        # The income proofs' own Revenu rows (their amount), in the same query.
        Demande.objects.for_famille(famille).select_related("demandeur", "revenu").timeline()
    )
    # Both counts in one query; the paginator takes its total from it.
    compte = Demande.objects.for_famille(famille).aggregate(
        total=Count("pk"), en_attente=Count("pk", filter=Q(statut=Demande.Statut.EN_ATTENTE))
    )
    paginator = Paginator(demandes, DEMANDES_PAR_PAGE)
    paginator.count = compte["total"]
    page = paginator.get_page(request.GET.get("page"))
    en_attente = compte["en_attente"]
    actualites = (
        Actualite.objects.publiees()
        .pour_famille(famille)
        .select_related("site", "activite")[:ACTUALITES_AFFICHEES]
    )
    saison = saison_de(aujourd_hui)
    enfants = list(
        Enfant.objects.for_famille(famille)
        .annotate(
            fiche_certifiee=Exists(
                FicheSanitaire.objects.filter(enfant=OuterRef("pk"), saison_confirmee=saison)
            )
        )
        .order_by("prenom", "pk")
    )
    foyer, par_enfant = services_documents.etat_des_documents(famille, enfants)
    documents = [
        ligne
        for ligne in [*foyer, *(ligne for lignes in par_enfant.values() for ligne in lignes)]
        if ligne.a_fournir or ligne.etat == services_documents.REFUSE
    ]
    return render(
        request,
        "portail/tableau_de_bord.html",
        {
            "famille": famille,
            "page": page,
            "nb_en_attente": en_attente,
            "actualites": actualites,
            "factures": _factures_a_payer(famille, aujourd_hui),
            "prochains_jours": _prochains_jours(famille, aujourd_hui, enfants),
            "documents": documents,
            "fiches": [e for e in enfants if not e.fiche_certifiee],
            "saison": libelle_saison(saison),
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
