"""Day-list PDFs in batches in the admin: staff ask for the lists of several sites or
days, the worker builds them (reservations/listes_du_jour.py), the page shows progress
and the files. A Direction de site chooses among its sites and sees only the batches
whose sites are all its own; another batch is a 404."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from comptes import fichiers
from comptes.errors import DomainError
from comptes.mots import selon
from familles.forms import DateInput
from inscriptions.models import Site
from reservations import listes_du_jour
from reservations.admin_journee import sites_visibles
from reservations.models import LotListesDuJour


class LotForm(forms.Form):
    sites = forms.ModelMultipleChoiceField(
        label="Sites (écoles)",
        queryset=Site.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choisissez au moins un site.",
            "invalid_choice": "Choisissez parmi vos sites.",
        },
    )
    premier_jour = forms.DateField(
        label="Du",
        widget=DateInput(),
        error_messages={"invalid": "Choisissez un jour.", "required": "Choisissez un jour."},
    )
    dernier_jour = forms.DateField(
        label="Au",
        widget=DateInput(),
        error_messages={"invalid": "Choisissez un jour.", "required": "Choisissez un jour."},
    )
    forme = forms.ChoiceField(
        label="Forme",
        choices=LotListesDuJour.Forme.choices,
        initial=LotListesDuJour.Forme.SEPAREES,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = sites_visibles(user).order_by("nom")


@admin.register(LotListesDuJour)
class LotListesDuJourAdmin(admin.ModelAdmin):
    """Read-only rows: asked for with "Préparer des listes", done by the worker. While one
    is queued or running its pages reload themselves (a meta refresh: no script)."""

    list_display = [
        "__str__",
        "sites_affiches",
        "forme",
        "etat_affiche",
        "avancement",
        "demande_le",
    ]
    list_filter = ["etat"]
    fields = [
        "sites_affiches",
        "premier_jour",
        "dernier_jour",
        "forme",
        "etat_affiche",
        "avancement",
        "fichiers_affiches",
        "demande_par",
        "demande_le",
        "fin",
        "erreur",
    ]
    readonly_fields = fields
    change_list_template = "admin/reservations/lotlistesdujour/change_list.html"
    change_form_template = "admin/reservations/lotlistesdujour/change_form.html"

    def get_queryset(self, request):
        queryset = super().get_queryset(request).prefetch_related("sites")
        sites = Site.visibles_par(request.user)
        if sites is None:
            return queryset
        # Only batches made of the staff member's sites: a combined PDF holds them all.
        return queryset.exclude(sites__in=Site.objects.exclude(pk__in=sites.values("pk")))

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="sites")
    def sites_affiches(self, obj):
        return ", ".join(sorted(site.nom for site in obj.sites.all()))

    @admin.display(description="état", ordering="etat")
    def etat_affiche(self, obj):
        if obj.interrompu:
            return "interrompu (le worker s'est arrêté) : demandez un nouveau lot"
        return obj.get_etat_display()

    @admin.display(description="avancement")
    def avancement(self, obj):
        return format_html(
            '<progress max="100" value="{}">{} %</progress> {} / {} {}',
            obj.pourcentage,
            obj.pourcentage,
            obj.listes_faites,
            obj.listes_a_faire,
            selon(obj.listes_a_faire, "liste", "listes"),
        )

    @admin.display(description="PDF")
    def fichiers_affiches(self, obj):
        pdfs = list(obj.pdfs.select_related("site"))
        if not pdfs:
            if obj.etat == LotListesDuJour.Etat.TERMINE:
                return "Aucun enfant attendu sur ces sites ces jours-là."
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            '<a href="{}?fichier={}">{}</a>',
            (
                (reverse("admin:reservations_lotlistesdujour_pdf", args=[obj.pk]), p.pk, p)
                for p in pdfs
            ),
        )

    def get_urls(self):
        vue = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/pdf/",
                vue(self.pdf_view),
                name="reservations_lotlistesdujour_pdf",
            ),
            *super().get_urls(),
        ]

    def pdf_view(self, request, pk):
        """One file of the batch (?fichier=<id>); without one, the batch's page."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        lot = get_object_or_404(self.get_queryset(request), pk=pk)
        fichier = request.GET.get("fichier", "")
        if not fichier.isdigit():
            return redirect("admin:reservations_lotlistesdujour_change", lot.pk)
        pdf = get_object_or_404(lot.pdfs.select_related("lot"), pk=int(fichier))
        return fichiers.servir(pdf.fichier, listes_du_jour.nom_du_fichier(pdf))

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        aujourd_hui = timezone.localdate()
        form = LotForm(
            request.POST or None,
            initial={"premier_jour": aujourd_hui, "dernier_jour": aujourd_hui},
            user=request.user,
        )
        if request.method == "POST" and form.is_valid():
            donnees = form.cleaned_data
            try:
                lot = listes_du_jour.demander(
                    donnees["sites"],
                    donnees["premier_jour"],
                    donnees["dernier_jour"],
                    donnees["forme"],
                    request.user,
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                self.log_addition(request, lot, "Listes du jour demandées")
                self.message_user(
                    request,
                    "Listes demandées : le worker prépare les PDF, cette page se met à jour.",
                    messages.SUCCESS,
                )
                return redirect("admin:reservations_lotlistesdujour_change", lot.pk)
        return TemplateResponse(
            request,
            "admin/reservations/lotlistesdujour/demander.html",
            {
                **self.admin_site.each_context(request),
                "title": "Préparer des listes du jour (PDF)",
                "form": form,
                "opts": self.model._meta,
            },
        )

    def _actualiser(self, extra_context, actif: bool):
        return {**(extra_context or {}), "actualiser_toutes_les": 3 if actif else None}

    def _actifs(self, request):
        """Queued, or running with recent progress: the page reloads while they last."""
        limite = timezone.now() - LotListesDuJour.INTERROMPU_APRES
        return self.get_queryset(request).filter(
            Q(etat=LotListesDuJour.Etat.EN_ATTENTE)
            | Q(etat=LotListesDuJour.Etat.EN_COURS, mise_a_jour_le__gte=limite)
        )

    def changelist_view(self, request, extra_context=None):
        actif = self._actifs(request).exists()
        return super().changelist_view(request, self._actualiser(extra_context, actif))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        actif = (
            self._actifs(request)
            .filter(pk=object_id if str(object_id).isdigit() else None)
            .exists()
        )
        return super().change_view(
            request, object_id, form_url, self._actualiser(extra_context, actif)
        )
