from django import forms
from django.contrib import admin, messages
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html

from comptes import services as comptes_services
from comptes.admin_historique import AuditAdmin
from comptes.mots import nombre
from familles import second_foyer, services
from familles.admin_second_foyer import (
    RattachementAdminForm,
    RattachementsEnfantFormSet,
    RattachementsFamilleFormSet,
    rattacher_second_foyer_view,
)
from familles.models import (
    Autorisation,
    Document,
    Enfant,
    Famille,
    FicheSanitaire,
    InvitationSecondFoyer,
    PersonneAutorisee,
    Rattachement,
    RegimeAlimentaire,
    Responsable,
    TypeAutorisation,
    TypeDocument,
    Vaccination,
)
from familles.validators import normaliser_telephone


class ResponsableAdminForm(forms.ModelForm):
    """A parent and their login in one form: staff type the e-mail, and a first
    password or nothing (then "Envoyer une invitation")."""

    email = forms.EmailField(label="Adresse e-mail (identifiant)")
    mot_de_passe = forms.CharField(
        label="Mot de passe initial",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Laissez vide pour envoyer ensuite une invitation par e-mail.",
    )

    class Meta:
        model = Responsable
        fields = ["famille", *Responsable.CHAMPS_COORDONNEES]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["email"].initial = self.instance.user.email
            self.fields["mot_de_passe"].label = "Nouveau mot de passe"
            self.fields["mot_de_passe"].help_text = "Laissez vide pour ne pas le changer."

    def clean_email(self):
        email = self.cleaned_data["email"]
        sauf = self.instance.user if self.instance.pk else None
        try:
            return comptes_services.verifier_email_libre(email, sauf=sauf)
        except comptes_services.CompteError as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_mot_de_passe(self):
        value = self.cleaned_data["mot_de_passe"]
        if value:
            password_validation.validate_password(value)
        return value

    def _clean_phone(self, name):
        return normaliser_telephone(self.cleaned_data.get(name, ""))

    def clean_telephone_mobile(self):
        return self._clean_phone("telephone_mobile")

    def clean_telephone_fixe(self):
        return self._clean_phone("telephone_fixe")

    def clean_telephone_travail(self):
        return self._clean_phone("telephone_travail")

    def clean(self):
        cleaned = super().clean()
        famille = cleaned.get("famille") or getattr(self.instance, "famille", None)
        # Standalone form only: in the household page the inline's max_num applies.
        if famille is not None and famille.pk and "famille" in self.fields:
            autres = Responsable.objects.filter(famille=famille).exclude(pk=self.instance.pk)
            if autres.count() >= services.MAX_RESPONSABLES:
                raise forms.ValidationError(
                    "Ce foyer a déjà deux responsables légaux : un foyer en compte au plus deux."
                )
        return cleaned

    def save(self, commit=True):
        responsable = super().save(commit=False)
        email = self.cleaned_data["email"]
        mot_de_passe = self.cleaned_data.get("mot_de_passe")
        if responsable.pk:
            user = comptes_services.changer_email(responsable.user, email)
            if mot_de_passe:
                user.set_password(mot_de_passe)
                user.save(update_fields=["password"])
        else:
            responsable.user = comptes_services.creer_compte(email, mot_de_passe)
        if commit:
            responsable.save()
        return responsable


class ResponsablesFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        vus = set()
        for form in self.forms:
            email = (form.cleaned_data or {}).get("email")
            if not email:
                continue
            if email.lower() in vus:
                raise forms.ValidationError(
                    f"L'adresse {email} est saisie pour deux responsables : chacun a la sienne."
                )
            vus.add(email.lower())


class ResponsableInline(admin.StackedInline):
    model = Responsable
    form = ResponsableAdminForm
    formset = ResponsablesFormSet
    extra = 1
    max_num = 2
    can_delete = False
    fieldsets = (
        (None, {"fields": (("email", "mot_de_passe"), ("civilite", "prenom", "nom"))}),
        ("Adresse", {"fields": ("adresse", "complement_adresse", ("code_postal", "ville"))}),
        ("Téléphones", {"fields": (("telephone_mobile", "telephone_fixe", "telephone_travail"),)}),
        ("Profession", {"fields": (("profession", "employeur"),)}),
    )


class RattachementInline(admin.TabularInline):
    model = Rattachement
    form = RattachementAdminForm
    formset = RattachementsFamilleFormSet
    extra = 0
    autocomplete_fields = ["enfant"]
    verbose_name = "enfant rattaché"
    verbose_name_plural = "enfants rattachés à ce foyer"


@admin.action(
    description="Envoyer une invitation aux responsables de ces familles", permissions=["change"]
)
def inviter_responsables_familles(modeladmin, request, queryset):
    _inviter(modeladmin, request, Responsable.objects.filter(famille__in=queryset))


@admin.action(
    description="Envoyer une invitation (lien pour choisir un mot de passe)", permissions=["change"]
)
def inviter_responsables(modeladmin, request, queryset):
    _inviter(modeladmin, request, queryset)


def _inviter(modeladmin, request, responsables):
    envoyees = 0
    for responsable in responsables.select_related("user"):
        try:
            comptes_services.envoyer_invitation(responsable.user)
        except comptes_services.CompteError as exc:
            modeladmin.message_user(request, exc.message, messages.WARNING)
        else:
            envoyees += 1
    modeladmin.message_user(
        request,
        nombre(envoyees, "invitation envoyée", "invitations envoyées") + " par e-mail.",
        messages.SUCCESS,
    )


@admin.action(description="Facturer un mois pour ces familles", permissions=["facturer"])
def facturer_familles(modeladmin, request, queryset):
    from django.contrib.admin import helpers
    from django.template.response import TemplateResponse

    from comptes.admin import MoisForm, _facturer

    form = MoisForm(request.POST if "confirmer" in request.POST else None)
    if form.is_bound and form.is_valid():
        # Queued for the worker; staff land on the run's progress page.
        suivi = _facturer(modeladmin, request, form, familles=queryset)
        if suivi:
            return suivi
    return TemplateResponse(
        request,
        "admin/familles/famille/facturer.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": "Facturer un mois",
            "familles": queryset,
            "form": form,
            "opts": modeladmin.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        },
    )


@admin.register(Famille)
class FamilleAdmin(AuditAdmin):
    def historiques_lies(self, obj):
        return [
            ("Responsables", Responsable.history.filter(famille_id=obj.pk)),
            ("Enfants rattachés", Rattachement.history.filter(famille_id=obj.pk)),
        ]

    list_display = ["nom", "ville", "numero_allocataire", "nb_responsables", "nb_enfants"]
    search_fields = ["nom", "responsables__nom", "responsables__user__email", "numero_allocataire"]
    list_filter = ["regime", "ville"]
    inlines = [ResponsableInline, RattachementInline]
    actions = [inviter_responsables_familles, facturer_familles]

    def has_facturer_permission(self, request):
        return request.user.has_perm("comptes.add_facture")

    # What the household pays: the tariff (hors commune) and the quotient's parts.
    CHAMPS_TARIF = (
        "regime",
        "numero_allocataire",
        "nombre_enfants_a_charge",
        "nombre_enfants_handicapes",
        "hors_commune",
    )

    def get_readonly_fields(self, request, obj=None):
        # Only the money roles set them (Gestionnaire; a Régisseur who can also edit
        # households): the reception desk sees them but cannot change what a family
        # pays. A read-only field is not in the form, so a forged POST is ignored.
        lecture = super().get_readonly_fields(request, obj)
        if request.user.has_perm("comptes.add_quotientfamilial") or request.user.has_perm(
            "comptes.change_quotientfamilial"
        ):
            return lecture
        return [*lecture, *self.CHAMPS_TARIF]

    fieldsets = (
        (None, {"fields": ("nom",)}),
        (
            "Adresse du foyer",
            {"fields": ("adresse", "complement_adresse", ("code_postal", "ville"))},
        ),
        (
            "Allocations familiales",
            {
                "fields": (
                    ("regime", "numero_allocataire"),
                    ("nombre_enfants_a_charge", "nombre_enfants_handicapes"),
                    "hors_commune",
                )
            },
        ),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _nb_responsables=Count("responsables", distinct=True),
                _nb_enfants=Count("rattachements", distinct=True),
            )
        )

    @admin.display(description="responsables", ordering="_nb_responsables")
    def nb_responsables(self, obj):
        return obj._nb_responsables

    @admin.display(description="enfants", ordering="_nb_enfants")
    def nb_enfants(self, obj):
        return obj._nb_enfants


@admin.register(Responsable)
class ResponsableAdmin(AuditAdmin):
    form = ResponsableAdminForm
    list_display = ["nom", "prenom", "email", "famille", "telephone_mobile", "compte_active"]
    list_select_related = ["user", "famille"]
    search_fields = ["nom", "prenom", "user__email", "famille__nom"]
    autocomplete_fields = ["famille"]
    actions = [inviter_responsables]
    fieldsets = (
        (None, {"fields": ("famille", ("email", "mot_de_passe"), ("civilite", "prenom", "nom"))}),
        ("Adresse", {"fields": ("adresse", "complement_adresse", ("code_postal", "ville"))}),
        ("Téléphones", {"fields": (("telephone_mobile", "telephone_fixe", "telephone_travail"),)}),
        ("Profession", {"fields": (("profession", "employeur"),)}),
    )

    @admin.display(description="e-mail", ordering="user__email")
    def email(self, obj):
        return obj.user.email

    @admin.display(description="mot de passe choisi", boolean=True)
    def compte_active(self, obj):
        return obj.user.has_usable_password()


class PersonneAutoriseeInline(admin.TabularInline):
    model = PersonneAutorisee
    extra = 0


class RattachementEnfantInline(admin.TabularInline):
    model = Rattachement
    form = RattachementAdminForm
    formset = RattachementsEnfantFormSet
    extra = 0
    max_num = second_foyer.MAX_FOYERS
    autocomplete_fields = ["famille"]
    verbose_name_plural = "foyers de rattachement"


class FicheSanitaireInline(admin.StackedInline):
    model = FicheSanitaire
    extra = 0
    can_delete = False
    readonly_fields = ["saison_confirmee", "confirmee_le", "confirmee_par"]
    verbose_name_plural = "fiche sanitaire de liaison (complétée et certifiée par la famille)"


class VaccinationInline(admin.TabularInline):
    model = Vaccination
    extra = 0


class AutorisationInline(admin.TabularInline):
    """Given by the family (dated, revocable): staff read them, the rows are history."""

    model = Autorisation
    extra = 0
    can_delete = False
    fields = ["type", "accordee", "heure", "donnee_par", "donnee_le", "revoquee_le"]
    readonly_fields = fields
    verbose_name_plural = "autorisations données par la famille"

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("type", "donnee_par")


@admin.register(Enfant)
class EnfantAdmin(AuditAdmin):
    def historiques_lies(self, obj):
        return [
            ("Personnes autorisées", PersonneAutorisee.history.filter(enfant_id=obj.pk)),
            ("Foyers", Rattachement.history.filter(enfant_id=obj.pk)),
            ("Fiche sanitaire", FicheSanitaire.history.filter(enfant_id=obj.pk)),
            ("Vaccinations", Vaccination.history.filter(enfant_id=obj.pk)),
            ("Autorisations", Autorisation.history.filter(enfant_id=obj.pk)),
        ]

    list_display = [
        "nom",
        "prenom",
        "date_naissance",
        "ecole",
        "classe",
        "pai",
        "allergique",
        "regime_alimentaire",
    ]
    list_filter = ["classe", "pai", "regime_alimentaire", "ecole"]
    list_select_related = ["regime_alimentaire"]
    search_fields = ["nom", "prenom", "rattachements__famille__nom"]
    inlines = [
        RattachementEnfantInline,
        PersonneAutoriseeInline,
        FicheSanitaireInline,
        VaccinationInline,
        AutorisationInline,
    ]
    date_hierarchy = "date_naissance"
    actions = ["rattacher_second_foyer"]

    @admin.display(description="allergies", boolean=True)
    def allergique(self, obj):
        return bool(obj.allergies)

    def get_urls(self):
        return [
            path(
                "<int:pk>/second-foyer/",
                self.admin_site.admin_view(self.second_foyer_view),
                name="familles_enfant_second_foyer",
            ),
            *super().get_urls(),
        ]

    def second_foyer_view(self, request, pk):
        # Changes the child's links and may create a household: both rights needed.
        if not (
            self.has_change_permission(request) and request.user.has_perm("familles.add_famille")
        ):
            raise PermissionDenied
        enfant = self._objet(request, str(pk))
        return rattacher_second_foyer_view(self, request, enfant)

    @admin.action(
        description="Rattacher à un second foyer (garde alternée)", permissions=["change"]
    )
    def rattacher_second_foyer(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request,
                "Choisissez un seul enfant à rattacher à un second foyer.",
                messages.WARNING,
            )
            return None
        return redirect("admin:familles_enfant_second_foyer", queryset.get().pk)


# --- Pièces justificatives -------------------------------------------------------------


class TypeDocumentAdminForm(forms.ModelForm):
    """The activities that require a type are stored on the activity (inscriptions
    depends on familles): edited here too, through the reverse relation."""

    activites = forms.ModelMultipleChoiceField(
        label="activités qui l'exigent",
        queryset=TypeDocument._meta.get_field("activites").related_model.objects.select_related(
            "site", "periode"
        ),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text="Une inscription à l'une de ces activités avertit la famille s'il manque. "
        "Maintenez Ctrl (ou Cmd) pour en choisir plusieurs.",
    )

    class Meta:
        model = TypeDocument
        fields = [
            "nom",
            "description",
            "portee",
            "validite",
            "duree_mois",
            "valide_jusqu_au",
            "actif",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["activites"].initial = self.instance.activites.all()

    def clean(self):
        cleaned = super().clean()
        validite = cleaned.get("validite")
        if validite == TypeDocument.Validite.MOIS and not cleaned.get("duree_mois"):
            self.add_error("duree_mois", "Indiquez la durée de validité en mois.")
        if validite == TypeDocument.Validite.DATE and not cleaned.get("valide_jusqu_au"):
            self.add_error("valide_jusqu_au", "Indiquez la date jusqu'à laquelle le document vaut.")
        return cleaned


@admin.register(TypeDocument)
class TypeDocumentAdmin(AuditAdmin):
    form = TypeDocumentAdminForm
    list_display = ["nom", "portee", "validite", "actif"]
    list_filter = ["actif", "portee"]
    search_fields = ["nom"]
    fields = [*TypeDocumentAdminForm.Meta.fields, "activites"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.activites.set(form.cleaned_data["activites"])


@admin.register(Document)
class DocumentAdmin(AuditAdmin):
    """Documents are accepted or refused through their Demande ("Demandes à traiter"):
    staff open the file there first. This list is for finding and reading them."""

    list_display = [
        "depose_le",
        "type",
        "enfant",
        "famille",
        "statut",
        "valide_jusqu_au",
        "fichier_lien",
        "demande_lien",
    ]
    list_filter = ["statut", "type"]
    list_select_related = ["type", "enfant", "famille", "demande"]
    search_fields = ["famille__nom", "enfant__nom", "enfant__prenom", "type__nom"]
    date_hierarchy = "depose_le"
    fields = [
        "type",
        "famille",
        "enfant",
        "fichier_lien",
        "statut",
        "valide_jusqu_au",
        "depose_le",
        "depose_par",
        "consulte_le",
        "consulte_par",
        "rappel_envoye_le",
        "demande_lien",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="fichier")
    def fichier_lien(self, obj):
        if not obj.fichier:
            return "—"
        return format_html(
            '<a href="{}">Ouvrir le document</a>', reverse("document_fichier", args=[obj.pk])
        )

    @admin.display(description="demande")
    def demande_lien(self, obj):
        if obj.demande_id is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:portail_demande_change", args=[obj.demande_id]),
            "Accepter ou refuser" if obj.statut == Document.Statut.EN_ATTENTE else "Voir",
        )


@admin.register(TypeAutorisation)
class TypeAutorisationAdmin(AuditAdmin):
    list_display = ["nom", "avec_heure", "ordre", "active"]
    list_editable = ["ordre", "active"]
    list_filter = ["active"]

    def has_delete_permission(self, request, obj=None):
        # Answers refer to it: retire it ("proposée aux familles") instead.
        return False


@admin.register(RegimeAlimentaire)
class RegimeAlimentaireAdmin(AuditAdmin):
    list_display = ["nom", "ordre", "actif"]
    list_editable = ["ordre", "actif"]
    list_filter = ["actif"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InvitationSecondFoyer)
class InvitationSecondFoyerAdmin(AuditAdmin):
    """Invitations of the other parent (garde alternée), to answer a family's question:
    read only; the link's token is never shown (only its hash is stored)."""

    list_display = ["cree_le", "enfant", "famille", "email", "etat", "demande"]
    list_select_related = ["enfant", "famille", "demande"]
    search_fields = ["enfant__nom", "enfant__prenom", "famille__nom", "email"]
    date_hierarchy = "cree_le"
    fields = [
        "enfant",
        "famille",
        "invite_par",
        "email",
        "garde",
        "semaines",
        "jours",
        "cree_le",
        "expire_le",
        "utilisee_le",
        "annulee_le",
        "demande",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="état")
    def etat(self, obj):
        if obj.utilisee_le:
            return "Utilisée (demande envoyée)"
        if obj.annulee_le:
            return "Annulée"
        return "En cours" if obj.est_ouverte() else "Expirée"
