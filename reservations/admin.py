import csv
import datetime
import io

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, Q
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from comptes.admin_historique import AuditAdmin
from comptes.errors import DomainError
from comptes.mots import nombre, selon
from familles.fiche import ce_que_l_enfant_peut_faire, prefetch_autorisations
from familles.forms import DateInput
from familles.models import TypeAutorisation
from inscriptions import admin as inscriptions_admin
from inscriptions.models import Activite, Inscription, Periode, Site
from reservations import admin_journee, lecture, repas, services
from reservations.admin_tirage import TirageInline
from reservations.calendrier import Calendrier, jours_entre
from reservations.models import (
    Absence,
    Fermeture,
    Jour,
    Journee,
    ParametresReservation,
    Reservation,
    SemaineType,
    Vacances,
)

Etat = Reservation.Etat


# --- catalogue: the calendar and rules live with the activity and the season --------


class ParametresForm(forms.ModelForm):
    jours_ouverture = forms.TypedMultipleChoiceField(
        label="Jours d'ouverture",
        coerce=int,
        choices=Jour.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ParametresReservation
        fields = [
            "jours_ouverture",
            "pendant",
            "places_par_jour",
            "reservation_mode",
            "reservation_jours",
            "reservation_heure",
            "reservation_jour_semaine",
            "reservation_sans_weekend",
            "reservation_sans_feries",
            "annulation_autorisee",
            "annulation_mode",
            "annulation_jours",
            "annulation_heure",
            "annulation_jour_semaine",
            "annulation_sans_weekend",
            "annulation_sans_feries",
            "validation_requise",
            "mode_ouverture",
            "absences_facturees",
            "jours_carence",
        ]


class ParametresInline(admin.StackedInline):
    model = ParametresReservation
    form = ParametresForm
    can_delete = False
    verbose_name_plural = "calendrier et règles de réservation"
    fieldsets = (
        ("Ouverture", {"fields": ("jours_ouverture", "pendant", "places_par_jour")}),
        (
            "Délai de réservation",
            {
                "fields": (
                    "reservation_mode",
                    ("reservation_jours", "reservation_heure"),
                    "reservation_jour_semaine",
                    ("reservation_sans_weekend", "reservation_sans_feries"),
                )
            },
        ),
        (
            "Annulation",
            {
                "fields": (
                    "annulation_autorisee",
                    "annulation_mode",
                    ("annulation_jours", "annulation_heure"),
                    "annulation_jour_semaine",
                    ("annulation_sans_weekend", "annulation_sans_feries"),
                )
            },
        ),
        ("Validation", {"fields": ("validation_requise",)}),
        ("Mode d'ouverture", {"fields": ("mode_ouverture",)}),
        (
            "Absences signalées par les familles",
            {
                "fields": ("absences_facturees", "jours_carence"),
                "description": "Après le délai d'annulation, une absence signalée garde la "
                "place. Un certificat accepté la rend justifiée : seuls les jours de carence "
                "restent facturés.",
            },
        ),
    )


class FermetureInline(admin.TabularInline):
    model = Fermeture
    extra = 0


class JourneesFormSet(forms.BaseInlineFormSet):
    def save_new(self, form, commit=True):
        # Every booked day already has its row (the lock): an override updates it.
        existante = Journee.objects.filter(
            activite=self.instance, date=form.cleaned_data["date"]
        ).first()
        if existante is None:
            return super().save_new(form, commit)
        for champ in ("places", "fermee", "motif"):
            setattr(existante, champ, form.cleaned_data.get(champ))
        if commit:
            existante.save(update_fields=["places", "fermee", "motif"])
        return existante


class JourneeInline(admin.TabularInline):
    model = Journee
    formset = JourneesFormSet
    extra = 0
    verbose_name_plural = "journées particulières (places ou fermeture un jour donné)"
    fields = ["date", "places", "fermee", "motif"]

    def get_queryset(self, request):
        # Every booked day has a row (it is locked while counting): show overrides only.
        return super().get_queryset(request).filter(Q(places__isnull=False) | Q(fermee=True))


admin.site.unregister(Activite)


def _apres_changement_du_calendrier(modeladmin, request, activite) -> None:
    """Closed days lose their bookings; added places go to the waiting lists."""
    annules = services.annuler_les_jours_fermes(activite, request.user)
    if annules:
        modeladmin.message_user(
            request,
            nombre(annules, "réservation annulée", "réservations annulées") + " sur des jours "
            "désormais fermés ; les familles sont prévenues.",
            messages.WARNING,
        )
    promus = services.promouvoir_les_listes_d_attente(activite, request.user)
    if promus:
        modeladmin.message_user(
            request,
            selon(
                promus,
                f"{promus} enfant de la liste d'attente a obtenu une place ; sa famille "
                "est prévenue.",
                f"{promus} enfants de la liste d'attente ont obtenu une place ; les familles "
                "sont prévenues.",
            ),
            messages.SUCCESS,
        )


@admin.register(Activite)
class ActiviteAdmin(inscriptions_admin.ActiviteAdmin):
    def historiques_lies(self, obj):
        return [
            ("Règles de réservation", ParametresReservation.history.filter(activite_id=obj.pk)),
            ("Fermetures", Fermeture.history.filter(activite_id=obj.pk)),
            ("Places et fermetures par jour", Journee.history.filter(activite_id=obj.pk)),
        ]

    inlines = [ParametresInline, FermetureInline, JourneeInline, TirageInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if hasattr(form.instance, "parametres_reservation"):
            _apres_changement_du_calendrier(self, request, form.instance)


class VacancesInline(admin.TabularInline):
    model = Vacances
    extra = 0


admin.site.unregister(Periode)


@admin.register(Periode)
class PeriodeAdmin(inscriptions_admin.PeriodeAdmin):
    def historiques_lies(self, obj):
        return [("Vacances", Vacances.history.filter(periode_id=obj.pk))]

    inlines = [VacancesInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for activite in form.instance.activites.filter(parametres_reservation__isnull=False):
            _apres_changement_du_calendrier(self, request, activite)


# --- staff booking for a family (same service, deadlines waived) ---------------------


class ReservationServiceForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        debut, fin = cleaned.get("debut"), cleaned.get("fin")
        if debut and fin and not 0 <= (fin - debut).days <= 400:
            raise forms.ValidationError(
                "La période doit aller dans l'ordre et durer au plus un an et un mois."
            )
        return cleaned

    debut = forms.DateField(label="Du", widget=DateInput())
    fin = forms.DateField(label="Au", widget=DateInput())
    jours = forms.TypedMultipleChoiceField(
        label="Jours", coerce=int, choices=Jour.choices[:5], widget=forms.CheckboxSelectMultiple
    )
    annuler = forms.BooleanField(label="Annuler ces jours au lieu de les réserver", required=False)


@admin.action(description="Réserver ou annuler des jours pour la famille", permissions=["change"])
def reserver_pour_la_famille(modeladmin, request, queryset):
    form = ReservationServiceForm(request.POST if "confirmer" in request.POST else None)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        dates = services.dates_semaine_type(
            d["jours"], SemaineType.Frequence.TOUTES, d["debut"], d["fin"]
        )
        for inscription in queryset.select_related("enfant", "activite"):
            try:
                bilan = services.modifier(
                    inscription,
                    [] if d["annuler"] else dates,
                    dates if d["annuler"] else [],
                    par=request.user,
                    source=Reservation.Source.SERVICE,
                    par_le_service=True,
                )
            except DomainError as exc:
                modeladmin.message_user(request, f"{inscription} : {exc.message}", messages.WARNING)
            else:
                modeladmin.message_user(
                    request,
                    f"{inscription} : {bilan.resume()}.",
                    messages.WARNING if bilan.refuses or bilan.autre_foyer else messages.SUCCESS,
                )
        return None
    return TemplateResponse(
        request,
        "admin/reservations/reserver_pour_la_famille.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": "Réserver ou annuler des jours",
            "inscriptions": queryset.select_related("enfant", "activite"),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": modeladmin.model._meta,
        },
    )


class MotifDesinscriptionForm(forms.Form):
    motif = forms.CharField(
        label="Motif (envoyé à la famille)",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        error_messages={"required": "Indiquez le motif."},
    )


@admin.action(description="Désinscrire (annule les réservations à venir)", permissions=["change"])
def desinscrire(modeladmin, request, queryset):
    form = MotifDesinscriptionForm(request.POST if "confirmer" in request.POST else None)
    if form.is_bound and form.is_valid():
        for inscription in queryset.select_related("enfant", "activite"):
            try:
                services.desinscrire(inscription, request.user, form.cleaned_data["motif"])
            except DomainError as exc:
                modeladmin.message_user(request, f"{inscription} : {exc.message}", messages.WARNING)
            else:
                modeladmin.message_user(
                    request, f"{inscription} : inscription close.", messages.SUCCESS
                )
        return None
    return TemplateResponse(
        request,
        "admin/reservations/desinscrire.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": "Désinscrire",
            "inscriptions": queryset.select_related("enfant", "activite"),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": modeladmin.model._meta,
        },
    )


admin.site.unregister(Inscription)


@admin.register(Inscription)
class InscriptionAdmin(inscriptions_admin.InscriptionAdmin):
    actions = [*inscriptions_admin.InscriptionAdmin.actions, reserver_pour_la_famille, desinscrire]


# --- reservations: lists, attendance, daily list, occupancy ---------------------------


def _pointer(etat):
    def action(modeladmin, request, queryset):
        try:
            faits, erreurs = services.pointer(
                list(queryset.values_list("pk", flat=True)), etat, request.user
            )
        except DomainError as exc:
            modeladmin.message_user(request, exc.message, messages.ERROR)
            return
        if faits:
            modeladmin.message_user(
                request,
                nombre(faits, "présence relevée", "présences relevées")
                + f" : {Reservation.Etat(etat).label.lower()}.",
                messages.SUCCESS,
            )
        for erreur in erreurs:
            modeladmin.message_user(request, erreur, messages.WARNING)

    action.__name__ = f"marquer_{etat}"
    return admin.action(
        description=f"Marquer : {Reservation.Etat(etat).label.lower()}", permissions=["change"]
    )(action)


def _cellule(valeur: str) -> str:
    """Text typed by families must not run as a spreadsheet formula."""
    valeur = str(valeur)
    return f"'{valeur}" if valeur[:1] in ("=", "+", "-", "@", "\t", "\r") else valeur


def _lignes_csv(reservations) -> list[list[str]]:
    lignes = [
        [
            "Date",
            "Enfant",
            "Classe",
            "École",
            "Activité",
            "Site",
            "État",
            "Allergies",
            "PAI",
            "Autres informations de santé",
            "Régime alimentaire",
            "Autorisé(e)",
            "Non autorisé(e) ou sans réponse",
        ]
    ]
    types = list(TypeAutorisation.objects.filter(active=True))
    for r in reservations:
        e = r.enfant
        permis = ce_que_l_enfant_peut_faire(e, types)
        lignes.append(
            [
                _cellule(v)
                for v in (
                    r.date.isoformat(),
                    f"{e.nom} {e.prenom}",
                    e.get_classe_display(),
                    e.ecole,
                    r.activite.nom,
                    r.activite.site.nom,
                    r.get_etat_display(),
                    e.allergies,
                    "oui" if e.pai else "non",
                    e.notes_sante,
                    e.regime_alimentaire or "Standard",
                    ", ".join(permis["oui"]),
                    ", ".join(permis["non"] + permis["sans_reponse"]),
                )
            ]
        )
    return lignes


def _prefetch_autorisations_des_enfants():
    prefetch = prefetch_autorisations()
    prefetch.add_prefix("enfant")
    return prefetch


@admin.action(description="Exporter en CSV (tableur)")
def exporter_csv(modeladmin, request, queryset):
    sortie = io.StringIO()
    writer = csv.writer(sortie, delimiter=";")
    writer.writerows(
        _lignes_csv(
            queryset.select_related("enfant__regime_alimentaire", "activite__site")
            .prefetch_related(None)
            .prefetch_related(_prefetch_autorisations_des_enfants())
            .order_by("date", "enfant__nom", "enfant__prenom")
        )
    )
    response = HttpResponse("\ufeff" + sortie.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="reservations.csv"'
    return response


def _activites_visibles(user):
    """The activities whose lists a staff member may open: those of their sites."""
    activites = Activite.objects.select_related("site", "periode")
    sites = Site.visibles_par(user)
    return activites if sites is None else activites.filter(site__in=sites)


class ListeDuJourForm(forms.Form):
    activite = forms.ModelChoiceField(label="Activité", queryset=Activite.objects.none())
    date = forms.DateField(label="Jour", widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activite"].queryset = _activites_visibles(user).filter(
            periode__fin__gte=timezone.localdate() - datetime.timedelta(days=400)
        )


class OccupationForm(forms.Form):
    activite = forms.ModelChoiceField(label="Activité", queryset=Activite.objects.none())
    mois = forms.RegexField(
        label="Mois",
        regex=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$",
        # The browser's month picker sends "2026-09"; typed by hand where it has none.
        widget=forms.TextInput(attrs={"type": "month"}),
        error_messages={"invalid": "Choisissez un mois (par exemple 2026-09)."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activite"].queryset = _activites_visibles(user)


class ComptageRepasForm(forms.Form):
    site = forms.ModelChoiceField(
        label="Site", queryset=Site.objects.none(), required=False, empty_label="Tous mes sites"
    )
    debut = forms.DateField(label="À partir du", widget=DateInput())
    jours = forms.IntegerField(
        label="Nombre de jours",
        min_value=1,
        max_value=repas.JOURS_MAX,
        error_messages={
            "min_value": "Indiquez au moins un jour.",
            "max_value": f"Au plus {repas.JOURS_MAX} jours à la fois.",
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        sites = Site.visibles_par(user)
        self.sites = sites
        self.fields["site"].queryset = Site.objects.all() if sites is None else sites


@admin.register(Reservation)
class ReservationAdmin(inscriptions_admin.LimiteAuxSites, AuditAdmin):
    list_display = [
        "date",
        "enfant",
        "foyer",
        "activite_nom",
        "site",
        "etat",
        "rang_attente",
        "sante",
        "source",
    ]
    list_filter = [
        "etat",
        "activite__periode",
        ("activite__site", admin.RelatedOnlyFieldListFilter),
        "activite__type",
        "source",
    ]
    list_select_related = ["enfant", "activite__site", "inscription__famille"]
    search_fields = ["enfant__nom", "enfant__prenom", "inscription__famille__nom"]
    date_hierarchy = "date"
    actions = [
        _pointer(Etat.PRESENT),
        _pointer(Etat.ABSENT),
        _pointer(Etat.ABSENCE_JUSTIFIEE),
        exporter_csv,
    ]
    change_list_template = "admin/reservations/reservation/change_list.html"
    list_per_page = 100
    readonly_fields = [
        "inscription",
        "enfant",
        "activite",
        "date",
        "etat",
        "rang_attente",
        "source",
        "demande",
        "cree_le",
        "modifiee_le",
        "modifiee_par",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False  # staff book through "Réserver pour la famille" (rules in the service)

    def has_delete_permission(self, request, obj=None):
        return False

    # garde alternée: the household whose enrolment made the booking
    @admin.display(description="foyer", ordering="inscription__famille__nom")
    def foyer(self, obj):
        return obj.inscription.famille.nom

    @admin.display(description="activité", ordering="activite__nom")
    def activite_nom(self, obj):
        return obj.activite.nom

    @admin.display(description="site", ordering="activite__site__nom")
    def site(self, obj):
        return obj.activite.site.nom

    @admin.display(description="santé")
    def sante(self, obj):
        drapeaux = []
        if obj.enfant.allergies:
            drapeaux.append("allergies")
        if obj.enfant.pai:
            drapeaux.append("PAI")
        return ", ".join(drapeaux) or "—"

    def get_urls(self):
        vue = self.admin_site.admin_view
        return [
            path("liste-du-jour/", vue(self.liste_du_jour), name="reservations_liste_du_jour"),
            path("occupation/", vue(self.occupation), name="reservations_occupation"),
            path(
                "journee/",
                vue(lambda request: admin_journee.journee_ecole(self, request)),
                name="reservations_journee_ecole",
            ),
            path(
                "pointage/",
                vue(lambda request: admin_journee.pointage(self, request)),
                name="reservations_pointage",
            ),
            path("repas/", vue(self.comptage_repas), name="reservations_comptage_repas"),
            *super().get_urls(),
        ]

    # Daily list: who comes, with health flags; CSV, PDF (meal count) and attendance.
    def liste_du_jour(self, request):
        if not self.has_view_permission(request):
            return redirect("admin:index")
        donnees = request.GET if "activite" in request.GET else None
        form = ListeDuJourForm(donnees, initial={"date": timezone.localdate()}, user=request.user)
        contexte = {
            **self.admin_site.each_context(request),
            "title": "Liste du jour",
            "form": form,
            "opts": self.model._meta,
        }
        if form.is_bound and form.is_valid():
            activite, jour = form.cleaned_data["activite"], form.cleaned_data["date"]
            if request.method == "POST" and self.has_change_permission(request):
                etat = request.POST.get("etat")
                try:
                    ids = [int(i) for i in request.POST.getlist("reservations") if i.isdigit()]
                    faits, erreurs = services.pointer(ids, etat, request.user)
                except DomainError as exc:
                    self.message_user(request, exc.message, messages.ERROR)
                else:
                    if faits:
                        self.message_user(
                            request,
                            nombre(faits, "présence relevée.", "présences relevées."),
                            messages.SUCCESS,
                        )
                    for erreur in erreurs:
                        self.message_user(request, erreur, messages.WARNING)
                return redirect(request.get_full_path())
            presents = (
                Reservation.objects.filter(activite=activite, date=jour)
                .filter(etat__in=Reservation.ETATS_OCCUPANT_UNE_PLACE)
                .select_related("enfant__regime_alimentaire", "activite__site", "absence")
                .prefetch_related(_prefetch_autorisations_des_enfants())
                .order_by("enfant__nom", "enfant__prenom")
            )
            # What each child may and may not do (droit à l'image, sortie seul(e)…).
            types = list(TypeAutorisation.objects.filter(active=True))
            for r in presents:
                r.permis = ce_que_l_enfant_peut_faire(r.enfant, types)
            attente = (
                Reservation.objects.filter(activite=activite, date=jour, etat=Etat.ATTENTE)
                .select_related("enfant")
                .order_by("rang_attente")
            )
            contexte.update(
                activite=activite,
                jour=jour,
                reservations=presents,
                attente=attente,
                nb_allergies=sum(1 for r in presents if r.enfant.allergies or r.enfant.pai),
                # The meal count: booked or present; requests awaiting validation and
                # absences are listed but not counted.
                attendus=sum(1 for r in presents if r.etat in (Etat.RESERVEE, Etat.PRESENT)),
                # Declared by the families: the kitchen and the animators know in advance.
                absences=sum(1 for r in presents if r.etat in Reservation.ETATS_ABSENCE),
            )
            format_ = request.GET.get("format")
            if format_ == "csv":
                return exporter_csv(self, request, presents)
            if format_ == "pdf":
                from weasyprint import HTML

                html = render_to_string("pdf/liste_du_jour.html", contexte, request=request)
                return FileResponse(
                    io.BytesIO(HTML(string=html).write_pdf()),
                    content_type="application/pdf",
                    filename=f"liste-{activite.pk}-{jour.isoformat()}.pdf",
                )
        return TemplateResponse(request, "admin/reservations/liste_du_jour.html", contexte)

    # The kitchen's count: meals per site, day and diet (a week ahead for ordering).
    def comptage_repas(self, request):
        if not self.has_view_permission(request):
            return redirect("admin:index")
        aujourd_hui = timezone.localdate()
        donnees = request.GET if "debut" in request.GET else None
        form = ComptageRepasForm(
            donnees,
            initial={"debut": aujourd_hui + datetime.timedelta(days=1), "jours": 7},
            user=request.user,
        )
        contexte = {
            **self.admin_site.each_context(request),
            "title": "Repas par site, jour et régime",
            "form": form,
            "opts": self.model._meta,
        }
        if form.is_bound and form.is_valid():
            d = form.cleaned_data
            debut, fin = d["debut"], d["debut"] + datetime.timedelta(days=d["jours"] - 1)
            sites = [d["site"]] if d["site"] else form.sites
            regimes, comptages = repas.compter_les_repas(debut, fin, sites)
            contexte.update(
                debut=debut,
                fin=fin,
                regimes=regimes,
                comptages=[
                    {
                        "site": c.site,
                        "lignes": c.lignes(regimes),
                        "totaux": c.totaux(regimes),
                        "total": sum(c.totaux(regimes)),
                    }
                    for c in comptages
                ],
                requete=request.GET.urlencode(),
            )
            format_ = request.GET.get("format")
            if format_ == "csv":
                sortie = io.StringIO()
                writer = csv.writer(sortie, delimiter=";")
                writer.writerow(["Site", "Date", *regimes, "Total"])
                for c in contexte["comptages"]:
                    for ligne in c["lignes"]:
                        writer.writerow(
                            [_cellule(c["site"]), ligne["date"].isoformat()]
                            + ligne["valeurs"]
                            + [ligne["total"]]
                        )
                response = HttpResponse(
                    "\ufeff" + sortie.getvalue(), content_type="text/csv; charset=utf-8"
                )
                response["Content-Disposition"] = (
                    f'attachment; filename="repas-{debut.isoformat()}.csv"'
                )
                return response
            if format_ == "pdf":
                from weasyprint import HTML

                html = render_to_string("pdf/comptage_repas.html", contexte, request=request)
                return FileResponse(
                    io.BytesIO(HTML(string=html).write_pdf()),
                    content_type="application/pdf",
                    filename=f"repas-{debut.isoformat()}.pdf",
                )
        return TemplateResponse(request, "admin/reservations/comptage_repas.html", contexte)

    # Month occupancy: booked / places per day and waiting list length, with bars.
    def occupation(self, request):
        if not self.has_view_permission(request):
            return redirect("admin:index")
        aujourd_hui = timezone.localdate()
        donnees = request.GET if "activite" in request.GET else None
        form = OccupationForm(
            donnees, initial={"mois": aujourd_hui.strftime("%Y-%m")}, user=request.user
        )
        contexte = {
            **self.admin_site.each_context(request),
            "title": "Occupation du mois",
            "form": form,
            "opts": self.model._meta,
        }
        if form.is_bound and form.is_valid():
            activite = form.cleaned_data["activite"]
            annee, mois = (int(x) for x in form.cleaned_data["mois"].split("-"))
            debut, fin = lecture.bornes_du_mois(annee, mois)
            try:
                cal = Calendrier.charger(activite, debut, fin)
            except ParametresReservation.DoesNotExist:
                self.message_user(
                    request, "Cette activité n'a pas encore de calendrier.", messages.WARNING
                )
                return TemplateResponse(request, "admin/reservations/occupation.html", contexte)
            comptes = {
                d: (n, a)
                for d, n, a in Reservation.objects.filter(
                    activite=activite, date__range=(debut, fin)
                )
                .values_list("date")
                .annotate(
                    n=Count("pk", filter=Q(etat__in=Reservation.ETATS_OCCUPANT_UNE_PLACE)),
                    a=Count("pk", filter=Q(etat=Etat.ATTENTE)),
                )
                .order_by()
            }
            jours = []
            for jour in jours_entre(debut, fin):
                fermeture = cal.motif_fermeture(jour)
                if fermeture:
                    continue
                n, a = comptes.get(jour, (0, 0))
                places = cal.places(jour)
                pourcent = min(100, round(100 * n / places)) if places else 0
                jours.append(
                    {
                        "date": jour,
                        "reserves": n,
                        "attente": a,
                        "places": places,
                        "pourcent": pourcent,
                    }
                )
            contexte.update(activite=activite, jours=jours, debut=debut)
        return TemplateResponse(request, "admin/reservations/occupation.html", contexte)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "lien_journee": reverse("admin:reservations_journee_ecole"),
            "lien_pointage": (
                reverse("admin:reservations_pointage")
                if self.has_change_permission(request)
                else None
            ),
            "lien_liste_du_jour": reverse("admin:reservations_liste_du_jour"),
            "lien_occupation": reverse("admin:reservations_occupation"),
            "lien_comptage_repas": reverse("admin:reservations_comptage_repas"),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)


@admin.register(Absence)
class AbsenceAdmin(inscriptions_admin.LimiteAuxSites, AuditAdmin):
    """Absences declared by families; their certificates are checked in the requests queue
    (Demande "certificat d'absence"). Read-only: the days change through the services."""

    chemin_site = "inscription__activite__site"
    list_display = ["__str__", "enfant", "activite", "motif", "certificat_lien", "demande_statut"]
    list_filter = ["motif", "premier_jour"]
    list_select_related = ["inscription__enfant", "inscription__activite", "demande"]
    search_fields = ["inscription__enfant__nom", "inscription__enfant__prenom"]
    date_hierarchy = "premier_jour"
    fields = [
        "inscription",
        "motif",
        "premier_jour",
        "dernier_jour",
        "certificat_lien",
        "demande",
        "declaree_le",
        "declaree_par",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="enfant", ordering="inscription__enfant__nom")
    def enfant(self, obj):
        return obj.inscription.enfant

    @admin.display(description="activité", ordering="inscription__activite__nom")
    def activite(self, obj):
        return obj.inscription.activite.nom

    @admin.display(description="certificat")
    def certificat_lien(self, obj):
        return lien_certificat(obj)

    @admin.display(description="certificat : décision")
    def demande_statut(self, obj):
        return obj.demande.get_statut_display() if obj.demande else "—"


def lien_certificat(absence) -> str:
    """Staff download certificates through the portal's own view (comptes.fichiers.servir)."""
    if not absence.certificat:
        return "—"
    return format_html(
        '<a href="{}">Télécharger le certificat</a>',
        reverse("certificat_absence", args=[absence.pk]),
    )


@admin.register(SemaineType)
class SemaineTypeAdmin(inscriptions_admin.LimiteAuxSites, AuditAdmin):
    chemin_site = "inscription__activite__site"
    list_display = ["inscription", "jours", "frequence", "debut", "fin", "modifiee_le"]
    list_select_related = ["inscription__enfant", "inscription__activite"]
    readonly_fields = ["inscription", "jours", "frequence", "debut", "fin", "modifiee_le"]

    def has_add_permission(self, request):
        return False


from reservations import admin_lots  # noqa: E402,F401  (day-list PDFs in batches)
