import copy

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from comptes.services import jetons
from familles import services
from familles.decorators import responsable_required
from familles.forms import (
    CoordonneesForm,
    EnfantAjoutForm,
    EnfantForm,
    PersonnesAutoriseesFormSet,
)
from familles.models import Enfant, PersonneAutorisee, Responsable


def _get_enfant_for_user(request: HttpRequest, pk: int) -> Enfant:
    """A child of the parent's own household, or 404 (never 403: no confirmation)."""
    return get_object_or_404(Enfant.objects.for_user(request.user), pk=pk)


def _inscriptions_queryset():
    # The inscriptions app depends on this one, not the reverse: reach its model
    # through the reverse relation instead of importing it.
    Inscription = Enfant._meta.get_field("inscriptions").related_model
    return Inscription.objects.select_related("activite__site", "activite__periode")


@responsable_required
def ma_famille(request: HttpRequest) -> HttpResponse:
    famille = request.responsable.famille
    enfants = list(
        Enfant.objects.for_famille(famille).prefetch_related(
            Prefetch("personnes_autorisees", queryset=PersonneAutorisee.objects.order_by("pk")),
            Prefetch("inscriptions", queryset=_inscriptions_queryset()),
        )
    )
    aujourd_hui = timezone.localdate()
    for enfant in enfants:
        # Pending and current enrolments made by this household.
        enfant.inscriptions_en_cours = [
            i
            for i in enfant.inscriptions.all()
            if i.famille_id == famille.pk and i.statut != "refusee" and i.date_fin >= aujourd_hui
        ]
    responsables = Responsable.objects.filter(famille=famille).select_related("user")
    return render(
        request,
        "familles/ma_famille.html",
        {"famille": famille, "enfants": enfants, "responsables": responsables},
    )


@responsable_required
@require_http_methods(["GET", "POST"])
def enfant_ajouter(request: HttpRequest) -> HttpResponse:
    form = EnfantAjoutForm(request.POST or None)
    formset = PersonnesAutoriseesFormSet(request.POST or None, prefix="personnes")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        personnes = [
            f.save(commit=False)
            for f in formset.forms
            if f.has_changed() and f not in formset.deleted_forms
        ]
        try:
            enfant = jetons.une_seule_fois(
                request.user,
                form.cleaned_data["jeton"],
                "enfant_ajouter",
                lambda: services.ajouter_enfant(
                    request.responsable, form.save(commit=False), personnes
                ),
            )
        except jetons.DoubleEnvoi as exc:
            messages.info(request, exc.message)
            return redirect("ma_famille")
        except services.FamilleError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"{enfant.prenom} a été ajouté(e) à votre famille.")
            return redirect("ma_famille")
    return render(
        request,
        "familles/enfant_form.html",
        {"form": form, "formset": formset, "titre": "Ajouter un enfant"},
    )


@responsable_required
@require_http_methods(["GET", "POST"])
def enfant_modifier(request: HttpRequest, pk: int) -> HttpResponse:
    enfant = _get_enfant_for_user(request, pk)
    form = EnfantForm(request.POST or None, instance=enfant)
    formset = PersonnesAutoriseesFormSet(request.POST or None, instance=enfant, prefix="personnes")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        champs = list(form.changed_data)
        enfant = form.save(commit=False)
        a_enregistrer = formset.save(commit=False)
        try:
            services.modifier_enfant(
                request.responsable, enfant, champs, a_enregistrer, formset.deleted_objects
            )
        except services.FamilleError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if champs or a_enregistrer or formset.deleted_objects:
                messages.success(request, f"La fiche de {enfant.prenom} a été mise à jour.")
            else:
                messages.info(request, "Aucune modification n'a été faite.")
            return redirect("ma_famille")
    return render(
        request,
        "familles/enfant_form.html",
        {
            "form": form,
            "formset": formset,
            "enfant": enfant,
            "titre": f"Modifier la fiche de {enfant.prenom}",
        },
    )


@responsable_required
@require_http_methods(["GET", "POST"])
def mes_coordonnees(request: HttpRequest) -> HttpResponse:
    responsable = request.responsable
    en_attente = services.demande_coordonnees_en_attente(responsable)
    initial = dict(en_attente.donnees) if en_attente else {}
    # The form works on a copy: the parent's record changes only when staff accept.
    form = CoordonneesForm(request.POST or None, instance=copy.copy(responsable), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            demande = services.demander_modification_coordonnees(responsable, form.cleaned_data)
        except services.FamilleError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if demande.pk is None:
                messages.info(request, "Votre demande de modification en attente a été annulée.")
            else:
                messages.success(
                    request,
                    "Votre demande de modification a été transmise au service. Vos coordonnées "
                    "seront mises à jour dès qu'elle sera acceptée.",
                )
            return redirect("mes_coordonnees")
    changements = []
    if en_attente:
        for champ, valeur in en_attente.donnees.items():
            field = Responsable._meta.get_field(champ)
            actuel = getattr(responsable, champ)
            if field.choices:
                labels = dict(field.choices)
                actuel, valeur = labels.get(actuel, actuel), labels.get(valeur, valeur)
            changements.append({"libelle": field.verbose_name, "actuel": actuel, "demande": valeur})
    return render(
        request,
        "familles/mes_coordonnees.html",
        {
            "responsable": responsable,
            "form": form,
            "en_attente": en_attente,
            "changements": changements,
        },
    )
