"""Mon compte: what a household owes and why."""

import io
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from comptes import fichiers
from comptes.formats import euros
from comptes.forms import MandatForm, RevenusForm
from comptes.models import Facture, LigneFacture, Paiement, QuotientFamilial, Revenu
from comptes.services import finances, jetons, paiement_en_ligne, sepa
from familles.decorators import responsable_required
from familles.models import Enfant, Famille
from inscriptions.models import Inscription
from portail.preparees import Preparee


def _get_facture_for_user(request: HttpRequest, pk: int) -> Facture:
    return get_object_or_404(
        Facture.objects.defer("pdf"), famille__responsables__user=request.user, pk=pk
    )


# The page's reads, compiled once per process (portail/preparees.py): the ORM built and
# compiled them on each visit, the larger part of the page's processor time.
_FACTURES = Preparee(
    lambda famille_id: (
        Facture.objects.filter(famille_id=famille_id).defer("pdf").order_by("-emise_le", "-numero")
    ),
    int,
)
_LIGNES_PAR_MOIS = Preparee(
    lambda famille_id: (
        LigneFacture.objects.filter(
            facture__famille_id=famille_id, facture__type=Facture.Type.FACTURE
        )
        .annotate(mois=TruncMonth("date"))
        .values_list("inscription_id", "mois", "facture_id")
        .annotate(s=Sum("montant"))
        .order_by()
    ),
    int,
)
# The enrolments the household's invoices bill (the lines read above, by subquery: a
# prepared statement takes no list of ids).
_INSCRIPTIONS_FACTUREES = Preparee(
    lambda famille_id: Inscription.objects.filter(
        pk__in=LigneFacture.objects.filter(
            facture__famille_id=famille_id, facture__type=Facture.Type.FACTURE
        ).values("inscription_id")
    ).select_related("enfant", "activite__site"),
    int,
)
_QUOTIENTS = Preparee(
    lambda famille_id: QuotientFamilial.objects.filter(famille_id=famille_id), int
)
_REVENUS = Preparee(
    lambda famille_id: Revenu.objects.filter(famille_id=famille_id).select_related("demande")[:3],
    int,
)
_ENFANTS = Preparee(
    lambda famille_id: Enfant.objects.for_famille(Famille(pk=famille_id)).only("prenom"), int
)
_PAIEMENTS = Preparee(
    lambda famille_id: Paiement.objects.filter(famille_id=famille_id).select_related("facture")[
        :20
    ],
    int,
)


def _detail_par_inscription(famille, factures, payes) -> list[dict]:
    """For each enrolment, month by month: billed, and paid (pro rata of its invoice)."""
    ratio = {
        f.pk: (min(Decimal(1), payes[f.pk] / f.montant) if f.montant else Decimal(1))
        for f in factures
    }
    lignes = _LIGNES_PAR_MOIS(famille.pk)
    par_inscription = defaultdict(lambda: defaultdict(lambda: [Decimal(0), Decimal(0)]))
    for inscription_id, mois, facture_id, somme in lignes:
        cellule = par_inscription[inscription_id][mois]
        cellule[0] += somme
        cellule[1] += somme * ratio.get(facture_id, Decimal(0))
    # (none billed: no query, as `pk__in` of nothing gave)
    inscriptions = _INSCRIPTIONS_FACTUREES(famille.pk) if any(par_inscription) else []
    detail = []
    for inscription in sorted(inscriptions, key=lambda i: (i.enfant.prenom, i.activite.nom)):
        mois = [
            {"mois": m, "facture": finances.arrondi(v[0]), "paye": finances.arrondi(v[1])}
            for m, v in sorted(par_inscription[inscription.pk].items())
        ]
        detail.append(
            {
                "inscription": inscription,
                "mois": mois,
                "total_facture": sum((m["facture"] for m in mois), Decimal(0)),
                "total_paye": sum((m["paye"] for m in mois), Decimal(0)),
            }
        )
    return detail


@responsable_required
def mon_compte(request: HttpRequest) -> HttpResponse:
    famille = request.responsable.famille
    factures = _FACTURES(famille.pk)
    payes, paiements, solde = finances.etat_du_compte(famille, factures)
    aujourd_hui = timezone.localdate()
    for facture in factures:
        facture.paye = payes[facture.pk]
        facture.statut = (
            "avoir"
            if facture.type == Facture.Type.AVOIR
            else finances.statut_facture(facture, facture.paye, aujourd_hui)
        )
        facture.reste = max(Decimal(0), facture.montant - facture.paye)
    for facture in factures:
        # What online payment asks for: a credit in the household's favour counts first.
        facture.a_payer_en_ligne = max(Decimal(0), min(facture.reste, solde))
    quotients = _QUOTIENTS(famille.pk)
    return render(
        request,
        "comptes/mon_compte.html",
        {
            "famille": famille,
            "solde": solde,
            "credit": -solde,
            "quotient": finances.quotient_au(quotients, aujourd_hui),
            "quotient_a_venir": next((q for q in quotients if q.depuis > aujourd_hui), None),
            "revenus": _REVENUS(famille.pk),
            "enfants": _ENFANTS(famille.pk),  # (names only)
            "factures": factures,
            "paiements": _PAIEMENTS(famille.pk),
            "detail": _detail_par_inscription(famille, factures, paiements),
            "paiement_en_ligne": settings.PAIEMENT_EN_LIGNE_ACTIF,
            "annees_fiscales": sorted({f.mois.year for f in factures}, reverse=True),
        },
    )


@fichiers.limite_depot(finances.TAILLE_MAX_JUSTIFICATIF)
@responsable_required
@require_http_methods(["GET", "POST"])
def declarer_revenus(request: HttpRequest) -> HttpResponse:
    form = RevenusForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            jetons.une_seule_fois(
                request.user,
                form.cleaned_data["jeton"],
                "declarer_revenus",
                lambda: finances.declarer_revenus(
                    request.responsable,
                    form.cleaned_data["annee"],
                    form.cleaned_data["montant_annuel"],
                    form.cleaned_data["justificatif"],
                ),
            )
        except jetons.DoubleEnvoi as exc:
            messages.info(request, exc.message)
            return redirect("mon_compte")
        except finances.FinanceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                "Vos revenus sont transmis au service ; le nouveau "
                "quotient s'appliquera à partir du mois suivant son "
                "acceptation.",
            )
            return redirect("mon_compte")
    return render(request, "comptes/declarer_revenus.html", {"form": form})


@login_required
def justificatif_revenus(request: HttpRequest, pk: int) -> HttpResponse:
    """A proof of income, for its household and for staff who may see incomes (the
    admin links here); anyone else gets a 404."""
    revenus = Revenu.objects.exclude(justificatif="")
    if not (request.user.is_staff and request.user.has_perm("comptes.view_revenu")):
        revenus = revenus.filter(famille__responsables__user=request.user)
    revenu = get_object_or_404(revenus, pk=pk)
    return fichiers.servir(revenu.justificatif, f"justificatif-revenus-{revenu.annee}")


def _pdf(html: str, nom: str) -> FileResponse:
    from weasyprint import HTML

    return FileResponse(
        io.BytesIO(HTML(string=html).write_pdf()),
        as_attachment=True,
        content_type="application/pdf",
        filename=nom,
    )


@responsable_required
def facture_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    facture, document = finances.pdf_facture(_get_facture_for_user(request, pk).pk)
    return FileResponse(
        io.BytesIO(document),
        as_attachment=True,
        content_type="application/pdf",
        filename=f"facture-{facture.numero}.pdf",
    )


@responsable_required
@require_POST
def payer_en_ligne(request: HttpRequest, pk: int) -> HttpResponse:
    facture = _get_facture_for_user(request, pk)
    if not settings.PAIEMENT_EN_LIGNE_ACTIF:
        raise Http404
    try:
        url = paiement_en_ligne.demarrer_paiement_en_ligne(facture, request.user.email)
    except finances.FinanceError as exc:
        messages.error(request, exc.message)
        return redirect("mon_compte")
    return redirect(url)


@csrf_exempt
def retour_paiement(request: HttpRequest) -> HttpResponse:
    """The parent back from the bank (GET or POST depending on the bank, and possibly
    without the session cookie): process the answer, then show Mon compte."""
    from comptes.models import TransactionEnLigne

    chaine = request.META.get("QUERY_STRING", "") or request.body.decode("utf-8", "replace")
    try:
        operation = paiement_en_ligne.traiter_retour_banque(chaine)
    except finances.FinanceError as exc:
        messages.error(request, exc.message)
    else:
        if operation.statut == TransactionEnLigne.Statut.PAYEE:
            messages.success(
                request,
                f"Paiement de {euros(operation.montant)} reçu pour la facture "
                f"{operation.facture.numero}. Merci.",
            )
        elif operation.statut == TransactionEnLigne.Statut.ECHEC:
            messages.warning(
                request, "Le paiement n'a pas abouti : rien n'a été débité ni enregistré."
            )
        elif operation.statut == TransactionEnLigne.Statut.ANOMALIE:
            messages.warning(
                request,
                "La réponse de la banque ne correspond pas au paiement demandé : rien n'est "
                "enregistré sur votre compte. Le service finances vérifie et vous recontacte.",
            )
        else:
            messages.info(request, "Le paiement est en cours de confirmation par la banque.")
    return redirect("mon_compte")


@csrf_exempt
def notification_paiement(request: HttpRequest) -> HttpResponse:
    """Server-to-server notification from the bank (may come twice, or before the user)."""
    chaine = request.META.get("QUERY_STRING", "") or request.body.decode("utf-8", "replace")
    try:
        paiement_en_ligne.traiter_retour_banque(chaine)
    except finances.FinanceError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    return HttpResponse("ok", content_type="text/plain")


def banque_de_test(request: HttpRequest) -> HttpResponse:
    """The demo's stand-in for the bank (eopayment's dummy backend protocol)."""
    if not settings.PAIEMENT_BANQUE_DE_TEST:
        raise Http404
    return render(
        request,
        "comptes/banque_de_test.html",
        {
            "montant": request.GET.get("amount", ""),
            "transaction": request.GET.get("transaction_id", ""),
            "objet": request.GET.get("subject", ""),
        },
    )


@responsable_required
def attestation_fiscale(request: HttpRequest, annee: int) -> HttpResponse:
    if not 2000 <= annee <= timezone.localdate().year:
        raise Http404
    famille = request.responsable.famille
    montants = finances.frais_de_garde(famille, annee)
    html = render_to_string(
        "pdf/attestation_fiscale.html",
        {
            "famille": famille,
            "annee": annee,
            "montants": montants,
            "total": sum((m["montant"] for m in montants), Decimal(0)),
            "commune": settings.PORTAIL_COMMUNE,
            "aujourd_hui": timezone.localdate(),
        },
    )
    return _pdf(html, f"attestation-fiscale-{annee}.pdf")


@responsable_required
@require_http_methods(["GET", "POST"])
def prelevement(request: HttpRequest) -> HttpResponse:
    """Prélèvement automatique: the household's active mandate, or the form to sign one."""
    famille = request.responsable.famille
    mandat = sepa.mandat_actif(famille)
    form = None if mandat else MandatForm(request.POST or None)
    if form is not None and request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            jetons.une_seule_fois(
                request.user,
                d["jeton"],
                "mandat_sepa",
                lambda: sepa.signer_mandat(
                    famille, request.user, d["titulaire"], d["iban"], d["bic"]
                ),
            )
        except jetons.DoubleEnvoi as exc:
            messages.info(request, exc.message)
            return redirect("prelevement")
        except finances.FinanceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                "Mandat signé : vos prochaines factures seront prélevées sur ce compte à "
                "la date annoncée par le service.",
            )
            return redirect("prelevement")
    return render(
        request,
        "comptes/prelevement.html",
        {
            "mandat": mandat,
            "form": form,
            "propose": sepa.configure(),
            "ics": settings.PORTAIL_SEPA_ICS,
            "creancier": settings.PORTAIL_SEPA_NOM,
        },
    )


@responsable_required
@require_POST
def revoquer_prelevement(request: HttpRequest) -> HttpResponse:
    mandat = sepa.mandat_actif(request.responsable.famille)
    if mandat is None:
        messages.info(request, "Votre foyer n'a pas de mandat de prélèvement actif.")
        return redirect("prelevement")
    try:
        sepa.revoquer_mandat(mandat)
    except finances.FinanceError as exc:
        messages.info(request, exc.message)
    else:
        messages.success(
            request,
            "Mandat révoqué : vos prochaines factures ne seront plus prélevées. Un "
            "prélèvement déjà annoncé par le service peut encore avoir lieu.",
        )
    return redirect("prelevement")
