from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import BooleanField, Prefetch, Value
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.timezone import localtime
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from comptes.admin_historique import AuditAdmin
from comptes.admin_utils import (
    FiltreStatutATraiter,
    action_sur_lignes_choisies,
    traiter_une_a_une,
)
from comptes.errors import DomainError
from comptes.formats import euros
from comptes.forms import JetonMixin
from comptes.mots import nombre as nombre_de
from comptes.services import jetons
from familles import second_foyer
from familles.admin_second_foyer import PartageDemandeForm
from familles.models import Responsable
from inscriptions.models import Inscription
from portail import messagerie, services, tableau_gestion
from portail.models import (
    Actualite,
    Demande,
    Diffusion,
    Discussion,
    InformationsCommune,
    Message,
)
from reservations.models import Reservation


class StatutFilter(FiltreStatutATraiter):
    """Staff land on what is left to do: "en attente" unless they ask otherwise."""

    statuts = [c for c in Demande.Statut.choices if c[0] != Demande.Statut.EN_ATTENTE]
    a_traiter = [Demande.Statut.EN_ATTENTE]
    libelle_a_traiter = "En attente"

    def queryset(self, request, queryset):
        queryset = super().queryset(request, queryset)
        if self.value() == self.A_TRAITER and not action_sur_lignes_choisies(request):
            # One queue per job: enrolments are decided in "Inscriptions à traiter".
            queryset = queryset.exclude(type__in=tableau_gestion.TYPES_HORS_FILE_DEMANDES)
        return queryset


# Incomes (amounts, proofs) are for the roles that may read comptes.Revenu.
PERMISSION_REVENUS = "comptes.view_revenu"
# Income proofs change what a household pays: each is opened and its document checked.
A_OUVRIR_AVANT_D_ACCEPTER = {Demande.Type.REVENUS}


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
        (
            f"{{n}} demande {verbe} ; la famille est prévenue par e-mail.",
            f"{{n}} demandes {verbe}s ; les familles sont prévenues par e-mail.",
        ),
    )


@admin.action(description="Accepter les demandes sélectionnées", permissions=["change"])
def accepter(modeladmin, request, queryset):
    a_ouvrir = queryset.filter(type__in=A_OUVRIR_AVANT_D_ACCEPTER, statut=Demande.Statut.EN_ATTENTE)
    nombre = a_ouvrir.count()
    if nombre:
        modeladmin.message_user(
            request,
            nombre_de(
                nombre,
                "justificatif de revenus non accepté",
                "justificatifs de revenus non acceptés",
            )
            + " : ouvrez chaque demande pour "
            "vérifier le document, puis acceptez-la depuis sa page.",
            messages.WARNING,
        )
        queryset = queryset.exclude(type__in=A_OUVRIR_AVANT_D_ACCEPTER)
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
        "demandee_le",
        "ce_qui_est_demande",
        "piece",
        "famille",
        "statut_affiche",
        "traitee",
    ]
    list_display_links = ["ce_qui_est_demande"]
    list_filter = [StatutFilter, "type", "cree_le"]
    list_select_related = [
        "famille",
        "demandeur",
        "traitee_par",
        "document",
        "revenu",
        "absence",
        "invitation_second_foyer__famille",
        "invitation_second_foyer__enfant",
    ]
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
        "second_foyer",
        "piece",
        "cree_le",
        "traitee_le",
        "traitee_par",
        "reponse",
    ]
    readonly_fields = fields

    change_form_template = "admin/portail/demande/change_form.html"
    change_list_template = "admin/portail/demande/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        champs = super().get_fields(request, obj)
        if obj is None or obj.type != Demande.Type.RATTACHEMENT:
            return [c for c in champs if c != "second_foyer"]
        return champs

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

    def get_queryset(self, request):
        # The dates a booking request is about, in one query for the whole page.
        jours = Reservation.objects.only("pk", "date", "demande_id").order_by("date")
        # Whether this user may read incomes, on each row for `piece` (a constant in the
        # SQL, no query): the reception desk sees that a proof is there, not the amount.
        voit = request.user.has_perm(PERMISSION_REVENUS)
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("reservations", jours))
            .annotate(_voit_revenus=Value(voit, output_field=BooleanField()))
        )

    def valeurs_masquees(self, request, version) -> set[str]:
        # An old version's data of an income proof may hold the declared amount.
        if version.type == Demande.Type.REVENUS and not request.user.has_perm(PERMISSION_REVENUS):
            return {"donnees"}
        return set()

    def get_list_display(self, request):
        colonnes = list(self.list_display)
        if request.GET.get(StatutFilter.parameter_name, StatutFilter.A_TRAITER) == (
            StatutFilter.A_TRAITER
        ):
            # What is left to do is pending by definition: room for the decision instead.
            colonnes = [c for c in colonnes if c not in ("statut_affiche", "traitee")]
        if self.has_change_permission(request):
            colonnes.append(self._colonne_decision(request))
        return colonnes

    def _colonne_decision(self, request):
        """One click from the list: Accepter posts the list's own form (its CSRF token) to
        the request's accept URL; Refuser opens the small reason form. Income proofs are
        opened first (their document is on their page)."""
        retour = request.get_full_path()
        traitables = set(tableau_gestion.types_traitables(request.user))

        @admin.display(description="décision")
        def decision(obj):
            if not obj.est_en_attente:
                return "—"
            if obj.type not in tableau_gestion.TYPES_HORS_FILE_DEMANDES and (
                obj.type not in traitables
            ):
                # Decided by another role (an income proof: the Régisseur or Gestionnaire).
                return "décidée par un autre service"
            if obj.type in tableau_gestion.TYPES_HORS_FILE_DEMANDES and obj.inscription_id:
                return format_html(
                    '<a href="{}">Décider dans les inscriptions</a>',
                    reverse("admin:inscriptions_inscription_change", args=[obj.inscription_id]),
                )
            if obj.type in tableau_gestion.TYPES_HORS_FILE_DEMANDES:  # a réinscription
                return format_html(
                    '<a href="{}?demande_groupee__id__exact={}">Décider dans les inscriptions</a>',
                    reverse("admin:inscriptions_inscription_changelist"),
                    obj.pk,
                )
            refuser = "{}?{}".format(
                reverse("admin:portail_demande_refuser", args=[obj.pk]),
                urlencode({"suivant": retour}),
            )
            if obj.type in A_OUVRIR_AVANT_D_ACCEPTER:
                return format_html(
                    '<span class="decision"><a class="button" href="{}">Ouvrir pour vérifier'
                    '<span class="visually-hidden"> : {}</span></a> '
                    '<a class="button" href="{}">Refuser<span class="visually-hidden"> : {}</span>'
                    "</a></span>",
                    reverse("admin:portail_demande_change", args=[obj.pk]),
                    obj.objet,
                    refuser,
                    obj.objet,
                )
            return format_html(
                '<span class="decision"><button type="submit" class="button default" '
                'formaction="{}" name="suivant" value="{}">Accepter'
                '<span class="visually-hidden"> : {}</span></button> '
                '<a class="button" href="{}">Refuser<span class="visually-hidden"> : {}</span></a>'
                "</span>",
                reverse("admin:portail_demande_accepter", args=[obj.pk]),
                retour,
                obj.objet,
                refuser,
                obj.objet,
            )

        return decision

    @admin.display(description="demandée le", ordering="cree_le")
    def demandee_le(self, obj):
        return date_format(timezone.localtime(obj.cree_le), "d/m/Y H:i")

    @admin.display(description="ce qui est demandé", ordering="type")
    def ce_qui_est_demande(self, obj):
        dates = [r.date for r in obj.reservations.all()]
        invitation = getattr(obj, "invitation_second_foyer", None)
        if obj.type == Demande.Type.RATTACHEMENT and invitation is not None:
            # Both households' names (staff only): the child's other household invited.
            return format_html(
                "<strong>{}</strong><br>{}<br><small>Invité par : {} ; partage : {}</small>",
                obj.get_type_display(),
                obj.objet,
                invitation.famille,
                second_foyer.description(obj.donnees.get("partage") or {"garde": "libre"}),
            )
        if obj.type != Demande.Type.RESERVATION or not dates:
            return format_html("<strong>{}</strong><br>{}", obj.get_type_display(), obj.objet)
        return format_html(
            "<strong>{}</strong><br>{}<br><small>{} : {}</small>",
            obj.get_type_display(),
            obj.objet,
            "Date" if len(dates) == 1 else "Dates",
            ", ".join(date_format(d, "D d/m/Y") for d in dates[:12])
            + (f" et {nombre_de(len(dates) - 12, 'autre', 'autres')}" if len(dates) > 12 else ""),
        )

    @admin.display(description="traitée", ordering="traitee_le")
    def traitee(self, obj):
        if obj.traitee_le is None:
            return "—"
        quand = date_format(timezone.localtime(obj.traitee_le), "j M Y")
        return f"{quand} par {obj.traitee_par}" if obj.traitee_par_id else quand

    def _suivant(self, request, pk):
        """Back to the list the decision was taken from, or to the request's page."""
        suivant = request.POST.get("suivant") or request.GET.get("suivant") or ""
        if suivant.startswith(reverse("admin:portail_demande_changelist")) and (
            url_has_allowed_host_and_scheme(suivant, allowed_hosts={request.get_host()})
        ):
            return redirect(suivant)
        return self._retour(pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        demande = Demande.objects.filter(pk=object_id, type=Demande.Type.RATTACHEMENT).first()
        if demande is not None and demande.est_en_attente:
            extra_context = {
                "partage_form": PartageDemandeForm(demande=demande),
                **(extra_context or {}),
            }
        extra_context = {
            "a_ouvrir": A_OUVRIR_AVANT_D_ACCEPTER,
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
        return self._refuser_une(request, pk)

    def _accepter_une(self, request, pk):
        demande = get_object_or_404(Demande, pk=pk)
        if not self.has_change_permission(request, demande):
            return redirect("admin:index")
        if demande.type == Demande.Type.RATTACHEMENT and "garde" in request.POST:
            return self._accepter_rattachement(request, demande)
        if demande.type in A_OUVRIR_AVANT_D_ACCEPTER and not request.POST.get("verifie"):
            self.message_user(
                request,
                "Vérifiez le justificatif de revenus puis cochez « J'ai vérifié le "
                "justificatif » avant d'accepter.",
                messages.ERROR,
            )
            return self._retour(pk)
        _traiter(
            self,
            request,
            Demande.objects.filter(pk=pk),
            lambda i: services.accepter_demande(i, request.user),
            "acceptée",
        )
        return self._suivant(request, pk)

    def _accepter_rattachement(self, request, demande):
        """Accept a second household's link with the share as staff corrected it on the
        request's page: the share and the link are written together, or neither."""
        form = PartageDemandeForm(request.POST, demande=demande)
        if not form.is_valid():
            for erreurs in form.errors.values():
                for erreur in erreurs:
                    self.message_user(request, erreur, messages.ERROR)
            return self._retour(demande.pk)

        def accepter(i):
            with transaction.atomic():
                second_foyer.modifier_partage_demande(i, form.partage_nouveau, form.partage_premier)
                services.accepter_demande(i, request.user)

        _traiter(self, request, Demande.objects.filter(pk=demande.pk), accepter, "acceptée")
        return self._suivant(request, demande.pk)

    def _refuser_une(self, request, pk):
        demande = get_object_or_404(Demande.objects.select_related("famille"), pk=pk)
        if not self.has_change_permission(request, demande):
            return redirect("admin:index")
        form = MotifRefusForm(request.POST if request.method == "POST" else None)
        if not form.is_bound or not form.is_valid():
            # The small intermediate form of the list's "Refuser" (and its errors).
            return TemplateResponse(
                request,
                "admin/portail/demande/refuser_une.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Refuser la demande",
                    "demande": demande,
                    "form": form,
                    "suivant": request.POST.get("suivant") or request.GET.get("suivant", ""),
                    "opts": self.model._meta,
                },
            )
        motif = form.cleaned_data["motif"]
        _traiter(
            self,
            request,
            Demande.objects.filter(pk=pk),
            lambda i: services.refuser_demande(i, request.user, motif),
            "refusée",
        )
        return self._suivant(request, pk)

    def changelist_view(self, request, extra_context=None):
        inscriptions = 0
        if request.user.has_perm("inscriptions.change_inscription"):
            inscriptions = Inscription.objects.filter(
                statut__in=[Inscription.Statut.EN_ATTENTE, Inscription.Statut.PREINSCRIPTION]
            ).count()
        extra_context = {
            "title": "Demandes à traiter",
            "inscriptions_a_decider": inscriptions,
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description="statut", ordering="statut")
    def statut_affiche(self, obj):
        # Symbol + text, no colour: readable on the admin's light and dark themes.
        symboles = {"en_attente": "⏳", "acceptee": "✓", "refusee": "✗", "annulee": "⊘"}
        return format_html(
            "<strong>{} {}</strong>", symboles.get(obj.statut, ""), obj.get_statut_display()
        )

    @admin.display(description="pièce à vérifier")
    def piece(self, obj):
        """The file a request asks staff to check, opened here before it is accepted: a
        document (never accepted unseen, in bulk), an income proof or an absence's
        medical certificate."""
        if obj.type == Demande.Type.CERTIFICAT_ABSENCE:
            from reservations.admin import lien_certificat

            absence = getattr(obj, "absence", None)
            return lien_certificat(absence) if absence else "—"
        if obj.type == Demande.Type.REVENUS:
            revenu = getattr(obj, "revenu", None)
            if revenu is None or not revenu.justificatif:
                return "aucun document joint"
            if not getattr(obj, "_voit_revenus", False):
                # The proof and the amount are for the roles that may read incomes.
                return "justificatif joint (réservé aux agents qui voient les revenus)"
            return format_html(
                '<a href="{}">Ouvrir le justificatif</a> (revenus {} : {})',
                reverse("justificatif_revenus", args=[revenu.pk]),
                revenu.annee,
                euros(revenu.montant_annuel),
            )
        if obj.type != Demande.Type.DOCUMENT:
            return "—"
        document = getattr(obj, "document", None)
        if document is None or not document.fichier:
            return "—"
        vu = (
            f"ouvert le {date_format(localtime(document.consulte_le), 'j F Y H:i')}"
            if document.consulte_le
            else "à ouvrir avant de l'accepter"
        )
        # The state is in the link's text: a link alone in its cell (no colour-only cue).
        return format_html(
            '<a href="{}">Ouvrir le document ({})</a>',
            reverse("document_fichier", args=[document.pk]),
            vu,
        )

    @admin.display(description="rattachement demandé")
    def second_foyer(self, obj):
        if obj.type != Demande.Type.RATTACHEMENT:
            return "—"
        infos = second_foyer.infos_demande(obj)
        lignes = [
            ("Enfant", infos["enfant"] or "(n'existe plus)"),
            ("Foyer qui invite", infos["famille_invitante"] or "(n'existe plus)"),
            ("Partage proposé pour ce foyer", infos["description_invitant"]),
            ("Foyer qui demande", infos["famille_invitee"]),
            ("Partage proposé pour ce foyer", infos["description"]),
        ]
        return format_html(
            "<table>{}</table>",
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", lignes),
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


# --- the admin home: the service's dashboard (portail/tableau_gestion.py) ----------------
_index_django = admin.site.index


def tableau_de_bord(request, extra_context=None):
    return _index_django(request, {**tableau_gestion.contexte(request), **(extra_context or {})})


admin.site.index = tableau_de_bord
admin.site.index_template = "admin/tableau_de_bord.html"
# The queues need the width (a row, its request and its decision fit 1280 px): staff move
# between pages through this home and the breadcrumbs, not a sidebar on every page.
admin.site.enable_nav_sidebar = False


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
