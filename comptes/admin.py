from allauth.mfa.models import Authenticator as MFAAuthenticator
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group

from comptes import outbox, services
from comptes.admin_historique import AuditAdmin
from comptes.models import Courriel, User
from comptes.mots import nombre as _nombre


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
        modeladmin.message_user(
            request,
            _nombre(envoyees, "invitation envoyée.", "invitations envoyées."),
            messages.SUCCESS,
        )


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
    # The roles (portail/roles.py; comptes does not import portail) an Administrateur may
    # give or take away: none holds more than the service's daily work. Gestionnaire and
    # Administrateur, like any other group, are given or removed by a superuser only,
    # else an Administrateur would make itself a Gestionnaire through a second account.
    ROLES_DELEGABLES = ("Agent d'accueil", "Régisseur", "Direction de site")
    ROLE_RESERVE = (
        "Seul un superutilisateur peut donner ou retirer les rôles Gestionnaire et "
        "Administrateur : un administrateur donne seulement les rôles Agent d'accueil, "
        "Régisseur ou Direction de site."
    )

    def _roles_reserves(self, request, obj) -> bool:
        """obj holds a role the requesting user may not give: out of their reach."""
        return (
            obj is not None
            and not request.user.is_superuser
            and obj.groups.exclude(name__in=self.ROLES_DELEGABLES).exists()
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            # A forged POST with another group's id is refused by the field itself.
            kwargs["queryset"] = Group.objects.filter(name__in=self.ROLES_DELEGABLES)
            kwargs["error_messages"] = {"invalid_choice": self.ROLE_RESERVE}
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser grants every right. An Administrateur ("attribuer_roles") gives
        # others a role (équipe, groupes), never superuser or loose permissions, and never
        # to themselves; a gestionnaire cannot promote anyone.
        lecture = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return lecture
        if request.user.has_perm("comptes.attribuer_roles") and obj != request.user:
            return [*lecture, "is_superuser", "user_permissions"]
        return [*lecture, *self.DROITS]

    def _hors_de_portee(self, request, obj) -> bool:
        # A superuser's account (e-mail, password) is out of reach of everyone else, and
        # so is the account of a Gestionnaire or Administrateur for a non-superuser.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return True
        return bool(self._roles_reserves(request, obj))

    def has_change_permission(self, request, obj=None):
        if self._hors_de_portee(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self._hors_de_portee(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_related(self, request, form, formsets, change):
        # Second lock behind the form's choices: nothing but a delegable role is saved.
        groupes = form.cleaned_data.get("groups")
        if (
            not request.user.is_superuser
            and groupes is not None
            and groupes.exclude(name__in=self.ROLES_DELEGABLES).exists()
        ):
            raise PermissionDenied(self.ROLE_RESERVE)
        super().save_related(request, form, formsets, change)

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


def _tracer_courriels(request, pks, message):
    LogEntry.objects.log_actions(
        request.user.pk, Courriel.objects.filter(pk__in=pks), CHANGE, message, single_object=False
    )


@admin.action(description="Renvoyer maintenant", permissions=["change"])
def renvoyer(modeladmin, request, queryset):
    # The worker sends them within seconds: the request never waits on the mail server.
    pks = list(queryset.exclude(statut=Courriel.Statut.ENVOYE).values_list("pk", flat=True))
    nombre = outbox.renvoyer(Courriel.objects.filter(pk__in=pks))
    _tracer_courriels(request, pks, "Renvoi demandé")
    modeladmin.message_user(
        request,
        _nombre(nombre, "courriel remis", "courriels remis")
        + " en file d'envoi (les courriels déjà envoyés sont ignorés).",
    )


@admin.action(description="Annuler l'envoi", permissions=["change"])
def annuler_envoi(modeladmin, request, queryset):
    pks = list(queryset.filter(statut__in=Courriel.A_TENTER).values_list("pk", flat=True))
    nombre = outbox.annuler(Courriel.objects.filter(pk__in=pks))
    _tracer_courriels(request, pks, "Envoi annulé")
    modeladmin.message_user(
        request, _nombre(nombre, "courriel annulé", "courriels annulés") + " : plus aucun essai."
    )


@admin.register(Courriel)
class CourrielAdmin(admin.ModelAdmin):
    list_display = [
        "cree_le",
        "destinataire",
        "sujet",
        "statut",
        "tentatives",
        "prochain_essai",
        "derniere_erreur",
    ]
    list_filter = ["statut"]
    search_fields = ["destinataire", "sujet"]
    # The body is shown through message(), which hides a confidential one.
    exclude = ["corps"]
    readonly_fields = [f.name if f.name != "corps" else "message" for f in Courriel._meta.fields]
    actions = [renvoyer, annuler_envoi]

    @admin.display(description="message")
    def message(self, obj):
        # A reset or invitation link would let any staff member sign in as the parent.
        if obj.confidentiel:
            return "Contenu masqué : ce message contient un lien de connexion personnel."
        return obj.corps

    def has_add_permission(self, request):
        return False

    def changelist_view(self, request, extra_context=None):
        durables = Courriel.objects.filter(statut=Courriel.Statut.ECHEC_DURABLE).count()
        if durables and request.method == "GET":
            self.message_user(
                request,
                _nombre(durables, "courriel", "courriels")
                + " en échec durable : pas partis plus de 24 h après leur "
                "création (toujours retentés chaque heure). Vérifiez l'adresse ou le serveur "
                "d'envoi, puis « Renvoyer maintenant » ou « Annuler l'envoi ».",
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)


# --- financial side ---------------------------------------------------------------------

from django.core.exceptions import PermissionDenied  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.shortcuts import get_object_or_404, redirect  # noqa: E402
from django.template.response import TemplateResponse  # noqa: E402
from django.urls import path, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.html import format_html, format_html_join  # noqa: E402
from django.utils.safestring import mark_safe  # noqa: E402

from comptes.admin_utils import MontantsEnLectureMixin, colonne_euros  # noqa: E402
from comptes.errors import DomainError  # noqa: E402
from comptes.formats import euros  # noqa: E402
from comptes.forms import JetonMixin  # noqa: E402
from comptes.models import (  # noqa: E402
    Facture,
    LigneFacture,
    LignePrelevement,
    Paiement,
    PoulsWorker,
    QuotientFamilial,
    RelanceFacture,
    Revenu,
    TacheFacturation,
    Tarif,
    TrancheTarif,
    TransactionEnLigne,
)
from comptes.services import facturation, finances, jetons, recouvrement  # noqa: E402


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
                    f"Les tranches se chevauchent : celle qui commence à {euros(mini)} doit "
                    f"finir au plus à {euros(suivant)}."
                )
        for mini, maxi in tranches:
            if maxi is not None and maxi <= mini:
                raise forms.ValidationError(
                    f"La tranche qui commence à {euros(mini)} doit finir après son début."
                )


class TrancheInline(admin.TabularInline):
    model = TrancheTarif
    formset = TranchesFormSet
    extra = 3


@admin.register(Tarif)
class TarifAdmin(AuditAdmin):
    def historiques_lies(self, obj):
        return [("Tranches", TrancheTarif.history.filter(tarif_id=obj.pk))]

    list_display = [
        "activite",
        "unite",
        "mode",
        colonne_euros("prix_sans_quotient", "prix si quotient inconnu"),
        "credit_impot_garde",
    ]
    list_select_related = ["activite__site", "activite__periode"]
    list_filter = ["mode", "credit_impot_garde", "activite__periode"]
    inlines = [TrancheInline]
    autocomplete_fields = []


class MoisForm(forms.Form):
    mois = forms.RegexField(
        label="Mois à facturer",
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        widget=forms.TextInput(attrs={"type": "month"}),  # the browser's month picker
        error_messages={"invalid": "Indiquez le mois sous la forme 2026-10."},
    )

    def clean_mois(self):
        import datetime

        annee, mois = (int(x) for x in self.cleaned_data["mois"].split("-"))
        return datetime.date(annee, mois, 1)


class MoisExportForm(forms.Form):
    mois = forms.DateField(
        label="Mois",
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": "Choisissez un mois (par exemple 2026-10)."},
    )


def _facturer(modeladmin, request, form, familles=None):
    """Queue the run for the worker (a town's month never holds a web worker) and send
    staff to its progress page. Returns that redirect, or None with the refusal on the
    form's month field."""
    mois = form.cleaned_data["mois"]
    try:
        tache = facturation.demander(mois, familles=familles, agent=request.user)
    except DomainError as exc:
        form.add_error("mois", exc.message)
        return None
    modeladmin.message_user(
        request,
        f"Facturation de {mois:%m/%Y} lancée en arrière-plan : cette page montre son "
        "avancement. Les familles déjà facturées pour ce mois ne recevront rien de nouveau.",
        messages.SUCCESS,
    )
    return redirect("admin:comptes_tachefacturation_change", tache.pk)


class LigneInline(admin.TabularInline):
    model = LigneFacture
    extra = 0
    can_delete = False
    fields = [
        "date",
        "enfant",
        "activite",
        "libelle",
        colonne_euros("quotient", "QF appliqué"),
        colonne_euros("prix_unitaire", "prix"),
        colonne_euros("supplement", "supplément"),
        colonne_euros("montant", "montant"),
        "reservation",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class AvoirForm(JetonMixin, forms.Form):
    montant = forms.CharField(label="Montant de l'avoir (€)")
    motif = forms.CharField(label="Motif", widget=forms.Textarea(attrs={"rows": 3}))


class FiltreStatutFacture(admin.SimpleListFilter):
    title = "statut"
    parameter_name = "statut"

    def lookups(self, request, model_admin):
        return [(statut, statut.capitalize()) for statut in finances.STATUTS]

    def queryset(self, request, queryset):
        if self.value() in finances.STATUTS:
            return finances.filtrer_statut(queryset, self.value(), timezone.localdate())
        return queryset


class FiltreMoisFacture(admin.SimpleListFilter):
    title = "mois facturé"
    parameter_name = "mois_facture"

    def lookups(self, request, model_admin):
        return [
            (f"{m:%Y-%m}", f"{MOIS[m.month - 1]} {m.year}")
            for m in Facture.objects.dates("mois", "month", order="DESC")[:36]
        ]

    def queryset(self, request, queryset):
        try:
            annee, mois = (int(x) for x in (self.value() or "").split("-"))
            return queryset.filter(mois__year=annee, mois__month=mois)
        except ValueError:
            return queryset


MOIS = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]  # fmt: skip


class _LectureSeuleInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PaiementInline(_LectureSeuleInline):
    model = Paiement
    verbose_name_plural = "paiements reçus"
    fields = ["date", "mode", colonne_euros("montant", "montant"), "reference", "enregistre_par"]


class AvoirInline(_LectureSeuleInline):
    model = Facture
    fk_name = "facture_origine"
    verbose_name = "avoir"
    verbose_name_plural = "avoirs sur cette facture"
    fields = ["numero", "emise_le", colonne_euros("montant", "montant"), "motif"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("pdf")


class RelanceInline(_LectureSeuleInline):
    model = RelanceFacture
    verbose_name_plural = "relances envoyées"
    fields = ["envoyee_le", "etape", "canal", colonne_euros("reste_du", "reste dû"), "lettre_lien"]
    show_change_link = False

    @admin.display(description="lettre")
    def lettre_lien(self, obj):
        if not obj.lettre:
            return "—"
        return format_html(
            '<a href="{}">Lettre (PDF)</a>',
            reverse("admin:comptes_relancefacture_lettre", args=[obj.pk]),
        )


class PrelevementInline(_LectureSeuleInline):
    model = LignePrelevement
    fk_name = "facture"
    verbose_name_plural = "prélèvements"
    fields = ["remise", "sequence", colonne_euros("montant", "montant"), "statut", "motif_rejet"]


@admin.register(Facture)
class FactureAdmin(AuditAdmin):
    def historiques_lies(self, obj):
        return [("Paiements", Paiement.history.filter(facture_id=obj.pk))]

    list_display = [
        "numero",  # (the type shows in the status column: "avoir")
        "famille",
        "mois_affiche",
        colonne_euros("montant", "montant"),
        "solde_affiche",
        "statut_affiche",
        "echeance",
        "pdf_lien",
    ]
    list_filter = [FiltreStatutFacture, FiltreMoisFacture, "type"]
    list_select_related = ["famille"]
    search_fields = ["numero", "famille__nom"]
    date_hierarchy = "emise_le"
    inlines = [LigneInline, PaiementInline, AvoirInline, RelanceInline, PrelevementInline]
    readonly_fields = [
        "numero",
        "type",
        "famille",
        "mois_affiche",
        "emise_le",
        "echeance",
        colonne_euros("montant", "montant"),
        "solde_affiche",
        "statut_affiche",
        "facture_origine",
        "motif",
        "destinataire_lisible",
        "pdf_lien",
    ]
    fields = readonly_fields
    change_list_template = "admin/comptes/facture/change_list.html"
    change_form_template = "admin/comptes/facture/change_form.html"

    def get_queryset(self, request):
        return finances.annoter_paye(super().get_queryset(request).defer("pdf"))

    def has_add_permission(self, request):
        return False  # invoices come from "Facturer un mois"

    def has_delete_permission(self, request, obj=None):
        return False  # never deleted: corrected by an avoir

    @admin.display(description="mois", ordering="mois")
    def mois_affiche(self, obj):
        return f"{MOIS[obj.mois.month - 1]} {obj.mois.year}"

    @admin.display(description="reste à payer")
    def solde_affiche(self, obj):
        if obj.type == Facture.Type.AVOIR:
            return "—"
        return euros(max(finances.ZERO, obj.montant - obj.paye))

    @admin.display(description="statut")
    def statut_affiche(self, obj):
        if obj.type == Facture.Type.AVOIR:
            return "avoir"
        return finances.statut_facture(obj, obj.paye, timezone.localdate())

    @admin.display(description="destinataire")
    def destinataire_lisible(self, obj):
        d = obj.destinataire or {}
        lignes = [
            d.get("nom"),
            d.get("adresse"),
            d.get("complement"),
            " ".join(x for x in (d.get("code_postal"), d.get("ville")) if x),
        ]
        return format_html_join(mark_safe("<br>"), "{}", ((li,) for li in lignes if li))

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
            path("tresorerie/", vue(self.tresorerie_view), name="comptes_facture_tresorerie"),
            *super().get_urls(),
        ]

    def facturer_view(self, request):
        if not self.has_change_permission(request):
            return redirect("admin:index")
        form = MoisForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            suivi = _facturer(self, request, form)
            if suivi:
                return suivi
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
                avoir = jetons.une_seule_fois(
                    request.user,
                    form.cleaned_data["jeton"],
                    "avoir",
                    lambda: finances.creer_avoir(
                        facture,
                        form.cleaned_data["montant"],
                        form.cleaned_data["motif"],
                        request.user,
                    ),
                )
            except jetons.DoubleEnvoi as exc:
                self.message_user(request, exc.message, messages.INFO)
                if exc.objet_id is None:
                    return redirect("admin:comptes_facture_change", facture.pk)
                return redirect("admin:comptes_facture_change", exc.objet_id)
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

    def tresorerie_view(self, request):
        """The month's invoices and payments as CSV for the treasury."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = MoisExportForm(request.GET or None)
        if request.GET and form.is_valid():
            mois = form.cleaned_data["mois"]
            reponse = HttpResponse(
                "\ufeff" + recouvrement.export_tresorerie(mois),  # BOM: Excel reads UTF-8
                content_type="text/csv; charset=utf-8",
            )
            reponse["Content-Disposition"] = f'attachment; filename="tresorerie-{mois:%Y-%m}.csv"'
            return reponse
        return TemplateResponse(
            request,
            "admin/comptes/facture/tresorerie.html",
            {
                **self.admin_site.each_context(request),
                "title": "Export pour la trésorerie",
                "form": form,
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


class PaiementForm(JetonMixin, forms.ModelForm):
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
class PaiementAdmin(MontantsEnLectureMixin, AuditAdmin):
    form = PaiementForm
    montants_en_euros = {"montant": "montant"}
    list_display = [
        "date",
        "famille",
        colonne_euros("montant", "montant"),
        "mode",
        "facture",
        "reference",
        "enregistre_par",
    ]
    list_filter = ["mode", "date"]
    list_select_related = ["famille", "facture", "enregistre_par"]
    search_fields = ["famille__nom", "reference", "facture__numero"]
    autocomplete_fields = ["famille", "facture"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def log_addition(self, request, obj, message):
        if not getattr(request, "paiement_deja_enregistre", False):
            super().log_addition(request, obj, message)

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(request, "paiement_deja_enregistre", False):
            self.message_user(request, jetons.DEJA_ENREGISTREE, messages.INFO)
            return redirect("admin:comptes_paiement_changelist")
        return super().response_add(request, obj, post_url_continue)

    def save_model(self, request, obj, form, change):
        d = form.cleaned_data
        try:
            paiement = jetons.une_seule_fois(
                request.user,
                d["jeton"],
                "paiement",
                lambda: finances.enregistrer_paiement(
                    d["famille"],
                    d["montant"],
                    d["mode"],
                    agent=request.user,
                    facture=d["facture"],
                    reference=d["reference"],
                    date=d["date"],
                ),
            )
        except jetons.DoubleEnvoi as exc:
            # The same counter payment sent twice: the first one stands, nothing more.
            request.paiement_deja_enregistre = True
            obj.pk = exc.objet_id
            return
        obj.pk = paiement.pk
        du = finances.solde(d["famille"])
        if du < 0:
            self.message_user(
                request,
                f"Paiement supérieur à ce qui était dû : {euros(-du)} "
                "restent en faveur de la famille (déduits des "
                "prochaines factures).",
                messages.WARNING,
            )


@admin.register(TransactionEnLigne)
class TransactionEnLigneAdmin(MontantsEnLectureMixin, AuditAdmin):
    """Online payments as the bank answered them, read-only: the "à vérifier" ones (paid
    at the bank but not as asked) are settled by hand with a Paiement or a refund."""

    montants_en_euros = {"montant": "montant demandé"}
    list_display = [
        "cree_le",
        "facture",
        colonne_euros("montant", "montant demandé"),
        "statut",
        "motif",
        "identifiant",
    ]
    list_filter = ["statut", "cree_le"]
    list_select_related = ["facture"]
    search_fields = ["identifiant", "facture__numero", "facture__famille__nom"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
class QuotientAdmin(MontantsEnLectureMixin, AuditAdmin):
    """Staff enter the CAF/MSA figure here; computed ones come from accepted incomes."""

    form = QuotientForm
    montants_en_euros = {"valeur": "quotient familial"}
    list_display = [
        "famille",
        colonne_euros("valeur", "quotient familial"),
        "source",
        "depuis",
        "parts",
        "cree_par",
    ]
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
    """Staff download proofs through the portal's own view (comptes.fichiers.servir):
    one path, one set of checks for households and staff."""

    @admin.display(description="justificatif")
    def justificatif_lien(self, obj):
        if not obj.justificatif:
            return "—"
        return format_html(
            '<a href="{}">Télécharger</a>', reverse("justificatif_revenus", args=[obj.pk])
        )

    list_display = [
        "famille",
        "annee",
        colonne_euros("montant_annuel", "revenus annuels"),
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
        colonne_euros("montant_annuel", "revenus annuels"),
        "justificatif_lien",
        "declare_le",
        "demande",
        "valide",
    ]

    def has_add_permission(self, request):
        return False


# Two-factor sign-in (allauth.mfa): an administrator deletes the authenticator of a
# staff member who lost their phone and recovery codes (they set up a new one at their
# next sign-in). The secrets themselves are never shown.
admin.site.unregister(MFAAuthenticator)


@admin.register(MFAAuthenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- background work: invoicing runs and the workers' signs of life ----------------------


@admin.register(TacheFacturation)
class TacheFacturationAdmin(admin.ModelAdmin):
    """Read-only: runs are asked for in "Facturer un mois" and done by the worker. While
    one is queued or running its pages reload themselves (a meta refresh: no script)."""

    list_display = [
        "mois_affiche",
        "etat",
        "avancement",
        "factures",
        colonne_euros("total", "total"),
        "demandee_par",
        "demandee_le",
        "fin",
    ]
    list_filter = ["etat"]
    list_select_related = ["demandee_par"]
    fields = [
        "mois_affiche",
        "etat",
        "avancement",
        "familles_a_facturer",
        "familles_traitees",
        "factures",
        colonne_euros("total", "total"),
        "activites_sans_tarif_affichees",
        "nombre_familles_choisies",
        "demandee_par",
        "demandee_le",
        "debut",
        "fin",
        "tentatives",
        "erreur",
    ]
    readonly_fields = fields
    change_list_template = "admin/comptes/tachefacturation/change_list.html"
    change_form_template = "admin/comptes/tachefacturation/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="mois", ordering="mois")
    def mois_affiche(self, obj):
        return f"{obj.mois:%m/%Y}"

    @admin.display(description="avancement")
    def avancement(self, obj):
        return format_html(
            '<progress max="100" value="{}">{} %</progress> {} %',
            obj.pourcentage,
            obj.pourcentage,
            obj.pourcentage,
        )

    @admin.display(description="activités sans tarif (jours non facturés)")
    def activites_sans_tarif_affichees(self, obj):
        return ", ".join(obj.activites_sans_tarif) or "aucune"

    @admin.display(description="familles choisies")
    def nombre_familles_choisies(self, obj):
        return "toute la commune" if obj.familles is None else len(obj.familles)

    def _actualiser(self, request, extra_context, active: bool):
        # Progress is written by the worker: reload every few seconds until it is done.
        return {**(extra_context or {}), "actualiser_toutes_les": 3 if active else None}

    def changelist_view(self, request, extra_context=None):
        active = TacheFacturation.objects.filter(etat__in=TacheFacturation.ACTIVES).exists()
        return super().changelist_view(request, self._actualiser(request, extra_context, active))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        active = TacheFacturation.objects.filter(
            pk=object_id if str(object_id).isdigit() else None,
            etat__in=TacheFacturation.ACTIVES,
        ).exists()
        return super().change_view(
            request, object_id, form_url, self._actualiser(request, extra_context, active)
        )


@admin.register(PoulsWorker)
class PoulsWorkerAdmin(admin.ModelAdmin):
    """Each worker process and when it was last seen (/sante/ reads the same rows)."""

    list_display = ["hote", "pid", "worker_id", "demarre_le", "vu_le"]
    fields = list_display
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


from comptes import admin_recouvrement  # noqa: E402,F401  (relances, mandates, debits)
