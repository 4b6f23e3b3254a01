"""The admin's "Historique" page, from the audit trail (django-simple-history).

Every audited ModelAdmin inherits `AuditAdmin`: its history page lists who changed what
and when (the field-by-field differences), a job's changes say which job made them.
Old versions can be read, never restored from there: a restore would bypass the
services' rules (and simple-history saves a POSTed old version even with its "revert"
button hidden), and a staff member sees the history only of objects their own list shows.
"""

from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats
from simple_history.admin import SimpleHistoryAdmin

LIGNES_LIEES = 50


def _changements(record, precedent) -> list[dict]:
    if precedent is None or record.history_type != "~":
        return []
    opts = record.instance_type._meta
    resultat = []
    for change in record.diff_against(precedent).changes:
        try:
            nom = opts.get_field(change.field).verbose_name
        except FieldDoesNotExist:
            nom = change.field
        resultat.append({"field": nom, "old": change.old, "new": change.new})
    return resultat


def _lignes_liees(historique) -> list[dict]:
    """The newest rows with what each changed: each row is compared with the previous
    version of the same object in the list read (one query, not one per row)."""
    rangees = list(
        historique.select_related("history_user").order_by("-history_date", "-history_id")[
            :LIGNES_LIEES
        ]
    )
    lignes = []
    for i, record in enumerate(rangees):
        cle = record.instance_type._meta.pk.attname
        precedent = next(
            (r for r in rangees[i + 1 :] if getattr(r, cle) == getattr(record, cle)), None
        )
        lignes.append({"record": record, "changements": _changements(record, precedent)})
    return lignes


class AuditAdmin(SimpleHistoryAdmin):
    # The base of the project's admin pages: amounts are typed the French way ("12,50").
    formfield_overrides = {models.DecimalField: {"localize": True}}

    def historiques_lies(self, obj) -> list[tuple[str, object]]:
        """What staff edit on this page through inlines: (title, historical rows)."""
        return []

    def valeurs_masquees(self, request, version) -> set[str]:
        """Fields of an old version this user may not read (shown as such)."""
        return set()

    def _objet(self, request, object_id):
        # Same rows as the change list (a site's direction sees its own sites only); a
        # malformed or foreign id is a 404, as on the change page.
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        return obj

    def history_view(self, request, object_id, extra_context=None):
        obj = self._objet(request, object_id)
        lies = [
            {"titre": titre, "lignes": _lignes_liees(historique)}
            for titre, historique in self.historiques_lies(obj)
        ]
        contexte = {"historiques_lies": lies, "title": f"Historique : {obj}"}
        return super().history_view(request, object_id, {**contexte, **(extra_context or {})})

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """An old version as a read-only list of its values (never a form to save)."""
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        obj = self._objet(request, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        version = get_object_or_404(
            self.model.history.model, history_id=version_id, **{self.model._meta.pk.attname: obj.pk}
        )
        valeurs = []
        masquees = self.valeurs_masquees(request, version)
        for champ in self.model._meta.concrete_fields:
            if not hasattr(version, champ.attname):
                continue  # excluded from the history (a password, a stored PDF)
            if champ.name in masquees:
                valeur = "(masqué pour votre rôle)"
            elif champ.choices:
                valeur = dict(champ.flatchoices).get(getattr(version, champ.attname), "")
            else:
                valeur = getattr(version, champ.attname)
            valeurs.append((champ.verbose_name, valeur))
        opts = self.model._meta
        contexte = {
            **self.admin_site.each_context(request),
            "title": f"Version du {formats.date_format(version.history_date, 'DATETIME_FORMAT')}",
            "opts": opts,
            "original": obj,
            "version": version,
            "valeurs": valeurs,
            "history_url": reverse(
                f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk]
            ),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "simple_history/version.html", contexte)
