import datetime
import secrets

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST

from familles.decorators import responsable_required
from familles.models import Enfant
from inscriptions.models import Inscription
from reservations import ical, lecture, planning, services, tirage
from reservations.forms import SemaineTypeForm
from reservations.models import FluxCalendrier, Reservation, SemaineType


def _get_inscription_for_user(request: HttpRequest, pk: int) -> Inscription:
    return get_object_or_404(
        Inscription.objects.for_user(request.user).select_related(
            "enfant", "famille", "activite__site", "activite__periode"
        ),
        pk=pk,
    )


def _mois_initial(inscription: Inscription) -> tuple[int, int]:
    jour = max(timezone.localdate(), inscription.date_debut)
    jour = min(jour, inscription.date_fin)
    return jour.year, jour.month


def _message_bilan(request: HttpRequest, bilan: services.Bilan, texte: str | None = None) -> None:
    niveau = (
        messages.SUCCESS
        if bilan.a_change and not bilan.refuses
        else (messages.WARNING if bilan.refuses else messages.INFO)
    )
    messages.add_message(request, niveau, texte or bilan.resume().capitalize() + ".")


@responsable_required
def calendrier_redirect(request: HttpRequest, pk: int) -> HttpResponse:
    inscription = get_object_or_404(
        Inscription.objects.for_user(request.user).select_related(
            "activite__periode", "activite__parametres_reservation"
        ),
        pk=pk,
    )
    # The first month with a day still to book; else the current month of the enrolment.
    annee, mois = lecture.mois_du_prochain_jour(inscription) or _mois_initial(inscription)
    return redirect("calendrier", pk=inscription.pk, annee=annee, mois=mois)


@responsable_required
@require_http_methods(["GET", "POST"])
def calendrier(request: HttpRequest, pk: int, annee: int, mois: int) -> HttpResponse:
    if request.method == "POST":
        inscription = _get_inscription_for_user(request, pk)
    else:
        # The page's enrolment and the links to the household's other calendars: one read.
        inscription, autres = lecture.inscription_et_autres(request.user, pk)
        if inscription is None:
            raise Http404
    if not 1 <= mois <= 12 or not 2000 <= annee <= 2100:
        raise Http404
    if not inscription.est_validee:
        messages.error(request, "Les réservations s'ouvrent une fois l'inscription validée.")
        return redirect("inscription_detail", inscription.pk)
    if request.method == "POST":
        return _enregistrer_calendrier(request, inscription, annee, mois)
    try:
        cal, semaines = lecture.jours_du_mois(inscription, annee, mois)
    except services.ReservationError as exc:
        messages.error(request, exc.message)
        return redirect("inscription_detail", inscription.pk)
    debut, fin = lecture.bornes_du_mois(annee, mois)
    # Opening by lottery: no query unless the activity uses it.
    tirages = tirage.tirages_actifs(cal.parametres, debut, fin)
    tirage.annoter(tirages, semaines, timezone.now())
    prochain = lecture.prochain_jour(semaines)
    precedent = lecture.mois_suivant(annee, mois, -1)
    suivant = lecture.mois_suivant(annee, mois, 1)
    return render(
        request,
        "reservations/calendrier.html",
        {
            "inscription": inscription,
            "corps_du_tableau": lecture.corps_du_tableau(semaines),
            "debut_mois": debut,
            "regle_reservation": cal.regle_reservation.en_clair(),
            "regle_annulation": cal.regle_annulation.en_clair(),
            "annulation_autorisee": cal.parametres.annulation_autorisee,
            "validation_requise": cal.parametres.validation_requise,
            "annonces_tirage": tirage.annonces(tirages, timezone.now()),
            "precedent": precedent if debut > inscription.date_debut else None,
            "suivant": suivant if fin < inscription.date_fin else None,
            "autres": autres,
            "prochain_jour": lecture.jour_en_clair(prochain.date) if prochain else None,
            "modifiable": lecture.modifiable(semaines),
            "jours_semaine": [
                "lundi",
                "mardi",
                "mercredi",
                "jeudi",
                "vendredi",
                "samedi",
                "dimanche",
            ],
        },
    )


def _dates(valeurs: list[str]) -> list[datetime.date]:
    try:
        return [datetime.date.fromisoformat(v) for v in valeurs]
    except ValueError:
        raise services.ReservationError("Une des dates envoyées n'est pas valide.") from None


def _enregistrer_calendrier(request, inscription, annee, mois) -> HttpResponse:
    retour = redirect("calendrier", pk=inscription.pk, annee=annee, mois=mois)
    try:
        coches = set(_dates(request.POST.getlist("jours")))
        affiches = set(_dates(request.POST.getlist("affiches")))
    except services.ReservationError as exc:
        messages.error(request, exc.message)
        return retour
    actives = set(
        Reservation.objects.actives()
        .filter(
            enfant=inscription.enfant, activite=inscription.activite, date__in=coches | affiches
        )
        .values_list("date", flat=True)
    )
    # A day shown ticked and now unticked is a cancellation; a ticked day not yet booked
    # is a booking (the service re-checks every rule, whatever the page showed).
    a_reserver = coches - actives
    a_annuler = (affiches - coches) & actives
    if not a_reserver and not a_annuler:
        # A form sent twice: the first one did the work; say what stands.
        deja = len(coches & actives)
        messages.info(
            request,
            f"Aucun changement : {deja} jour{'s' if deja > 1 else ''} "
            f"déjà réservé{'s' if deja > 1 else ''}."
            if deja
            else "Vous n'avez coché ni décoché aucun jour.",
        )
        return retour
    try:
        bilan = services.modifier(
            inscription, a_reserver, a_annuler, par=request.user, demandeur=request.responsable
        )
    except services.ReservationError as exc:
        messages.info(request, exc.message)
    else:
        _message_bilan(request, bilan, lecture.annonce_bilan(bilan, inscription.enfant.prenom))
    return retour


@responsable_required
@require_http_methods(["GET", "POST"])
def semaine_type(request: HttpRequest, pk: int) -> HttpResponse:
    inscription = _get_inscription_for_user(request, pk)
    if not inscription.est_validee:
        messages.error(request, "Les réservations s'ouvrent une fois l'inscription validée.")
        return redirect("inscription_detail", inscription.pk)
    existante = SemaineType.objects.filter(inscription=inscription).first()
    parametres = getattr(inscription.activite, "parametres_reservation", None)
    if parametres is None:
        messages.error(request, "Les réservations ne sont pas encore ouvertes pour cette activité.")
        return redirect("inscription_detail", inscription.pk)
    initial = (
        {
            "jours": existante.jours,
            "frequence": existante.frequence,
            "debut": max(existante.debut, timezone.localdate()),
            "fin": existante.fin,
        }
        if existante
        else {
            "debut": max(inscription.date_debut, timezone.localdate()),
            "fin": inscription.date_fin,
        }
    )
    form = SemaineTypeForm(
        request.POST or None, initial=initial, jours_ouverture=parametres.jours_ouverture
    )
    apercu = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if "confirmer" in request.POST:
                bilan = services.appliquer_semaine_type(
                    inscription,
                    d["jours"],
                    d["frequence"],
                    d["debut"],
                    d["fin"],
                    par=request.user,
                    demandeur=request.responsable,
                )
                _message_bilan(request, bilan)
                annee, mois = d["debut"].year, d["debut"].month
                return redirect("calendrier", pk=inscription.pk, annee=annee, mois=mois)
            apercu = services.apercu_semaine_type(
                inscription, d["jours"], d["frequence"], d["debut"], d["fin"]
            )
        except services.ReservationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render(
        request,
        "reservations/semaine_type.html",
        {
            "inscription": inscription,
            "form": form,
            "apercu": apercu,
            "existante": existante,
            "nb": {
                issue: sum(1 for ligne in apercu if ligne["issue"] == issue)
                for issue in ("reserve", "a_valider", "tirage", "attente", "deja", "ignore")
            }
            if apercu
            else None,
        },
    )


@responsable_required
def planning_pdf(request: HttpRequest, annee: int, mois: int) -> HttpResponse:
    """The month's planning of the household, or of one of its children (?enfant=)."""
    if not 1 <= mois <= 12 or not 2000 <= annee <= 2100:
        raise Http404
    famille = request.responsable.famille
    enfant = None
    if request.GET.get("enfant"):
        try:
            pk = int(request.GET["enfant"])
        except ValueError:
            raise Http404 from None
        enfant = get_object_or_404(Enfant.objects.for_famille(famille), pk=pk)
    document = planning.rendre(famille, annee, mois, enfant)
    nom = f"planning-{annee}-{mois:02d}{'-' + slugify(enfant.prenom) if enfant else ''}.pdf"
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{nom}"'
    return response


@responsable_required
def agenda(request: HttpRequest) -> HttpResponse:
    flux = FluxCalendrier.objects.filter(famille=request.responsable.famille).first()
    url = request.build_absolute_uri(reverse("flux_ical", args=[flux.jeton])) if flux else None
    return render(request, "reservations/agenda.html", {"flux": flux, "url": url})


@responsable_required
@require_POST
def agenda_modifier(request: HttpRequest) -> HttpResponse:
    famille = request.responsable.famille
    if "supprimer" in request.POST:
        FluxCalendrier.objects.filter(famille=famille).delete()
        messages.success(request, "Le lien de l'agenda est supprimé : il ne fonctionne plus.")
    else:
        FluxCalendrier.objects.update_or_create(
            famille=famille,
            defaults={"jeton": secrets.token_urlsafe(32), "cree_le": timezone.now()},
        )
        messages.success(request, "Nouveau lien créé ; l'ancien ne fonctionne plus.")
    return redirect("agenda")


def flux_ical(request: HttpRequest, jeton: str) -> HttpResponse:
    flux = get_object_or_404(FluxCalendrier.objects.select_related("famille"), jeton=jeton)
    response = HttpResponse(
        ical.agenda_famille(flux.famille), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="reservations.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response
