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


def _changements(record) -> list[dict]:
    precedent = record.prev_record
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


class AuditAdmin(SimpleHistoryAdmin):
    # The base of the project's admin pages: amounts are typed the French way ("12,50").
    formfield_overrides = {models.DecimalField: {"localize": True}}

    def historiques_lies(self, obj) -> list[tuple[str, object]]:
        """What staff edit on this page through inlines: (title, historical rows)."""
        return []

    def _verifier_acces(self, request, object_id) -> None:
        # Same rows as the change list (a site's direction sees its own sites only).
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._verifier_acces(request, object_id)
        obj = self.get_queryset(request).get(pk=unquote(object_id))
        lies = [
            {
                "titre": titre,
                "lignes": [
                    {"record": r, "changements": _changements(r)}
                    for r in historique.select_related("history_user").order_by("-history_date")[
                        :LIGNES_LIEES
                    ]
                ],
            }
            for titre, historique in self.historiques_lies(obj)
        ]
        contexte = {"historiques_lies": lies, "title": f"Historique : {obj}"}
        return super().history_view(request, object_id, {**contexte, **(extra_context or {})})

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """An old version as a read-only list of its values (never a form to save)."""
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        self._verifier_acces(request, object_id)
        obj = self.get_queryset(request).get(pk=unquote(object_id))
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        version = get_object_or_404(
            self.model.history.model, history_id=version_id, **{self.model._meta.pk.attname: obj.pk}
        )
        valeurs = []
        for champ in self.model._meta.concrete_fields:
            if not hasattr(version, champ.attname):
                continue  # excluded from the history (a password, a stored PDF)
            if champ.choices:
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
