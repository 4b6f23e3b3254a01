from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from comptes.admin_historique import AuditAdmin
from comptes.admin_utils import FiltreStatutATraiter, traiter_une_a_une
from comptes.errors import DomainError
from comptes.forms import JetonMixin
from comptes.services import jetons
from familles.models import Responsable
from portail import messagerie, services
from portail.models import (
    Actualite,
    Demande,
    Diffusion,
    Discussion,
    InformationsCommune,
    Message,
)


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
            {
                "fields": [
                    "service",
                    "adresse",
                    "telephone",
                    "courriel",
                    "horaires",
                    "informations_contact",
                ]
            },
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


# --- Messages des familles, messages à plusieurs familles, actualités -----------------


class ReponseServiceForm(JetonMixin, forms.Form):
    texte = forms.CharField(
        label="Votre réponse (la famille est prévenue par e-mail, sans le texte)",
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        max_length=messagerie.LONGUEUR_MAX_TEXTE,
        error_messages={"required": "Écrivez la réponse avant de l'envoyer."},
    )
    piece_jointe = forms.FileField(
        label="Pièce jointe (facultatif : PDF, JPEG ou PNG, 5 Mo au plus)", required=False
    )


class FiltreALire(admin.SimpleListFilter):
    """Staff land on the threads with a family's message nobody has read yet."""

    title = "état"
    parameter_name = "etat"

    def lookups(self, request, model_admin):
        return [("a_lire", "À lire"), ("lus", "Lus"), ("tous", "Tous")]

    def value(self):
        return super().value() or "a_lire"

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == "a_lire":
            return queryset.filter(non_lu_service=True)
        if self.value() == "lus":
            return queryset.filter(non_lu_service=False)
        return queryset


@admin.register(Discussion)
class DiscussionAdmin(AuditAdmin):
    list_display = ["dernier_message_le", "objet", "famille", "categorie", "etat"]
    list_display_links = ["objet"]
    list_filter = [FiltreALire, "categorie", "dernier_message_le"]
    list_select_related = ["famille"]
    search_fields = ["objet", "famille__nom"]
    date_hierarchy = "dernier_message_le"
    list_per_page = 50
    fields = ["famille", "objet", "categorie", "cree_le", "dernier_message_le", "diffusion"]
    readonly_fields = fields
    change_form_template = "admin/portail/discussion/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def historiques_lies(self, obj):
        return [("Messages", Message.history.filter(discussion_id=obj.pk))]

    def get_urls(self):
        urls = [
            path(
                "<int:pk>/repondre/",
                self.admin_site.admin_view(self.repondre_view),
                name="portail_discussion_repondre",
            ),
        ]
        return urls + super().get_urls()

    def _peut_repondre(self, request) -> bool:
        return request.user.has_perm("portail.add_message")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        discussion = self.get_object(request, object_id)
        contexte = {}
        if discussion is not None:
            if self._peut_repondre(request):
                # Read by the service once an agent who may answer has opened it.
                messagerie.marquer_lu_par_le_service(discussion)
            contexte = {
                "fil_messages": Message.objects.filter(discussion=discussion)
                .select_related("auteur")
                .prefetch_related("pieces_jointes"),
                "reponse_form": ReponseServiceForm(),
                "peut_repondre": self._peut_repondre(request),
            }
        return super().change_view(
            request, object_id, form_url, {**contexte, **(extra_context or {})}
        )

    def changelist_view(self, request, extra_context=None):
        a_lire = messagerie.nb_non_lus_service()
        titre = f"Messages des familles — {a_lire} à lire" if a_lire else "Messages des familles"
        return super().changelist_view(request, {"title": titre, **(extra_context or {})})

    def repondre_view(self, request, pk):
        return require_POST(self._repondre)(request, pk)

    def _repondre(self, request, pk):
        discussion = get_object_or_404(Discussion, pk=pk)
        retour = redirect(reverse("admin:portail_discussion_change", args=[pk]))
        if not self._peut_repondre(request):
            return redirect("admin:index")
        form = ReponseServiceForm(request.POST, request.FILES)
        if not form.is_valid():
            for erreurs in form.errors.values():
                self.message_user(request, erreurs[0], messages.ERROR)
            return retour
        piece = form.cleaned_data["piece_jointe"]
        try:
            jetons.une_seule_fois(
                request.user,
                form.cleaned_data["jeton"],
                "reponse_service",
                lambda: messagerie.repondre_service(
                    discussion, request.user, form.cleaned_data["texte"], [piece] if piece else []
                ),
            )
        except jetons.DoubleEnvoi as exc:
            self.message_user(request, exc.message, messages.INFO)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(
                request, "Réponse envoyée ; la famille est prévenue par e-mail.", messages.SUCCESS
            )
        return retour

    @admin.display(description="état", ordering="non_lu_service")
    def etat(self, obj):
        # Text, not a colour: "À lire" is what staff look for.
        return format_html("<strong>{}</strong>", "À lire") if obj.non_lu_service else "Lu"


class DiffusionForm(JetonMixin, forms.ModelForm):
    class Meta:
        model = Diffusion
        fields = ["objet", "texte", "activite", "site", "jour"]

    def clean(self):
        cleaned = super().clean()
        activite, site, jour = (cleaned.get(c) for c in ("activite", "site", "jour"))
        if not (activite or site or jour):
            raise forms.ValidationError(
                "Choisissez une activité, un site ou un jour : le message part à leurs familles."
            )
        if not self.errors and not messagerie.familles_ciblees(activite, site, jour):
            raise forms.ValidationError(
                "Aucune famille ne correspond à ce choix : le message n'est pas envoyé."
            )
        return cleaned


@admin.register(Diffusion)
class DiffusionAdmin(AuditAdmin):
    """A message to every household of an activity, a site or a day: sent on save, then
    read-only (each household has its own copy in its messages)."""

    form = DiffusionForm
    list_display = ["envoyee_le", "objet", "cible", "nb_familles", "envoyee_par"]
    list_display_links = ["objet"]
    list_select_related = ["activite", "site", "envoyee_par"]
    search_fields = ["objet"]
    date_hierarchy = "envoyee_le"

    LECTURE = ["objet", "texte", "activite", "site", "jour", "envoyee_le", "envoyee_par"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else [*self.LECTURE, "nb_familles"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return super().get_fields(request, obj)  # the form's fields and its token
        return self.get_readonly_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def log_addition(self, request, obj, message):
        if not getattr(request, "diffusion_deja_envoyee", False):
            super().log_addition(request, obj, message)

    def save_model(self, request, obj, form, change):
        try:
            diffusion = jetons.une_seule_fois(
                request.user,
                form.cleaned_data["jeton"],
                "diffusion",
                lambda: messagerie.diffuser(obj, request.user),
            )
        except jetons.DoubleEnvoi as exc:
            request.diffusion_deja_envoyee = True
            obj.pk = exc.objet_id
            return
        except DomainError as exc:  # the families changed since the form was checked
            raise PermissionDenied(exc.message) from None
        self.message_user(
            request,
            ngettext(
                "Message envoyé à %(n)d famille, prévenue par e-mail.",
                "Message envoyé à %(n)d familles, prévenues par e-mail.",
                diffusion.nb_familles,
            )
            % {"n": diffusion.nb_familles},
            messages.SUCCESS,
        )

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(request, "diffusion_deja_envoyee", False):
            self.message_user(request, jetons.DEJA_ENREGISTREE, messages.INFO)
        return redirect(reverse("admin:portail_diffusion_changelist"))

    @admin.display(description="destinataires")
    def cible(self, obj):
        parties = []
        if obj.activite_id:
            parties.append(obj.activite.nom)
        if obj.site_id:
            parties.append(obj.site.nom)
        if obj.jour:
            parties.append(f"le {obj.jour:%d/%m/%Y}")
        return " — ".join(parties)


@admin.register(Actualite)
class ActualiteAdmin(AuditAdmin):
    list_display = ["titre", "debut", "fin", "pour", "en_ligne"]
    list_select_related = ["site", "activite"]
    list_filter = ["debut"]
    search_fields = ["titre"]
    fields = ["titre", "texte", "debut", "fin", "site", "activite"]

    @admin.display(description="pour")
    def pour(self, obj):
        if obj.site_id:
            return f"Site : {obj.site.nom}"
        if obj.activite_id:
            return f"Activité : {obj.activite.nom}"
        return "Tout le monde (page d'accueil)"

    @admin.display(description="en ligne", boolean=True)
    def en_ligne(self, obj):
        aujourd_hui = timezone.localdate()
        return obj.debut <= aujourd_hui and (obj.fin is None or obj.fin >= aujourd_hui)
