import io

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from comptes.admin_historique import AuditAdmin
from comptes.admin_utils import FiltreStatutATraiter, traiter_une_a_une
from comptes.errors import DomainError
from comptes.models import User
from familles import admin as familles_admin
from familles.models import Enfant
from inscriptions import pdf, reinscription, services
from inscriptions.forms import MotifForm
from inscriptions.models import (
    Activite,
    Attestation,
    CampagneReinscription,
    CorrespondanceActivite,
    Inscription,
    Periode,
    Reinscription,
    Site,
    duree_en_annees_et_mois,
)


class LimiteAuxSites:
    """Staff without "voir_tous_les_sites" (Direction de site) reach only the rows of the
    sites they direct; another site's row is a 404 like any foreign id."""

    chemin_site = "activite__site"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        sites = Site.visibles_par(request.user)
        if sites is None:
            return queryset
        return queryset.filter(**{f"{self.chemin_site}__in": sites})


@admin.register(Periode)
class PeriodeAdmin(AuditAdmin):
    list_display = ["nom", "debut", "fin"]


@admin.register(Site)
class SiteAdmin(LimiteAuxSites, AuditAdmin):
    chemin_site = "pk"
    list_display = ["nom", "adresse"]
    search_fields = ["nom"]
    filter_horizontal = ["directeurs"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "directeurs":
            kwargs["queryset"] = User.objects.filter(is_staff=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


admin.site.unregister(Enfant)


@admin.register(Enfant)
class EnfantAdmin(familles_admin.EnfantAdmin):
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        sites = Site.visibles_par(request.user)
        if sites is None:
            return queryset
        # A subquery, not a join: a child enrolled twice is listed once.
        inscrits = Inscription.objects.filter(activite__site__in=sites).values("enfant_id")
        return queryset.filter(pk__in=inscrits)


class ActiviteForm(forms.ModelForm):
    niveaux = forms.MultipleChoiceField(
        label="Classes admises",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=Enfant.Classe.choices,
        help_text="Aucune case cochée : toutes les classes (et les enfants non scolarisés).",
    )

    class Meta:
        model = Activite
        fields = [
            "nom",
            "type",
            "site",
            "periode",
            "description",
            "age_minimum_mois",
            "age_maximum_mois",
            "niveaux",
            "ouverture_inscriptions",
            "fermeture_inscriptions",
            "validation",
            "capacite",
            "preinscription",
            "attestation_automatique",
            "fiche_sanitaire_exigee",
        ]


@admin.register(Activite)
class ActiviteAdmin(LimiteAuxSites, AuditAdmin):
    chemin_site = "site"
    form = ActiviteForm
    list_display = [
        "nom",
        "type",
        "site",
        "periode",
        "ages_admis",
        "places",
        "ouverture_inscriptions",
        "fermeture_inscriptions",
        "validation",
        "preinscription",
    ]
    list_filter = ["periode", "type", ("site", admin.RelatedOnlyFieldListFilter), "validation"]
    list_select_related = ["site", "periode"]
    search_fields = ["nom", "site__nom"]
    fieldsets = (
        (None, {"fields": ("nom", "type", "site", "periode", "description")}),
        ("Qui peut s'inscrire", {"fields": (("age_minimum_mois", "age_maximum_mois"), "niveaux")}),
        (
            "Inscriptions",
            {
                "fields": (
                    ("ouverture_inscriptions", "fermeture_inscriptions"),
                    "validation",
                    "capacite",
                    "preinscription",
                    "attestation_automatique",
                    "fiche_sanitaire_exigee",
                )
            },
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).avec_nombre_inscrits()

    def get_readonly_fields(self, request, obj=None):
        # Moving an activity with enrolments to another season would strand them.
        if obj is not None and obj.inscriptions.exists():
            return ["periode"]
        return []

    @admin.display(description="âges admis")
    def ages_admis(self, obj):
        """The limits are stored in months (the rule's unit); staff read years and months."""
        mini, maxi = obj.age_minimum_mois, obj.age_maximum_mois
        if mini is None and maxi is None:
            return "tous âges"
        if maxi is None:
            return f"à partir de {duree_en_annees_et_mois(mini)}"
        if mini is None:
            return f"jusqu'à {duree_en_annees_et_mois(maxi)}"
        return f"de {duree_en_annees_et_mois(mini)} à {duree_en_annees_et_mois(maxi)}"

    @admin.display(description="inscrits / places", ordering="nb_inscrits")
    def places(self, obj):
        return f"{obj.nb_inscrits} / {obj.capacite if obj.capacite is not None else '∞'}"


class ActiviteFilter(admin.SimpleListFilter):
    """Activities with their site and season, in one query whatever the catalogue size."""

    title = "activité"
    parameter_name = "activite"

    def lookups(self, request, model_admin):
        activites = Activite.objects.select_related("site", "periode")
        sites = Site.visibles_par(request.user)
        if sites is not None:
            activites = activites.filter(site__in=sites)
        return [(a.pk, f"{a.nom} — {a.site.nom} ({a.periode.nom})") for a in activites]

    def queryset(self, request, queryset):
        return queryset.filter(activite_id=self.value()) if self.value() else queryset


class StatutInscriptionFilter(FiltreStatutATraiter):
    """Staff land on what is left to decide unless they ask otherwise."""

    statuts = Inscription.Statut.choices
    a_traiter = [Inscription.Statut.EN_ATTENTE, Inscription.Statut.PREINSCRIPTION]
    libelle_a_traiter = "À décider (? et !)"


def _pour_chaque(modeladmin, request, queryset, faire, bilan: str | tuple[str, str]) -> None:
    traiter_une_a_une(
        modeladmin,
        request,
        queryset.order_by("cree_le", "pk").values_list("pk", flat=True),
        faire,
        bilan,
    )


@admin.action(description="Valider les inscriptions sélectionnées", permissions=["change"])
def valider(modeladmin, request, queryset):
    _pour_chaque(
        modeladmin,
        request,
        queryset,
        lambda pk: services.valider_inscription(pk, request.user),
        (
            "{n} inscription validée ; la famille est prévenue par e-mail.",
            "{n} inscriptions validées ; les familles sont prévenues par e-mail.",
        ),
    )


@admin.action(description="Valider la préinscription (petite enfance)", permissions=["change"])
def valider_preinscription(modeladmin, request, queryset):
    autres = queryset.exclude(statut=Inscription.Statut.PREINSCRIPTION)
    for inscription in autres.select_related("enfant", "activite"):
        modeladmin.message_user(
            request,
            f"{inscription} n'est pas une préinscription en attente : ignorée.",
            messages.WARNING,
        )
    valider(modeladmin, request, queryset.filter(statut=Inscription.Statut.PREINSCRIPTION))


@admin.action(
    description="Refuser les inscriptions sélectionnées (avec un motif)", permissions=["change"]
)
def refuser(modeladmin, request, queryset):
    form = MotifForm(request.POST if "confirmer" in request.POST else None)
    if form.is_bound and form.is_valid():
        motif = form.cleaned_data["motif"]
        _pour_chaque(
            modeladmin,
            request,
            queryset,
            lambda pk: services.refuser_inscription(pk, request.user, motif),
            (
                "{n} inscription refusée ; la famille est prévenue par e-mail.",
                "{n} inscriptions refusées ; les familles sont prévenues par e-mail.",
            ),
        )
        return None
    return TemplateResponse(
        request,
        "admin/inscriptions/inscription/refuser.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": "Refuser des inscriptions",
            "inscriptions": queryset.select_related("enfant", "activite__site"),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": modeladmin.model._meta,
        },
    )


@admin.action(description="Émettre une attestation d'inscription", permissions=["change"])
def emettre_attestation(modeladmin, request, queryset):
    _pour_chaque(
        modeladmin,
        request,
        queryset,
        lambda pk: services.emettre_pour_inscription(pk, request.user),
        (
            "{n} attestation émise ; la famille est prévenue par e-mail.",
            "{n} attestations émises ; les familles sont prévenues par e-mail.",
        ),
    )


@admin.register(Inscription)
class InscriptionAdmin(LimiteAuxSites, AuditAdmin):
    list_display = [
        "enfant",
        "inscription_demandee",
        "statut_affiche",
        "places",
        "demandee_le",
    ]
    list_filter = [
        StatutInscriptionFilter,
        "activite__periode",
        ("activite__site", admin.RelatedOnlyFieldListFilter),
        "activite__type",
        ActiviteFilter,
    ]
    list_select_related = ["enfant", "activite__site", "activite__periode", "famille"]
    search_fields = ["enfant__nom", "enfant__prenom", "famille__nom", "activite__nom"]
    actions = [valider, valider_preinscription, refuser, emettre_attestation]
    # Decisions and dates go through the services (actions), never a raw edit.
    readonly_fields = [
        "enfant",
        "famille",
        "activite",
        "date_debut",
        "date_fin",
        "commentaire",
        "statut",
        "motif_refus",
        "cree_le",
        "decidee_le",
        "decidee_par",
    ]
    fields = [
        "enfant",
        "famille",
        "activite",
        "date_debut",
        "date_fin",
        "commentaire",
        "statut",
        "motif_refus",
        "cree_le",
        "decidee_le",
        "decidee_par",
    ]
    date_hierarchy = "cree_le"
    list_per_page = 50
    change_form_template = "admin/inscriptions/inscription/change_form.html"

    def has_add_permission(self, request):
        return False  # families ask from the portal; staff decide here

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        inscrits = (
            Inscription.objects.filter(
                activite=OuterRef("activite"), statut=Inscription.Statut.VALIDEE
            )
            .order_by()
            .values("activite")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                nb_inscrits_activite=Coalesce(
                    Subquery(inscrits, output_field=IntegerField()), Value(0)
                )
            )
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": "Inscriptions à traiter", **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    # --- one click from the list: Valider posts the list's form to the row's URL; Refuser
    # opens a small form for the reason (the same services as the actions).

    def get_list_display(self, request):
        if not self.has_change_permission(request):
            return self.list_display
        return [*self.list_display, self._colonne_decision(request)]

    def _colonne_decision(self, request):
        retour = request.get_full_path()

        @admin.display(description="décision")
        def decision(obj):
            if not obj.est_a_decider:
                return "—"
            refuser = "{}?{}".format(
                reverse("admin:inscriptions_inscription_refuser", args=[obj.pk]),
                urlencode({"suivant": retour}),
            )
            return format_html(
                '<span class="decision"><button type="submit" class="button default" '
                'formaction="{}" name="suivant" value="{}">Valider'
                '<span class="visually-hidden"> : {}</span></button> '
                '<a class="button" href="{}">Refuser<span class="visually-hidden"> : {}</span></a>'
                "</span>",
                reverse("admin:inscriptions_inscription_valider", args=[obj.pk]),
                retour,
                obj.enfant,
                refuser,
                obj.enfant,
            )

        return decision

    def get_urls(self):
        vue = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/valider/",
                vue(require_POST(self.valider_view)),
                name="inscriptions_inscription_valider",
            ),
            path(
                "<int:pk>/refuser/",
                vue(self.refuser_view),
                name="inscriptions_inscription_refuser",
            ),
            *super().get_urls(),
        ]

    def _suivant(self, request, pk):
        suivant = request.POST.get("suivant") or request.GET.get("suivant") or ""
        if suivant.startswith(reverse("admin:inscriptions_inscription_changelist")) and (
            url_has_allowed_host_and_scheme(suivant, allowed_hosts={request.get_host()})
        ):
            return redirect(suivant)
        return redirect("admin:inscriptions_inscription_change", pk)

    def valider_view(self, request, pk):
        get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_change_permission(request):
            raise PermissionDenied
        valider(self, request, Inscription.objects.filter(pk=pk))
        return self._suivant(request, pk)

    def refuser_view(self, request, pk):
        inscription = get_object_or_404(
            self.get_queryset(request).select_related("enfant", "activite__site"), pk=pk
        )
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = MotifForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            motif = form.cleaned_data["motif"]
            _pour_chaque(
                self,
                request,
                Inscription.objects.filter(pk=pk),
                lambda i: services.refuser_inscription(i, request.user, motif),
                (
                    "{n} inscription refusée ; la famille est prévenue par e-mail.",
                    "{n} inscriptions refusées ; les familles sont prévenues par e-mail.",
                ),
            )
            return self._suivant(request, pk)
        return TemplateResponse(
            request,
            "admin/inscriptions/inscription/refuser_une.html",
            {
                **self.admin_site.each_context(request),
                "title": "Refuser l'inscription",
                "inscription": inscription,
                "form": form,
                "suivant": request.POST.get("suivant") or request.GET.get("suivant", ""),
                "opts": self.model._meta,
            },
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            "peut_decider": self.has_change_permission(request),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="ce qui est demandé", ordering="activite__nom")
    def inscription_demandee(self, obj):
        return format_html(
            "<strong>{}</strong> — {}<br><small>{}, du {} au {}</small>",
            obj.activite.nom,
            obj.activite.site.nom,
            obj.activite.periode.nom,
            date_format(obj.date_debut, "d/m/Y"),
            date_format(obj.date_fin, "d/m/Y"),
        )

    @admin.display(description="demandée le", ordering="cree_le")
    def demandee_le(self, obj):
        return date_format(timezone.localtime(obj.cree_le), "d/m/Y")

    @admin.display(description="activité", ordering="activite__nom")
    def activite_nom(self, obj):
        return obj.activite.nom

    @admin.display(description="site", ordering="activite__site__nom")
    def site(self, obj):
        return obj.activite.site.nom

    @admin.display(description="période", ordering="activite__periode__debut")
    def periode(self, obj):
        return obj.activite.periode.nom

    @admin.display(description="statut", ordering="statut")
    def statut_affiche(self, obj):
        return format_html("<strong>{}</strong> {}", obj.symbole, obj.get_statut_display())

    @admin.display(description="inscrits / places")
    def places(self, obj):
        capacite = obj.activite.capacite
        return f"{obj.nb_inscrits_activite} / {capacite if capacite is not None else '∞'}"


@admin.register(Attestation)
class AttestationAdmin(LimiteAuxSites, admin.ModelAdmin):
    chemin_site = "inscription__activite__site"
    list_display = ["numero", "inscription", "emise_le", "emise_par", "telecharger"]
    list_select_related = ["inscription__enfant", "inscription__activite", "emise_par"]
    search_fields = ["numero", "code_verification", "inscription__enfant__nom"]
    readonly_fields = [
        "numero",
        "inscription",
        "code_verification",
        "emise_le",
        "emise_par",
        "contenu",
        "telecharger",
    ]
    exclude = ["pdf"]
    date_hierarchy = "emise_le"

    def get_queryset(self, request):
        return super().get_queryset(request).defer("pdf")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # an issued certificate is never deleted

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="inscriptions_attestation_pdf",
            ),
            *super().get_urls(),
        ]

    def pdf_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        attestation = get_object_or_404(self.get_queryset(request), pk=pk)
        document = pdf.assurer_pdf(attestation.pk)
        if document is None:
            self.message_user(request, "Le PDF n'a pas pu être produit.", messages.ERROR)
            return redirect("admin:inscriptions_attestation_changelist")
        return FileResponse(
            io.BytesIO(document),
            content_type="application/pdf",
            filename=f"attestation-{attestation.numero}.pdf",
        )

    @admin.display(description="PDF")
    def telecharger(self, obj):
        return format_html(
            '<a href="{}">Télécharger</a>',
            reverse("admin:inscriptions_attestation_pdf", args=[obj.pk]),
        )


# --- réinscription (issue 13 part 5) ----------------------------------------------------


class CorrespondanceInline(admin.TabularInline):
    model = CorrespondanceActivite
    extra = 3
    verbose_name = "activité de cette saison → activité de la saison suivante"
    verbose_name_plural = "activités : cette saison → saison suivante"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("activite_actuelle", "activite_suivante"):
            kwargs["queryset"] = Activite.objects.select_related("site", "periode")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(CampagneReinscription)
class CampagneReinscriptionAdmin(AuditAdmin):
    list_display = ["__str__", "ouverture", "fermeture", "lien_validation"]
    list_select_related = ["periode"]
    inlines = [CorrespondanceInline]

    @admin.display(description="validation par activité")
    def lien_validation(self, obj):
        return format_html(
            '<a href="{}">Valider par activité</a>',
            reverse("admin:inscriptions_campagnereinscription_valider", args=[obj.pk]),
        )

    def get_urls(self):
        vue = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/valider/",
                vue(self.valider_view),
                name="inscriptions_campagnereinscription_valider",
            ),
            *super().get_urls(),
        ]

    def valider_view(self, request, pk):
        """Next season's activities with places taken / capacity and the re-enrolments
        waiting; one button per activity validates them within the capacity."""
        campagne = get_object_or_404(self.get_queryset(request).select_related("periode"), pk=pk)
        if not self.has_view_permission(request, campagne):
            raise PermissionDenied
        peut_valider = request.user.has_perm("inscriptions.change_inscription")
        peut_passer = request.user.has_perm("familles.change_enfant")
        if request.method == "POST" and "rentree" in request.POST:
            if not peut_passer:
                raise PermissionDenied
            try:
                n = reinscription.passer_les_classes(campagne, request.user)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.log_change(request, campagne, "Classes passées à la rentrée")
                self.message_user(
                    request,
                    ngettext(
                        "Rentrée : {n} enfant a changé de classe.",
                        "Rentrée : {n} enfants ont changé de classe.",
                        n,
                    ).format(n=n),
                    messages.SUCCESS,
                )
            return redirect("admin:inscriptions_campagnereinscription_valider", campagne.pk)
        if request.method == "POST":
            if not peut_valider:
                raise PermissionDenied
            activite = Activite.objects.filter(
                pk__in=campagne.correspondances.values("activite_suivante"),
                pk=request.POST.get("activite") or 0,
            ).first()
            if activite is None:
                self.message_user(
                    request, "Choisissez une activité de la campagne.", messages.ERROR
                )
            else:
                validees, restantes = reinscription.valider_activite(
                    campagne, activite, request.user
                )
                self.message_user(
                    request,
                    ngettext(
                        "{activite} : {n} réinscription validée.",
                        "{activite} : {n} réinscriptions validées.",
                        validees,
                    ).format(activite=activite.nom, n=validees),
                    messages.SUCCESS,
                )
                if restantes:
                    self.message_user(
                        request,
                        ngettext(
                            "{n} réinscription reste en attente (activité complète).",
                            "{n} réinscriptions restent en attente (activité complète).",
                            restantes,
                        ).format(n=restantes),
                        messages.WARNING,
                    )
            return redirect("admin:inscriptions_campagnereinscription_valider", campagne.pk)
        lignes = []
        for activite in reinscription.bilan_par_activite(campagne):
            places = (
                None
                if activite.capacite is None
                else max(0, activite.capacite - activite.nb_validees)
            )
            lignes.append({"activite": activite, "places": places})
        return TemplateResponse(
            request,
            "admin/inscriptions/campagnereinscription/valider.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Valider les réinscriptions — {campagne.periode}",
                "campagne": campagne,
                "lignes": lignes,
                "peut_valider": peut_valider,
                "peut_passer": peut_passer,
                "rentree_commencee": campagne.periode.debut <= timezone.localdate(),
                "opts": self.model._meta,
            },
        )


@admin.register(Reinscription)
class ReinscriptionAdmin(LimiteAuxSites, AuditAdmin):
    chemin_site = "inscriptions__activite__site"
    list_display = ["enfant", "famille", "campagne", "classe_rentree", "cree_le", "rentree_le"]
    list_filter = ["campagne"]
    list_select_related = ["enfant", "famille", "campagne__periode"]
    search_fields = ["enfant__nom", "enfant__prenom", "famille__nom"]
    readonly_fields = ["campagne", "enfant", "famille", "demandeur", "classe", "inscriptions"]
    fields = readonly_fields + ["cree_le", "rentree_le"]

    @admin.display(description="classe à la rentrée", ordering="classe")
    def classe_rentree(self, obj):
        return reinscription.libelle_classe(obj.classe)

    def get_queryset(self, request):
        return super().get_queryset(request).distinct()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
