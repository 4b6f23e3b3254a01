"""Admin of collecting what is owed: reminder steps and reminders sent, SEPA mandates,
the month's direct-debit files and their lines (rejects recorded there).

IBANs are seen only by who may view mandates (the finance role, "Régisseur"): the
mandates' pages and the direct-debit files, which carry them, need that permission."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from comptes import fichiers
from comptes.admin_historique import AuditAdmin
from comptes.admin_utils import colonne_euros, traiter_une_a_une
from comptes.errors import DomainError
from comptes.models import (
    EtapeRelance,
    LignePrelevement,
    MandatSepa,
    RelanceFacture,
    RemisePrelevement,
)
from comptes.services import sepa

PERMISSION_IBAN = "comptes.view_mandatsepa"


@admin.register(EtapeRelance)
class EtapeRelanceAdmin(AuditAdmin):
    list_display = ["jours_apres_echeance", "nom", "lettre", "active"]
    list_filter = ["active", "lettre"]
    fields = ["jours_apres_echeance", "nom", "lettre", "message", "active"]


@admin.register(RelanceFacture)
class RelanceFactureAdmin(AuditAdmin):
    list_display = [
        "envoyee_le",
        "facture",
        "famille",
        "etape",
        "canal",
        colonne_euros("reste_du", "reste dû"),
        "lettre_lien",
    ]
    list_filter = ["etape", "canal", "envoyee_le"]
    list_select_related = ["facture__famille", "etape"]
    search_fields = ["facture__numero", "facture__famille__nom"]
    fields = ["facture", "etape", "envoyee_le", "canal", colonne_euros("reste_du", "reste dû")]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("facture__pdf")

    def has_add_permission(self, request):
        return False  # written by the daily run

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="famille", ordering="facture__famille__nom")
    def famille(self, obj):
        return obj.facture.famille

    @admin.display(description="lettre")
    def lettre_lien(self, obj):
        if not obj.lettre:
            return "—"
        return format_html(
            '<a href="{}">PDF</a>', reverse("admin:comptes_relancefacture_lettre", args=[obj.pk])
        )

    def get_urls(self):
        vue = self.admin_site.admin_view
        return [
            path("<int:pk>/lettre/", vue(self.lettre_view), name="comptes_relancefacture_lettre"),
            *super().get_urls(),
        ]

    def lettre_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        relance = get_object_or_404(RelanceFacture.objects.select_related("facture"), pk=pk)
        if not relance.lettre:
            raise PermissionDenied
        return fichiers.servir(relance.lettre, f"relance-{relance.facture.numero}")


@admin.register(MandatSepa)
class MandatSepaAdmin(AuditAdmin):
    """Signed online by parents; staff only read them (a parent revokes on the portal)."""

    list_display = ["rum", "famille", "titulaire", "iban", "signe_le", "actif_affiche"]
    list_filter = [("revoque_le", admin.EmptyFieldListFilter), "signe_le"]
    list_select_related = ["famille"]
    search_fields = ["rum", "famille__nom", "titulaire"]
    fields = ["rum", "famille", "titulaire", "iban", "bic", "signe_le", "signe_par", "revoque_le"]
    readonly_fields = fields

    @admin.display(description="actif", boolean=True)
    def actif_affiche(self, obj):
        return obj.actif

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RemiseForm(forms.Form):
    mois = forms.DateField(
        label="Mois facturé",
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": "Choisissez un mois (par exemple 2026-10)."},
    )
    date_prelevement = forms.DateField(
        label="Date de prélèvement",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": "Choisissez une date (par exemple 05/11/2026)."},
    )


@admin.register(RemisePrelevement)
class RemisePrelevementAdmin(AuditAdmin):
    list_display = [
        "mois_affiche",
        "date_prelevement",
        "etat",
        "nombre",
        colonne_euros("total", "total"),
        "demandee_par",
        "demandee_le",
        "fichier_lien",
    ]
    list_filter = ["etat", "mois"]
    list_select_related = ["demandee_par"]
    fields = [
        "mois_affiche",
        "date_prelevement",
        "etat",
        "nombre",
        colonne_euros("total", "total"),
        "demandee_par",
        "demandee_le",
        "fin",
        "erreur",
        "fichier_lien",
    ]
    readonly_fields = fields
    change_form_template = "admin/comptes/remiseprelevement/change_form.html"

    @admin.display(description="mois", ordering="mois")
    def mois_affiche(self, obj):
        return f"{obj.mois:%m/%Y}"

    @admin.display(description="fichier pain.008")
    def fichier_lien(self, obj):
        if not obj.fichier:
            return "—"
        return format_html(
            '<a href="{}">Télécharger</a>',
            reverse("admin:comptes_remiseprelevement_fichier", args=[obj.pk]),
        )

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        vue = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/fichier/",
                vue(self.fichier_view),
                name="comptes_remiseprelevement_fichier",
            ),
            *super().get_urls(),
        ]

    def fichier_view(self, request, pk):
        # The file carries the families' IBANs: finance role only.
        if not request.user.has_perm(PERMISSION_IBAN):
            raise PermissionDenied
        remise = get_object_or_404(RemisePrelevement, pk=pk)
        if not remise.fichier:
            raise PermissionDenied
        return fichiers.servir(remise.fichier, f"prelevements-{remise.mois:%Y-%m}-{remise.pk}")

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = RemiseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                remise = sepa.demander_remise(
                    form.cleaned_data["mois"], form.cleaned_data["date_prelevement"], request.user
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                self.log_addition(request, remise, "Fichier de prélèvements demandé")
                self.message_user(
                    request,
                    "Fichier de prélèvements demandé : le worker le prépare, cette page "
                    "se met à jour.",
                    messages.SUCCESS,
                )
                return redirect("admin:comptes_remiseprelevement_change", remise.pk)
        return TemplateResponse(
            request,
            "admin/comptes/remiseprelevement/demander.html",
            {
                **self.admin_site.each_context(request),
                "title": "Préparer les prélèvements d'un mois",
                "form": form,
                "opts": self.model._meta,
            },
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        active = RemisePrelevement.objects.filter(
            pk=object_id if str(object_id).isdigit() else None,
            etat=RemisePrelevement.Etat.EN_ATTENTE,
        ).exists()
        extra_context = {**(extra_context or {}), "actualiser_toutes_les": 3 if active else None}
        return super().change_view(request, object_id, form_url, extra_context)


class RejetForm(forms.Form):
    motif = forms.ChoiceField(
        label="Motif donné par la banque",
        choices=[("", "—")] + [(c, f"{c} — {m}") for c, m in sepa.MOTIFS_REJET.items()],
        error_messages={"required": "Choisissez le motif du rejet."},
    )


@admin.action(description="Enregistrer un rejet de la banque", permissions=["change"])
def enregistrer_rejet(modeladmin, request, queryset):
    form = RejetForm(request.POST if "motif" in request.POST else None)
    if form.is_bound and form.is_valid():
        traiter_une_a_une(
            modeladmin,
            request,
            list(queryset.values_list("pk", flat=True)),
            lambda pk: sepa.rejeter(
                LignePrelevement(pk=pk), form.cleaned_data["motif"], request.user
            ),
            (
                "{n} rejet enregistré : la facture est de nouveau à payer, la famille "
                "est prévenue par courriel.",
                "{n} rejets enregistrés : les factures sont de nouveau à payer, les "
                "familles sont prévenues par courriel.",
            ),
        )
        return None
    return TemplateResponse(
        request,
        "admin/comptes/ligneprelevement/rejet.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": "Enregistrer un rejet de prélèvement",
            "form": form,
            "lignes": queryset.select_related("facture__famille"),
            "opts": modeladmin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


@admin.register(LignePrelevement)
class LignePrelevementAdmin(AuditAdmin):
    list_display = [
        "facture",
        "famille",
        "remise",
        "sequence",
        colonne_euros("montant", "montant"),
        "statut",
        "motif_rejet",
    ]
    list_filter = ["statut", "sequence", "remise"]
    list_select_related = ["facture__famille", "remise"]
    search_fields = ["facture__numero", "facture__famille__nom", "reference"]
    fields = [
        "remise",
        "facture",
        "mandat",
        "sequence",
        colonne_euros("montant", "montant"),
        "reference",
        "statut",
        "motif_rejet",
        "rejet_le",
    ]
    readonly_fields = fields
    actions = [enregistrer_rejet]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("facture__pdf")

    @admin.display(description="famille", ordering="facture__famille__nom")
    def famille(self, obj):
        return obj.facture.famille

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # The action needs the right; the page itself stays read-only.
        return obj is None and super().has_change_permission(request, obj)
