"""Small helpers shared by the admin modules."""

from django.contrib import admin
from django.http import HttpRequest

from comptes import mots


def action_sur_lignes_choisies(request: HttpRequest) -> bool:
    """An admin action posted on explicitly ticked rows (not "select all").

    Default list filters ("à traiter") must not hide a row another agent has
    just processed: the service should say "déjà traitée" instead of Django's
    "aucun élément sélectionné". With "select all", the filter must stay.
    """
    return "action" in request.POST and request.POST.get("select_across") != "1"


class FiltreStatutATraiter(admin.SimpleListFilter):
    """A status filter that opens on what is left to do ("à traiter"), with "Toutes".

    Subclasses give `statuts` (the model's choices), `a_traiter` (the statuses left
    to do) and `libelle_a_traiter`.
    """

    title = "statut"
    parameter_name = "statut"
    A_TRAITER = "a_traiter"
    TOUTES = "toutes"
    statuts: list[tuple[str, str]] = []
    a_traiter: list[str] = []
    libelle_a_traiter = "À traiter"

    def lookups(self, request, model_admin):
        return [(self.A_TRAITER, self.libelle_a_traiter), *self.statuts, (self.TOUTES, "Toutes")]

    def value(self):
        return super().value() or self.A_TRAITER

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == self.TOUTES or action_sur_lignes_choisies(request):
            return queryset
        if self.value() == self.A_TRAITER:
            return queryset.filter(statut__in=self.a_traiter)
        return queryset.filter(statut=self.value())


def traiter_une_a_une(modeladmin, request, ids, traiter, bilan: str | tuple[str, str]) -> None:
    """Run a service on each selected row in its own transaction: a row another agent has
    just processed is reported (its French message) without blocking the others.
    `bilan` is the success message, with {n} for the count (or its singular and plural)."""
    from django.contrib import messages

    from comptes.errors import DomainError

    faites, erreurs = 0, []
    for pk in ids:
        try:
            traiter(pk)
        except DomainError as exc:
            erreurs.append(exc.message)
        else:
            faites += 1
    if faites:
        if isinstance(bilan, tuple):  # (singular, plural), each with {n}
            bilan = mots.selon(faites, *bilan)
        modeladmin.message_user(request, bilan.format(n=faites), messages.SUCCESS)
    for erreur in erreurs:
        modeladmin.message_user(request, erreur, messages.WARNING)


def colonne_euros(champ: str, libelle: str):
    """An amount field as a list column or read-only field, through the one formatter
    ("18,90 €"), still sortable by the field."""
    from comptes.formats import euros

    @admin.display(description=libelle, ordering=champ)
    def colonne(obj):
        return euros(getattr(obj, champ)) or None  # None: the admin's "-" for no value

    colonne.__name__ = f"{champ}_en_euros"
    return colonne


class MontantsEnLectureMixin:
    """Records staff may only view once saved (payments, quotients) show their amounts
    through the one formatter too, not as Django's bare read-only number.
    `montants_en_euros` maps field names to labels."""

    montants_en_euros: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._en_euros = {c: colonne_euros(c, li) for c, li in self.montants_en_euros.items()}

    def get_fields(self, request, obj=None):
        champs = super().get_fields(request, obj)
        if obj is None:  # the add form keeps its input
            return champs
        return [self._en_euros.get(champ, champ) for champ in champs]
