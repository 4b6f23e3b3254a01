from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from comptes.admin_historique import AuditAdmin
from comptes.admin_utils import FiltreStatutATraiter, traiter_une_a_une
from familles.models import Responsable
from portail import services
from portail.models import Demande, InformationsCommune


class StatutFilter(FiltreStatutATraiter):
    """Staff land on what is left to do: "en attente" unless they ask otherwise."""

    statuts = [c for c in Demande.Statut.choices if c[0] != Demande.Statut.EN_ATTENTE]
    a_traiter = [Demande.Statut.EN_ATTENTE]
    libelle_a_traiter = "En attente"


class MotifRefusForm(forms.Form):
    motif = forms.CharField(
        label="Motif du refus (envoyé à la famille)",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=2000,
        error_messages={"required": "Indiquez le motif du refus : il sera envoyé à la famille."},
    )


def _traiter(modeladmin, request, queryset, traiter, verbe: str) -> None:
    traiter_une_a_une(
        modeladmin,
        request,
        queryset.order_by("pk").values_list("pk", flat=True),
        traiter,
        f"{{n}} demande(s) {verbe}(s) ; la famille est prévenue par e-mail.",
    )


@admin.action(description="Accepter les demandes sélectionnées", permissions=["change"])
def accepter(modeladmin, request, queryset):
    _traiter(
        modeladmin,
        request,
        queryset,
        lambda pk: services.accepter_demande(pk, request.user),
        "acceptée",
    )


@admin.action(
    description="Refuser les demandes sélectionnées (avec un motif)", permissions=["change"]
)
def refuser(modeladmin, request, queryset):
    form = MotifRefusForm(request.POST if "confirmer" in request.POST else None)
    if form.is_bound and form.is_valid():
        motif = form.cleaned_data["motif"]
        _traiter(
            modeladmin,
            request,
            queryset,
            lambda pk: services.refuser_demande(pk, request.user, motif),
            "refusée",
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Refuser des demandes",
        "demandes": queryset.select_related("famille"),
        "form": form,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "opts": modeladmin.model._meta,
        "selected": queryset.values_list("pk", flat=True),
    }
    return TemplateResponse(request, "admin/portail/demande/refuser.html", context)


@admin.register(Demande)
class DemandeAdmin(AuditAdmin):
    list_display = [
        "cree_le",
        "type",
        "objet",
        "famille",
        "demandeur",
        "statut_affiche",
        "traitee_le",
        "traitee_par",
    ]
    list_display_links = ["objet"]
    list_filter = [StatutFilter, "type", "cree_le"]
    list_select_related = ["famille", "demandeur", "traitee_par"]
    search_fields = ["objet", "famille__nom", "demandeur__nom", "demandeur__user__email"]
    date_hierarchy = "cree_le"
    actions = [accepter, refuser]
    list_per_page = 50
    fields = [
        "type",
        "statut",
        "famille",
        "demandeur",
        "objet",
        "changements",
        "certificat",
        "cree_le",
        "traitee_le",
        "traitee_par",
        "reponse",
    ]
    readonly_fields = fields

    change_form_template = "admin/portail/demande/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        urls = [
            path(
                "<int:pk>/accepter/",
                self.admin_site.admin_view(self.accepter_view),
                name="portail_demande_accepter",
            ),
            path(
                "<int:pk>/refuser/",
                self.admin_site.admin_view(self.refuser_view),
                name="portail_demande_refuser",
            ),
        ]
        return urls + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            "motif_form": MotifRefusForm(),
            "peut_traiter": self.has_change_permission(request),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _retour(self, pk):
        return redirect(reverse("admin:portail_demande_change", args=[pk]))

    def accepter_view(self, request, pk):
        return require_POST(self._accepter_une)(request, pk)

    def refuser_view(self, request, pk):
        return require_POST(self._refuser_une)(request, pk)

    def _accepter_une(self, request, pk):
        demande = get_object_or_404(Demande, pk=pk)
        if not self.has_change_permission(request, demande):
            return redirect("admin:index")
        _traiter(
            self,
            request,
            Demande.objects.filter(pk=pk),
            lambda i: services.accepter_demande(i, request.user),
            "acceptée",
        )
        return self._retour(pk)

    def _refuser_une(self, request, pk):
        demande = get_object_or_404(Demande, pk=pk)
        if not self.has_change_permission(request, demande):
            return redirect("admin:index")
        form = MotifRefusForm(request.POST)
        if not form.is_valid():
            self.message_user(request, form.errors["motif"][0], messages.ERROR)
            return self._retour(pk)
        motif = form.cleaned_data["motif"]
        _traiter(
            self,
            request,
            Demande.objects.filter(pk=pk),
            lambda i: services.refuser_demande(i, request.user, motif),
            "refusée",
        )
        return self._retour(pk)

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": "Demandes à traiter", **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    @admin.display(description="statut", ordering="statut")
    def statut_affiche(self, obj):
        # Symbol + text, no colour: readable on the admin's light and dark themes.
        symboles = {"en_attente": "⏳", "acceptee": "✓", "refusee": "✗", "annulee": "⊘"}
        return format_html(
            "<strong>{} {}</strong>", symboles.get(obj.statut, ""), obj.get_statut_display()
        )

    @admin.display(description="certificat d'absence")
    def certificat(self, obj):
        if obj.type != Demande.Type.CERTIFICAT_ABSENCE:
            return "—"
        from reservations.admin import lien_certificat
        from reservations.models import Absence

        absence = Absence.objects.filter(demande=obj).first()
        return lien_certificat(absence) if absence else "—"

    @admin.display(description="changements demandés")
    def changements(self, obj):
        if obj.type != Demande.Type.COORDONNEES or not obj.donnees:
            return "—"
        responsable = obj.demandeur
        lignes = []
        for champ, valeur in obj.donnees.items():
            field = Responsable._meta.get_field(champ)
            actuel = getattr(responsable, champ, "") if responsable else ""
            lignes.append((field.verbose_name, actuel or "—", valeur or "(vide)"))
        return format_html(
            "<table><tr><th>Information</th><th>Actuellement</th><th>Demandé</th></tr>{}</table>",
            format_html_join(
                "", "<tr><td>{}</td><td>{}</td><td><strong>{}</strong></td></tr>", lignes
            ),
        )


@admin.register(InformationsCommune)
class InformationsCommuneAdmin(AuditAdmin):
    """One row: the list goes straight to its form; only the change permission edits it."""

    fieldsets = [
        (
            "Contact du service",
            {"fields": ["service", "adresse", "telephone", "courriel", "horaires"]},
        ),
        (
            "Mentions légales",
            {"fields": ["directeur_publication", "hebergeur", "texte_mentions_legales"]},
        ),
        (
            "Données personnelles",
            {"fields": ["dpo_nom", "dpo_courriel", "dpo_adresse", "texte_donnees_personnelles"]},
        ),
        (
            "Accessibilité (RGAA)",
            {
                "fields": [
                    "conformite",
                    "taux_conformite",
                    "date_audit",
                    "auditeur",
                    "texte_non_conformites",
                    "texte_recours",
                ]
            },
        ),
    ]
    readonly_fields = ["modifie_le"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if self.has_change_permission(request):
            # The row is created with its defaults the first time staff open it.
            InformationsCommune.objects.get_or_create(pk=1)
        elif not InformationsCommune.objects.filter(pk=1).exists():
            self.message_user(
                request,
                "Les informations de la commune n'ont pas encore été saisies.",
                messages.INFO,
            )
            return redirect("admin:index")
        return redirect("admin:portail_informationscommune_change", 1)
