"""The school's day in the admin: the day list of a site (every activity of that school,
grouped by activity and class, with health information) and the tablet attendance page.

Both are views of ReservationAdmin (reservations/admin.py wires their URLs). A Direction
de site sees only the sites it directs (Site.visibles_par), another site is a 404."""

import csv
import datetime
import io
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from comptes.errors import DomainError
from familles.forms import DateInput
from familles.models import Enfant
from inscriptions.models import Activite, Site, age_lisible
from reservations import services
from reservations.models import Reservation

Etat = Reservation.Etat
ORDRE_DES_CLASSES = {valeur: rang for rang, valeur in enumerate(Enfant.Classe.values)}
# Who is on a day's list: booked, awaiting validation, or already marked.
ETATS_DE_LA_LISTE = Reservation.ETATS_OCCUPANT_UNE_PLACE
ETATS_ABSENCE = {Etat.ABSENT, Etat.ABSENCE_JUSTIFIEE}
SESSION_SITE = "pointage_site"
SESSION_ACTIVITE = "pointage_activite"


def sites_visibles(user):
    sites = Site.visibles_par(user)
    return Site.objects.all() if sites is None else sites


class JourneeForm(forms.Form):
    site = forms.ModelChoiceField(
        label="Site (école)",
        queryset=Site.objects.none(),
        error_messages={"invalid_choice": "Choisissez un de vos sites."},
    )
    date = forms.DateField(
        label="Jour", widget=DateInput(), error_messages={"invalid": "Choisissez un jour."}
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites_visibles(user).order_by("nom")


@dataclass
class Groupe:
    """One activity's children, class by class."""

    activite: Activite
    classes: list[tuple[str, list[Reservation]]] = field(default_factory=list)
    attendus: int = 0
    absents: int = 0


def reservations_du_site(site: Site, jour: datetime.date):
    return (
        Reservation.objects.filter(activite__site=site, date=jour, etat__in=ETATS_DE_LA_LISTE)
        .select_related("enfant", "activite")
        .order_by("activite__nom", "activite_id", "enfant__nom", "enfant__prenom")
    )


def grouper(reservations, jour: datetime.date) -> list[Groupe]:
    """Activity by activity (in name order), then class by class in school order."""
    groupes: dict[int, Groupe] = {}
    par_classe: dict[int, dict[str, list[Reservation]]] = {}
    for r in reservations:
        r.age = age_lisible(r.enfant.date_naissance, jour)
        groupe = groupes.setdefault(r.activite_id, Groupe(r.activite))
        par_classe.setdefault(r.activite_id, {}).setdefault(r.enfant.classe, []).append(r)
        if r.etat in ETATS_ABSENCE:
            groupe.absents += 1
        else:
            groupe.attendus += 1
    for activite_id, groupe in groupes.items():
        classes = par_classe[activite_id]
        groupe.classes = [
            (Enfant.Classe(classe).label, classes[classe])
            for classe in sorted(classes, key=lambda c: ORDRE_DES_CLASSES.get(c, 99))
        ]
    return list(groupes.values())


def _cellule(valeur) -> str:
    """Text typed by families must not run as a spreadsheet formula."""
    valeur = str(valeur)
    return f"'{valeur}" if valeur[:1] in ("=", "+", "-", "@", "\t", "\r") else valeur


def csv_journee(site: Site, jour: datetime.date, groupes: list[Groupe]) -> HttpResponse:
    sortie = io.StringIO()
    writer = csv.writer(sortie, delimiter=";")
    writer.writerow(
        [
            "Date",
            "Site",
            "Activité",
            "Classe",
            "Enfant",
            "Âge",
            "État",
            "Allergies",
            "PAI",
            "Autres informations de santé",
        ]
    )
    for groupe in groupes:
        for classe, reservations in groupe.classes:
            for r in reservations:
                e = r.enfant
                writer.writerow(
                    [
                        _cellule(v)
                        for v in (
                            jour.isoformat(),
                            site.nom,
                            groupe.activite.nom,
                            classe,
                            f"{e.nom} {e.prenom}",
                            r.age,
                            r.get_etat_display(),
                            e.allergies,
                            "oui" if e.pai else "non",
                            e.notes_sante,
                        )
                    ]
                )
    response = HttpResponse("\ufeff" + sortie.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="journee-{site.pk}-{jour.isoformat()}.csv"'
    )
    return response


def contenu_journee(site: Site, jour: datetime.date) -> dict:
    """What the day list shows (page and PDF): the groups and the head counts."""
    reservations = list(reservations_du_site(site, jour))
    groupes = grouper(reservations, jour)
    # A child at the canteen and the evening care is one child expected at school.
    attendus = {r.enfant_id for r in reservations if r.etat not in ETATS_ABSENCE}
    return {
        "site": site,
        "jour": jour,
        "groupes": groupes,
        "attendus": len(attendus),
        "absents": len({r.enfant_id for r in reservations} - attendus),
        "alertes": sum(
            1
            for g in groupes
            for _, rs in g.classes
            for r in rs
            if r.enfant.a_des_alertes_sante and r.etat not in ETATS_ABSENCE
        ),
    }


def pdf_journee(contenu: dict):
    """The day list as a rendered WeasyPrint document (write_pdf() for the bytes)."""
    from weasyprint import HTML

    return HTML(string=render_to_string("pdf/journee_ecole.html", contenu)).render()


def journee_ecole(modeladmin, request):
    """All the activities of a school on one day, grouped by activity and class."""
    if not modeladmin.has_view_permission(request):
        raise PermissionDenied
    donnees = request.GET if "site" in request.GET else None
    form = JourneeForm(donnees, initial={"date": timezone.localdate()}, user=request.user)
    contexte = {
        **modeladmin.admin_site.each_context(request),
        "title": "Journée de l'école",
        "form": form,
        "opts": modeladmin.model._meta,
        "peut_pointer": modeladmin.has_change_permission(request),
    }
    if form.is_bound and form.is_valid():
        site, jour = form.cleaned_data["site"], form.cleaned_data["date"]
        contexte.update(
            contenu_journee(site, jour),
            parametres=urlencode({"site": site.pk, "date": jour.isoformat()}),
        )
        format_ = request.GET.get("format")
        if format_ == "csv":
            return csv_journee(site, jour, contexte["groupes"])
        if format_ == "pdf":
            return FileResponse(
                io.BytesIO(pdf_journee(contexte).write_pdf()),
                content_type="application/pdf",
                filename=f"journee-{site.pk}-{jour.isoformat()}.pdf",
            )
    return TemplateResponse(request, "admin/reservations/journee_ecole.html", contexte)


# --- tablet attendance --------------------------------------------------------------------


class PointageForm(forms.Form):
    site = forms.ModelChoiceField(
        label="Site",
        queryset=Site.objects.none(),
        error_messages={"invalid_choice": "Choisissez un de vos sites."},
    )
    activite = forms.ModelChoiceField(
        label="Activité",
        queryset=Activite.objects.none(),
        error_messages={"invalid_choice": "Choisissez une activité de ce site."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        sites = sites_visibles(user)
        self.fields["site"].queryset = sites.order_by("nom")
        aujourd_hui = timezone.localdate()
        choisi = str(self.initial.get("site") or "")
        if not self.is_bound and choisi.isdigit():
            sites = sites.filter(pk=int(choisi))  # only the chosen site's activities
        self.fields["activite"].queryset = (
            Activite.objects.filter(
                site__in=sites, periode__debut__lte=aujourd_hui, periode__fin__gte=aujourd_hui
            )
            .select_related("site")
            .order_by("site__nom", "nom")
        )
        self.fields["activite"].label_from_instance = lambda a: f"{a.nom} — {a.site.nom}"

    def clean(self):
        cleaned = super().clean()
        site, activite = cleaned.get("site"), cleaned.get("activite")
        if site and activite and activite.site_id != site.pk:
            self.add_error("activite", "Cette activité n'a pas lieu sur ce site.")
        return cleaned


def _choix_du_pointage(request):
    """The site and activity asked for, else those remembered in the session (the tablet
    reopens on the same list)."""
    if "activite" in request.GET:
        return request.GET
    if "site" in request.GET:
        return None  # the dashboard's "Pointage" of a site: the activity is to choose
    site, activite = request.session.get(SESSION_SITE), request.session.get(SESSION_ACTIVITE)
    if site and activite:
        return {"site": site, "activite": activite}
    return None


def pointage(modeladmin, request):
    """Large present/absent buttons per child, today. Each click is its own POST, saved at
    once: with JavaScript (static/js/pointage.js) the page stays put; without, the server
    answers with a redirect to the same list. A lost connection loses nothing already
    marked."""
    if not modeladmin.has_change_permission(request):
        raise PermissionDenied
    if request.method == "POST":
        return _pointer(modeladmin, request)
    donnees = _choix_du_pointage(request)
    initial = {"site": request.GET.get("site") or request.session.get(SESSION_SITE)}
    form = PointageForm(donnees, initial=initial, user=request.user)
    jour = timezone.localdate()
    contexte = {
        **modeladmin.admin_site.each_context(request),
        "title": "Pointage",
        "form": form,
        "jour": jour,
        "opts": modeladmin.model._meta,
    }
    if form.is_bound and form.is_valid():
        activite = form.cleaned_data["activite"]
        request.session[SESSION_SITE] = form.cleaned_data["site"].pk
        request.session[SESSION_ACTIVITE] = activite.pk
        reservations = list(
            Reservation.objects.filter(activite=activite, date=jour, etat__in=ETATS_DE_LA_LISTE)
            .select_related("enfant")
            .order_by("enfant__nom", "enfant__prenom")
        )
        for r in reservations:
            r.age = age_lisible(r.enfant.date_naissance, jour)
        contexte.update(
            activite=activite,
            reservations=reservations,
            presents=sum(1 for r in reservations if r.etat == Etat.PRESENT),
            a_pointer=sum(1 for r in reservations if r.etat in (Etat.RESERVEE, Etat.DEMANDEE)),
        )
    return TemplateResponse(request, "admin/reservations/pointage.html", contexte)


HORS_DE_LA_LISTE = (
    "Cet enfant n'est pas sur la liste ouverte (site, activité et jour) : "
    "rouvrez le pointage, rien n'a été enregistré."
)


def _liste_ouverte(request) -> tuple[int | None, int | None, datetime.date | None]:
    """The site, activity and day of the list the click comes from (hidden fields of each
    row's form); the site only if it is one of the user's sites, as on the day list."""
    site, activite, jour = (request.POST.get(c, "") for c in ("site", "activite", "date"))
    site = int(site) if site.isdigit() else None
    if site is not None and not sites_visibles(request.user).filter(pk=site).exists():
        site = None
    try:
        jour = datetime.date.fromisoformat(jour)
    except ValueError:
        jour = None
    return site, int(activite) if activite.isdigit() else None, jour


def _pointer(modeladmin, request):
    en_arriere_plan = request.headers.get("X-Requested-With") == "fetch"
    identifiant = request.POST.get("reservation", "")
    if not identifiant.isdigit():
        raise Http404
    reservation = get_object_or_404(
        modeladmin.get_queryset(request).select_related("enfant", "activite__site"),
        pk=int(identifiant),
    )
    etat = request.POST.get("etat", "")
    site, activite, jour = _liste_ouverte(request)
    # A forged or stale POST may name a booking of another site, activity or day than
    # the list on the tablet: checked here, before anything is written.
    if (
        site is None
        or jour is None
        or reservation.activite.site_id != site
        or (activite is not None and reservation.activite_id != activite)
        or reservation.date != jour
    ):
        erreurs = [HORS_DE_LA_LISTE]
    else:
        try:
            _, erreurs = services.pointer([reservation.pk], etat, request.user)
        except DomainError as exc:
            erreurs = [exc.message]
    reservation.refresh_from_db(fields=["etat"])
    if en_arriere_plan:
        return JsonResponse(
            {
                "etat": reservation.etat,
                "libelle": reservation.get_etat_display(),
                "erreurs": erreurs,
            },
            status=400 if erreurs else 200,
        )
    for erreur in erreurs:
        modeladmin.message_user(request, erreur, messages.ERROR)
    url = reverse("admin:reservations_pointage")
    if erreurs == [HORS_DE_LA_LISTE]:
        return redirect(url)  # the list remembered in the session
    parametres = urlencode(
        {"site": reservation.activite.site_id, "activite": reservation.activite_id}
    )
    return redirect(f"{url}?{parametres}#r{reservation.pk}")
