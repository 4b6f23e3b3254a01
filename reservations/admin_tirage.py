"""Admin of the openings by lottery: set on the activity (inline), shown and checked here."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from comptes.mots import nombre
from inscriptions import admin as inscriptions_admin
from reservations import tirage
from reservations.models import Reservation, Tirage


class TirageForm(forms.ModelForm):
    class Meta:
        model = Tirage
        fields = ["premier_jour", "dernier_jour", "ouverture", "cloture"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.instance.tire_le is not None and self.has_changed():
            raise forms.ValidationError("Ce tirage a eu lieu : il ne peut plus être modifié.")
        if _demandes_ouvertes(self.instance) and {
            "premier_jour",
            "dernier_jour",
            "ouverture",
        } & set(self.changed_data):
            # Requests already recorded must stay inside the lottery that will draw them.
            raise forms.ValidationError(
                "Les demandes sont ouvertes : seule la date du tirage peut encore changer."
            )
        premier, cloture = cleaned.get("premier_jour"), cleaned.get("cloture")
        if premier and cloture and timezone.localdate(cloture) >= premier:
            self.add_error("cloture", "Le tirage doit avoir lieu avant le premier jour concerné.")
        return cleaned


def _demandes_ouvertes(ouverture: Tirage) -> bool:
    """Saved, not drawn, and families may already have asked (its window has opened)."""
    return (
        ouverture.pk is not None
        and ouverture.tire_le is None
        and Tirage.objects.filter(pk=ouverture.pk, ouverture__lte=timezone.now()).exists()
    )


class TiragesFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        periodes = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            if form in self.deleted_forms:
                if form.instance.pk and form.instance.tire_le is not None:
                    raise forms.ValidationError(
                        "Un tirage qui a eu lieu ne peut pas être supprimé (il en garde la trace)."
                    )
                if _demandes_ouvertes(form.instance):
                    raise forms.ValidationError(
                        "Les demandes de ce tirage sont ouvertes : il ne peut plus être supprimé."
                    )
                continue
            d = form.cleaned_data
            if d.get("premier_jour") and d.get("dernier_jour"):
                periodes.append((d["premier_jour"], d["dernier_jour"]))
        periodes.sort()
        for (_, fin), (debut, _) in zip(periodes, periodes[1:], strict=False):
            if debut <= fin:
                raise forms.ValidationError(
                    "Deux ouvertures par tirage au sort ne peuvent pas porter sur les mêmes jours."
                )

    def save(self, commit=True):
        enregistres = super().save(commit)
        for ouverture in enregistres:
            tirage.programmer(ouverture)
        return enregistres


class TirageInline(admin.TabularInline):
    model = Tirage
    form = TirageForm
    formset = TiragesFormSet
    extra = 0
    verbose_name_plural = (
        "ouvertures par tirage au sort (si le mode d'ouverture est « tirage au sort »)"
    )
    fields = ["premier_jour", "dernier_jour", "ouverture", "cloture", "resultat"]
    readonly_fields = ["resultat"]

    @admin.display(description="tirage")
    def resultat(self, obj):
        if obj.pk is None:
            return ""
        lien = reverse("admin:reservations_tirage_change", args=[obj.pk])
        if obj.tire_le is None:
            return format_html('<a href="{}">à venir</a>', lien)
        return format_html(
            '<a href="{}">tiré le {}</a>',
            lien,
            timezone.localtime(obj.tire_le).strftime("%d/%m %H:%M"),
        )


@admin.action(
    description="Tirer au sort maintenant les ouvertures closes sélectionnées",
    permissions=["tirer"],
)
def tirer_maintenant(modeladmin, request, queryset):
    """For a lost task: the worker normally draws at the close. A draw rewrites a whole
    opening's bookings: the worker does it, never the staff member's request."""
    from comptes.tasks import apres_commit
    from reservations.tasks import tirer_au_sort

    dus = [t for t in queryset if t.tire_le is None and t.cloture <= timezone.now()]
    for ouverture in dus:
        apres_commit(tirer_au_sort, ouverture.pk)
    modeladmin.message_user(
        request,
        nombre(len(dus), "tirage confié", "tirages confiés")
        + " au worker : les résultats arrivent dans une minute.",
        messages.SUCCESS,
    )
    if len(dus) < queryset.count():
        modeladmin.message_user(
            request,
            nombre(queryset.count() - len(dus), "ouverture ignorée", "ouvertures ignorées")
            + " : déjà tirées ou demandes pas encore closes.",
            messages.WARNING,
        )


@admin.register(Tirage)
class TirageAdmin(inscriptions_admin.LimiteAuxSites, admin.ModelAdmin):
    list_display = ["activite", "premier_jour", "dernier_jour", "cloture", "tire_le", "nb_familles"]
    list_filter = ["activite__periode", ("activite__site", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["activite"]
    actions = [tirer_maintenant]
    fields = [
        "activite",
        "premier_jour",
        "dernier_jour",
        "ouverture",
        "cloture",
        "tire_le",
        "tire_par",
        "tache",
        "graine",
        "ordre_tire",
        "verification",
        "resultats_du_tirage",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # set on the activity, beside its booking rules

    def has_change_permission(self, request, obj=None):
        return False  # the record of a draw is never edited

    def has_delete_permission(self, request, obj=None):
        return False  # nor deleted (the activity's page removes one not yet open)

    def has_tirer_permission(self, request):
        return request.user.has_perm("reservations.change_tirage")

    @admin.display(description="familles")
    def nb_familles(self, obj):
        return len(obj.participants) if obj.tire_le else "—"

    @admin.display(description="ordre tiré (familles)")
    def ordre_tire(self, obj):
        if obj.tire_le is None:
            return "—"
        noms = _noms_des_familles(obj.ordre)
        return ", ".join(f"{rang}. {noms.get(f, f)}" for rang, f in enumerate(obj.ordre, 1)) or "—"

    @admin.display(description="vérifier")
    def verification(self, obj):
        if obj.tire_le is None:
            return "—"
        return format_html(
            '<a href="{}">Refaire le tirage à partir de la graine (sans rien modifier)</a>',
            reverse("admin:reservations_tirage_verifier", args=[obj.pk]),
        )

    @admin.display(description="résultats")
    def resultats_du_tirage(self, obj):
        if obj.tire_le is None:
            return "—"
        lignes = _lignes_lisibles(obj, (obj.resultats or {}).get("lignes", []))
        return format_html(
            "<table><thead><tr><th>Jour</th><th>Enfant</th><th>Famille</th><th>Décision</th>"
            "<th>Aujourd'hui</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (x["date"], x["enfant"], x["famille"], x["decision"], x["actuel"])
                    for x in lignes
                ),
            ),
        )

    def get_urls(self):
        vue = self.admin_site.admin_view
        return [
            path("<int:pk>/verifier/", vue(self.verifier), name="reservations_tirage_verifier"),
            *super().get_urls(),
        ]

    def verifier(self, request, pk):
        """Re-run the draw from its seed and recorded inputs: read-only."""
        ouverture = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_permission(request, ouverture) or ouverture.tire_le is None:
            return TemplateResponse(
                request,
                "admin/reservations/tirage_verifier.html",
                {**self.admin_site.each_context(request), "tirage": ouverture, "pas_tire": True},
            )
        verification = tirage.verifier(ouverture)
        noms = _noms_des_familles(verification["ordre"])
        return TemplateResponse(
            request,
            "admin/reservations/tirage_verifier.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Vérifier le tirage — {ouverture}",
                "tirage": ouverture,
                "verification": verification,
                "ordre": [noms.get(f, f) for f in verification["ordre"]],
                "lignes": _lignes_lisibles(ouverture, verification["lignes"]),
            },
        )


def _noms_des_familles(ids) -> dict:
    from familles.models import Famille

    return dict(Famille.objects.filter(pk__in=ids).values_list("pk", "nom"))


def _lignes_lisibles(ouverture: Tirage, lignes: list[dict]) -> list[dict]:
    """The draw's lines with names and today's state (two queries)."""
    reservations = {
        r.pk: r
        for r in Reservation.objects.filter(pk__in=[ligne["reservation"] for ligne in lignes])
        .select_related("enfant", "inscription__famille")
        .only(
            "etat",
            "rang_attente",
            "enfant__prenom",
            "enfant__nom",
            "inscription__famille__nom",
        )
    }
    decisions = {
        tirage.PLACE: "place",
        tirage.ATTENTE: "liste d'attente",
        tirage.FERME: "jour fermé : annulée",
    }
    lisibles = []
    for ligne in lignes:
        r = reservations.get(ligne["reservation"])
        decision = decisions[ligne["issue"]]
        if ligne["rang"]:
            decision += f", rang {ligne['rang']}"
        actuel = "—"
        if r is not None:
            actuel = r.get_etat_display()
            if r.rang_attente:
                actuel += f", rang {r.rang_attente}"
        lisibles.append(
            {
                "date": ligne["date"],
                "enfant": f"{r.enfant.prenom} {r.enfant.nom}" if r else ligne["enfant"],
                "famille": r.inscription.famille.nom if r else ligne["famille"],
                "decision": decision,
                "actuel": actuel,
            }
        )
    return lisibles
