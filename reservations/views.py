import datetime
import secrets

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST

from comptes import fichiers
from comptes.services import jetons, tarifs
from familles.decorators import responsable_required
from familles.fiche import fiche_confirmee
from familles.models import Enfant, Rattachement
from inscriptions.models import Inscription
from portail.preparees import Preparee
from reservations import absences, ical, lecture, planning, services, tirage
from reservations.forms import AbsenceForm, CertificatForm, SemaineTypeForm
from reservations.models import Absence, FluxCalendrier, SemaineType


def _get_inscription_for_user(request: HttpRequest, pk: int) -> Inscription:
    return get_object_or_404(
        Inscription.objects.for_user(request.user).select_related(
            "enfant", "famille", "activite__site", "activite__periode"
        ),
        pk=pk,
    )


# The parent's enrolment with its booking rules (the calendar's redirect, opened from
# every "Réserver" link): compiled once per process (portail/preparees.py).
_INSCRIPTION_ET_REGLES = Preparee(
    lambda user_id, pk: (
        Inscription.objects.for_user(get_user_model()(pk=user_id))
        .select_related("activite__periode", "activite__parametres_reservation")
        .filter(pk=pk)
    ),
    int,
    int,
)


# The enrolment a booking POST changes, with all the service reads of it and the
# activity's tariff (the confirmation's price): compiled once per process.
_INSCRIPTION_DU_POST = Preparee(
    lambda user_id, pk: (
        Inscription.objects.for_user(get_user_model()(pk=user_id))
        .select_related(
            "enfant", "famille", "activite__site", "activite__periode", "activite__tarif"
        )
        .filter(pk=pk)
    ),
    int,
    int,
)


def _mois_initial(inscription: Inscription) -> tuple[int, int]:
    jour = max(timezone.localdate(), inscription.date_debut)
    jour = min(jour, inscription.date_fin)
    return jour.year, jour.month


def _message_fiche(request: HttpRequest, exc: services.FicheSanitaireACertifier) -> None:
    messages.warning(
        request,
        format_html(
            '{} <a href="{}">Compléter et certifier la fiche sanitaire</a>.',
            exc.message,
            reverse("fiche_sanitaire", args=[exc.enfant.pk]),
        ),
    )


def _cout(inscription: Inscription, reserves, annules=()) -> str:
    """ "10 jours × 2,10 € = 21,00 € ajoutés à votre facture de décembre", by the
    invoicing's own tariff rule; "" when the activity has no tariff yet."""
    if not reserves and not annules:
        return ""
    tarification = tarifs.tarification(inscription.famille, inscription.activite)
    if tarification is None:
        return ""
    parties = [ligne.en_clair("ajout") for ligne in tarification.lignes(reserves)]
    parties += [ligne.en_clair("retrait") for ligne in tarification.lignes(annules)]
    return " ; ".join(parties)


def _message_bilan(
    request: HttpRequest,
    bilan: services.Bilan,
    inscription: Inscription,
    texte: str | None = None,
) -> None:
    refus = bilan.refuses or bilan.autre_foyer
    niveau = (
        messages.SUCCESS
        if bilan.a_change and not refus
        else (messages.WARNING if refus else messages.INFO)
    )
    texte = texte or bilan.resume().capitalize() + "."
    if cout := _cout(inscription, bilan.reserves, bilan.annules):
        texte += f" {cout[0].upper()}{cout[1:]}."
    messages.add_message(request, niveau, texte)


@responsable_required
def calendrier_redirect(request: HttpRequest, pk: int) -> HttpResponse:
    lignes = _INSCRIPTION_ET_REGLES(request.user.pk, pk)
    if not lignes:
        raise Http404
    inscription = lignes[0]
    # The first month with a day still to book; else the current month of the enrolment.
    annee, mois = lecture.mois_du_prochain_jour(inscription) or _mois_initial(inscription)
    return redirect("calendrier", pk=inscription.pk, annee=annee, mois=mois)


@responsable_required
@require_http_methods(["GET", "POST"])
def calendrier(request: HttpRequest, pk: int, annee: int, mois: int) -> HttpResponse:
    if request.method == "POST":
        lignes = _INSCRIPTION_DU_POST(request.user.pk, pk)
        if not lignes:
            raise Http404
        inscription = lignes[0]
    else:
        # The page's enrolment and the links to the household's other calendars: one read.
        if not 1 <= mois <= 12 or not 2000 <= annee <= 2100:
            raise Http404
        jour_du_prix = max(timezone.localdate(), datetime.date(annee, mois, 1))
        inscription, autres = lecture.inscription_et_autres(request.user, pk, jour_du_prix)
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
    # Only for an activity that requires it: one EXISTS, no query otherwise.
    fiche_a_certifier = inscription.activite.fiche_sanitaire_exigee and not fiche_confirmee(
        inscription.enfant_id
    )
    prochain = lecture.prochain_jour(semaines)
    precedent = lecture.mois_suivant(annee, mois, -1)
    suivant = lecture.mois_suivant(annee, mois, 1)
    return render(
        request,
        "reservations/calendrier.html",
        {
            "inscription": inscription,
            "corps_du_tableau": lecture.corps_du_tableau(semaines),
            "prix": lecture.prix_du_mois(inscription, jour_du_prix),
            "debut_mois": debut,
            "regle_reservation": cal.regle_reservation.en_clair(),
            "regle_annulation": cal.regle_annulation.en_clair(),
            "annulation_autorisee": cal.parametres.annulation_autorisee,
            "validation_requise": cal.parametres.validation_requise,
            "annonces_tirage": tirage.annonces(tirages, timezone.now()),
            "precedent": precedent if debut > inscription.date_debut else None,
            "suivant": suivant if fin < inscription.date_fin else None,
            "autres": autres,
            "fiche_a_certifier": fiche_a_certifier,
            "prochain_jour": lecture.jour_en_clair(prochain.date) if prochain else None,
            "modifiable": lecture.modifiable(semaines),
            # garde alternée: the household's share, said once, and the legend's entries
            "garde": lecture.garde_du_foyer(inscription),
            "jours_autre_foyer": any(
                j is not None and j.etat == "autre_foyer" for semaine in semaines for j in semaine
            ),
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
    # The child's bookings of those days, this household's apart from the other's (garde
    # alternée): a day the other household booked is never cancelled from here, and
    # ticking it goes to the service, which refuses it.
    actives, _autre_foyer = services.jours_du_foyer(inscription, coches | affiches)
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
    except services.FicheSanitaireACertifier as exc:
        _message_fiche(request, exc)
    except services.ReservationError as exc:
        messages.info(request, exc.message)
    else:
        _message_bilan(
            request, bilan, inscription, lecture.annonce_bilan(bilan, inscription.enfant.prenom)
        )
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
    # garde alternée by weeks: the form offers (and, the first time, preselects) the
    # household's weeks as its link says.
    lien = Rattachement.objects.filter(
        enfant_id=inscription.enfant_id, famille_id=inscription.famille_id
    ).first()
    semaines_de_garde = lien.semaines if lien and lien.garde == Rattachement.Garde.SEMAINES else ""
    if semaines_de_garde and not existante:
        initial["frequence"] = (
            SemaineType.Frequence.SEMAINES_PAIRES
            if semaines_de_garde == Rattachement.Semaines.PAIRES
            else SemaineType.Frequence.SEMAINES_IMPAIRES
        )
    form = SemaineTypeForm(
        request.POST or None,
        initial=initial,
        jours_ouverture=parametres.jours_ouverture,
        semaines_de_garde=semaines_de_garde,
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
                _message_bilan(request, bilan, inscription)
                annee, mois = d["debut"].year, d["debut"].month
                return redirect("calendrier", pk=inscription.pk, annee=annee, mois=mois)
            apercu = services.apercu_semaine_type(
                inscription, d["jours"], d["frequence"], d["debut"], d["fin"]
            )
        except services.FicheSanitaireACertifier as exc:
            _message_fiche(request, exc)
        except services.ReservationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render(
        request,
        "reservations/semaine_type.html",
        {
            "inscription": inscription,
            "form": form,
            "apercu": apercu,
            "cout": _cout(
                inscription, [ligne["date"] for ligne in apercu if ligne["issue"] == "reserve"]
            )
            if apercu
            else "",
            "existante": existante,
            "nb": {
                issue: sum(1 for ligne in apercu if ligne["issue"] == issue)
                for issue in (
                    "reserve",
                    "a_valider",
                    "tirage",
                    "attente",
                    "deja",
                    "autre_foyer",
                    "ignore",
                )
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


# --- absences declared by the family (reservations/absences.py) -------------------------


def _retour_absence(inscription, jours) -> HttpResponse:
    premier = min(jours) if jours else timezone.localdate()
    return redirect("calendrier", pk=inscription.pk, annee=premier.year, mois=premier.month)


@fichiers.limite_depot(absences.TAILLE_MAX_CERTIFICAT)
@responsable_required
@require_http_methods(["GET", "POST"])
def signaler_absence(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 1: the days and the reason; step 2 ("continuer"): the rules for those days in
    plain French and the optional certificate; "confirmer" records it."""
    inscription = _get_inscription_for_user(request, pk)
    if not inscription.est_validee:
        messages.error(request, "Les absences se signalent une fois l'inscription validée.")
        return redirect("inscription_detail", inscription.pk)
    initial = {"jours": request.GET.getlist("jour")}
    form = AbsenceForm(
        request.POST or None,
        request.FILES or None,
        jours=absences.jours_signalables(inscription),
        initial=initial,
    )
    apercu = None
    confirmer = "confirmer" in request.POST
    if request.method == "POST" and "modifier" not in request.POST:
        valide = form.is_valid()
        d = form.cleaned_data
        try:
            if valide and confirmer:
                with transaction.atomic():
                    jetons.consommer_jeton(request.user, d["jeton"], "signaler_absence")
                    resultat = absences.signaler(
                        inscription,
                        d["jours"],
                        d["motif"],
                        d.get("certificat"),
                        par=request.user,
                        demandeur=request.responsable,
                    )
                messages.success(request, resultat.message())
                return _retour_absence(inscription, d["jours"])
            if valide or (confirmer and set(form.errors) == {"certificat"}):
                apercu = absences.apercu(inscription, d["jours"])
        except jetons.DoubleEnvoi as exc:
            messages.info(request, exc.message)
            return _retour_absence(inscription, d["jours"])
        except services.ReservationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            if exc.field == "certificat":  # the days were fine: stay on the second step
                try:
                    apercu = absences.apercu(inscription, d["jours"])
                except services.ReservationError:
                    apercu = None
    return render(
        request,
        "reservations/signaler_absence.html",
        {
            "inscription": inscription,
            "form": form,
            "apercu": apercu,
            "absences": absences.absences_de(inscription) if apercu is None else [],
        },
    )


def _get_absence_for_user(request: HttpRequest, pk: int) -> Absence:
    return get_object_or_404(
        Absence.objects.for_user(request.user).select_related(
            "inscription__enfant", "inscription__activite", "demande"
        ),
        pk=pk,
    )


@fichiers.limite_depot(absences.TAILLE_MAX_CERTIFICAT)
@responsable_required
@require_http_methods(["GET", "POST"])
def joindre_certificat(request: HttpRequest, pk: int) -> HttpResponse:
    absence = _get_absence_for_user(request, pk)
    form = CertificatForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            absences.joindre_certificat(
                absence, form.cleaned_data["certificat"], demandeur=request.responsable
            )
        except services.ReservationError as exc:
            form.add_error("certificat", exc.message)
        else:
            messages.success(request, "Le certificat est transmis au service.")
            return redirect("inscription_detail", absence.inscription_id)
    return render(
        request, "reservations/joindre_certificat.html", {"absence": absence, "form": form}
    )


@login_required
def certificat_absence(request: HttpRequest, pk: int) -> HttpResponse:
    """A certificate, for its household and for staff who may see bookings (the admin
    links here); anyone else gets a 404."""
    absences_visibles = Absence.objects.exclude(certificat="")
    if not (request.user.is_staff and request.user.has_perm("reservations.view_absence")):
        absences_visibles = absences_visibles.for_user(request.user)
    absence = get_object_or_404(absences_visibles, pk=pk)
    return fichiers.servir(absence.certificat, f"certificat-absence-{absence.premier_jour}")
