from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from comptes import services
from comptes.admin_historique import AuditAdmin
from comptes.models import Courriel, User
from comptes.outbox import send_queued


class _EmailUniqueMixin:
    def clean_email(self):
        sauf = self.instance if self.instance.pk else None
        try:
            return services.verifier_email_libre(self.cleaned_data["email"], sauf=sauf)
        except services.CompteError as exc:
            raise forms.ValidationError(exc.message) from None


class UserCreationForm(_EmailUniqueMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(_EmailUniqueMixin, UserChangeForm):
    class Meta:
        model = User
        fields = ("email",)


@admin.action(description="Envoyer une invitation (lien pour choisir un mot de passe)")
def envoyer_invitation(modeladmin, request, queryset):
    envoyees = 0
    for user in queryset:
        try:
            services.envoyer_invitation(user)
        except services.CompteError as exc:
            modeladmin.message_user(request, exc.message, messages.WARNING)
        else:
            envoyees += 1
    if envoyees:
        modeladmin.message_user(request, f"{envoyees} invitation(s) envoyée(s).", messages.SUCCESS)


@admin.register(User)
class UserAdmin(AuditAdmin, DjangoUserAdmin):
    add_form = UserCreationForm
    form = UserEditForm
    ordering = ["email"]
    list_display = ["email", "is_staff", "is_active", "date_joined", "last_login"]
    list_filter = ["is_staff", "is_active"]
    search_fields = ["email"]
    actions = [envoyer_invitation]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            "Droits",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )

    DROITS = ("is_staff", "is_superuser", "groups", "user_permissions")

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser grants rights; a gestionnaire cannot promote anyone.
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return [*super().get_readonly_fields(request, obj), *self.DROITS]

    def save_model(self, request, obj, form, change):
        if change and "email" in form.changed_data:
            nouvel_email = obj.email
            obj.email = User.objects.values_list("email", flat=True).get(pk=obj.pk)
            super().save_model(request, obj, form, change)
            services.changer_email(obj, nouvel_email)
        else:
            super().save_model(request, obj, form, change)
            if not change:
                from allauth.account.models import EmailAddress

                EmailAddress.objects.get_or_create(
                    user=obj, email=obj.email, defaults={"verified": True, "primary": True}
                )


@admin.action(description="Renvoyer maintenant")
def renvoyer(modeladmin, request, queryset):
    ok = sum(1 for pk in queryset.values_list("pk", flat=True) if send_queued(pk))
    modeladmin.message_user(request, f"{ok} courriel(s) envoyé(s).")


@admin.register(Courriel)
class CourrielAdmin(admin.ModelAdmin):
    list_display = ["cree_le", "destinataire", "sujet", "statut", "tentatives"]
    list_filter = ["statut"]
    search_fields = ["destinataire", "sujet"]
    readonly_fields = [f.name for f in Courriel._meta.fields]
    actions = [renvoyer]

    def has_add_permission(self, request):
        return False


# --- financial side ---------------------------------------------------------------------

from django.core.exceptions import PermissionDenied  # noqa: E402
from django.http import Http404, HttpResponse  # noqa: E402
from django.shortcuts import get_object_or_404, redirect  # noqa: E402
from django.template.response import TemplateResponse  # noqa: E402
from django.urls import path, reverse  # noqa: E402
from django.utils.html import format_html  # noqa: E402

from comptes.errors import DomainError  # noqa: E402
from comptes.models import (  # noqa: E402
    Facture,
    LigneFacture,
    Paiement,
    QuotientFamilial,
    Revenu,
    Tarif,
    TrancheTarif,
)
from comptes.services import finances  # noqa: E402


class TranchesFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        tranches = sorted(
            (
                (f.cleaned_data["qf_min"], f.cleaned_data.get("qf_max"))
                for f in self.forms
                if f.cleaned_data
                and not f.cleaned_data.get("DELETE")
                and f.cleaned_data.get("qf_min") is not None
            ),
            key=lambda t: t[0],
        )
        for (mini, maxi), (suivant, _) in zip(tranches, tranches[1:], strict=False):
            if maxi is None or maxi > suivant:
                raise forms.ValidationError(
                    f"Les tranches se chevauchent : celle qui commence à {mini} € doit finir "
                    f"au plus à {suivant} €."
                )
        for mini, maxi in tranches:
            if maxi is not None and maxi <= mini:
                raise forms.ValidationError(
                    f"La tranche qui commence à {mini} € doit finir après son début."
                )


class TrancheInline(admin.TabularInline):
    model = TrancheTarif
    formset = TranchesFormSet
    extra = 3


@admin.register(Tarif)
class TarifAdmin(AuditAdmin):
    def historiques_lies(self, obj):
        return [("Tranches", TrancheTarif.history.filter(tarif_id=obj.pk))]

    list_display = ["activite", "unite", "mode", "prix_sans_quotient", "credit_impot_garde"]
    list_select_related = ["activite__site", "activite__periode"]
    list_filter = ["mode", "credit_impot_garde", "activite__periode"]
    inlines = [TrancheInline]
    autocomplete_fields = []


class MoisForm(forms.Form):
    mois = forms.RegexField(
        label="Mois à facturer (AAAA-MM)",
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        error_messages={"invalid": "Indiquez le mois sous la forme 2026-10."},
    )

    def clean_mois(self):
        import datetime

        annee, mois = (int(x) for x in self.cleaned_data["mois"].split("-"))
        return datetime.date(annee, mois, 1)


def _facturer(modeladmin, request, mois, familles=None):
    try:
        bilan = finances.facturer_mois(mois, familles=familles, agent=request.user)
    except DomainError as exc:
        modeladmin.message_user(request, exc.message, messages.ERROR)
        return
    modeladmin.message_user(
        request,
        f"{bilan['factures']} facture(s) émise(s) pour {mois:%m/%Y}, "
        f"{bilan['total']} € au total. Les familles déjà facturées pour ce mois "
        "n'ont rien reçu de nouveau.",
        messages.SUCCESS,
    )
    for activite in bilan["activites_sans_tarif"]:
        modeladmin.message_user(
            request, f"Pas de tarif pour {activite} : jours non facturés.", messages.WARNING
        )


class LigneInline(admin.TabularInline):
    model = LigneFacture
    extra = 0
    can_delete = False
    fields = [
        "date",
        "enfant",
        "activite",
        "libelle",
        "quotient",
        "prix_unitaire",
        "supplement",
        "montant",
        "reservation",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class AvoirForm(forms.Form):
    montant = forms.CharField(label="Montant de l'avoir (€)")
    motif = forms.CharField(label="Motif", widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Facture)
class FactureAdmin(AuditAdmin):
    def historiques_lies(self, obj):
        return [("Paiements", Paiement.history.filter(facture_id=obj.pk))]

    list_display = [
        "numero",
        "type",
        "famille",
        "mois",
        "montant",
        "emise_le",
        "echeance",
        "pdf_lien",
    ]
    list_filter = ["type", "mois"]
    list_select_related = ["famille"]
    search_fields = ["numero", "famille__nom"]
    date_hierarchy = "emise_le"
    inlines = [LigneInline]
    readonly_fields = [
        "numero",
        "type",
        "famille",
        "mois",
        "emise_le",
        "echeance",
        "montant",
        "facture_origine",
        "motif",
        "destinataire",
        "pdf_lien",
    ]
    exclude = ["pdf"]
    change_list_template = "admin/comptes/facture/change_list.html"
    change_form_template = "admin/comptes/facture/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).defer("pdf")

    def has_add_permission(self, request):
        return False  # invoices come from "Facturer un mois"

    def has_delete_permission(self, request, obj=None):
        return False  # never deleted: corrected by an avoir

    @admin.display(description="PDF")
    def pdf_lien(self, obj):
        return format_html(
            '<a href="{}">PDF</a>', reverse("admin:comptes_facture_pdf", args=[obj.pk])
        )

    def get_urls(self):
        vue = self.admin_site.admin_view
        return [
            path("facturer/", vue(self.facturer_view), name="comptes_facturer"),
            path("<int:pk>/pdf/", vue(self.pdf_view), name="comptes_facture_pdf"),
            path("<int:pk>/avoir/", vue(self.avoir_view), name="comptes_facture_avoir"),
            *super().get_urls(),
        ]

    def facturer_view(self, request):
        if not self.has_change_permission(request):
            return redirect("admin:index")
        form = MoisForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            _facturer(self, request, form.cleaned_data["mois"])
            return redirect("admin:comptes_facture_changelist")
        return TemplateResponse(
            request,
            "admin/comptes/facture/facturer.html",
            {
                **self.admin_site.each_context(request),
                "title": "Facturer un mois",
                "form": form,
                "opts": self.model._meta,
            },
        )

    def pdf_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        get_object_or_404(Facture.objects.defer("pdf"), pk=pk)
        return _pdf_facture(pk)

    def avoir_view(self, request, pk):
        if not self.has_change_permission(request):
            raise PermissionDenied
        facture = get_object_or_404(Facture.objects.defer("pdf"), pk=pk)
        form = AvoirForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                avoir = finances.creer_avoir(
                    facture, form.cleaned_data["montant"], form.cleaned_data["motif"], request.user
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                self.message_user(request, f"Avoir {avoir.numero} émis.", messages.SUCCESS)
                return redirect("admin:comptes_facture_change", avoir.pk)
        return TemplateResponse(
            request,
            "admin/comptes/facture/avoir.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Avoir sur {facture.numero}",
                "form": form,
                "facture": facture,
                "opts": self.model._meta,
            },
        )


def _pdf_facture(pk):
    import io

    from django.http import FileResponse

    facture, document = finances.pdf_facture(pk)
    return FileResponse(
        io.BytesIO(document),
        content_type="application/pdf",
        filename=f"facture-{facture.numero}.pdf",
    )


class PaiementForm(forms.ModelForm):
    class Meta:
        model = Paiement
        fields = ["famille", "facture", "montant", "mode", "date", "reference"]

    def clean(self):
        cleaned = super().clean()
        famille, facture = cleaned.get("famille"), cleaned.get("facture")
        if famille and facture and facture.famille_id != famille.pk:
            raise forms.ValidationError("Cette facture n'est pas celle de ce foyer.")
        return cleaned


@admin.register(Paiement)
class PaiementAdmin(AuditAdmin):
    form = PaiementForm
    list_display = ["date", "famille", "montant", "mode", "facture", "reference", "enregistre_par"]
    list_filter = ["mode", "date"]
    list_select_related = ["famille", "facture", "enregistre_par"]
    search_fields = ["famille__nom", "reference", "facture__numero"]
    autocomplete_fields = ["famille", "facture"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        d = form.cleaned_data
        paiement = finances.enregistrer_paiement(
            d["famille"],
            d["montant"],
            d["mode"],
            agent=request.user,
            facture=d["facture"],
            reference=d["reference"],
            date=d["date"],
        )
        obj.pk = paiement.pk
        du = finances.solde(d["famille"])
        if du < 0:
            self.message_user(
                request,
                f"Paiement supérieur à ce qui était dû : {-du} € "
                "restent en faveur de la famille (déduits des "
                "prochaines factures).",
                messages.WARNING,
            )


class QuotientForm(forms.ModelForm):
    class Meta:
        model = QuotientFamilial
        fields = ["famille", "valeur", "depuis"]

    def clean(self):
        cleaned = super().clean()
        from django.utils import timezone

        from comptes.services.finances import premier_du_mois_suivant

        minimum = premier_du_mois_suivant(timezone.localdate())
        if cleaned.get("depuis") and cleaned["depuis"] < minimum:
            self.add_error(
                "depuis",
                f"Un quotient s'applique au plus tôt le "
                f"{minimum:%d/%m/%Y} : jamais rétroactivement.",
            )
        return cleaned


@admin.register(QuotientFamilial)
class QuotientAdmin(AuditAdmin):
    """Staff enter the CAF/MSA figure here; computed ones come from accepted incomes."""

    form = QuotientForm
    list_display = ["famille", "valeur", "source", "depuis", "parts", "cree_par"]
    list_filter = ["source"]
    list_select_related = ["famille", "cree_par"]
    search_fields = ["famille__nom"]
    autocomplete_fields = ["famille"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        d = form.cleaned_data
        quotient = finances.saisir_quotient_caf(
            d["famille"], d["valeur"], request.user, d["depuis"]
        )
        obj.pk = quotient.pk


@admin.register(Revenu)
class RevenuAdmin(AuditAdmin):
    """Proofs are never served publicly: staff open them through this admin only."""

    def get_urls(self):
        return [
            path(
                "<int:pk>/justificatif/",
                self.admin_site.admin_view(self.justificatif_view),
                name="comptes_revenu_justificatif",
            ),
            *super().get_urls(),
        ]

    def justificatif_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        revenu = get_object_or_404(Revenu, pk=pk)
        if not revenu.justificatif:
            raise Http404
        nature = {"PDF": "application/pdf", "JPEG": "image/jpeg", "PNG": "image/png"}
        with revenu.justificatif.open("rb") as fichier:
            contenu = fichier.read()
        type_ = nature.get(
            next((n for sig, n in finances.SIGNATURES.items() if contenu.startswith(sig)), ""),
            "application/octet-stream",
        )
        return HttpResponse(
            contenu,
            content_type=type_,
            headers={"Content-Disposition": "inline", "X-Content-Type-Options": "nosniff"},
        )

    @admin.display(description="justificatif")
    def justificatif_lien(self, obj):
        if not obj.justificatif:
            return "—"
        return format_html(
            '<a href="{}">Ouvrir</a>', reverse("admin:comptes_revenu_justificatif", args=[obj.pk])
        )

    list_display = [
        "famille",
        "annee",
        "montant_annuel",
        "valide",
        "declare_le",
        "justificatif_lien",
    ]
    list_filter = ["valide", "annee"]
    list_select_related = ["famille"]
    search_fields = ["famille__nom"]
    readonly_fields = [
        "famille",
        "annee",
        "montant_annuel",
        "justificatif_lien",
        "declare_le",
        "demande",
        "valide",
    ]

    def has_add_permission(self, request):
        return False
