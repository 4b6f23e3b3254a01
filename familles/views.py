import copy

from django.contrib import messages
from django.db.models import Count, F, OuterRef, Prefetch, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from comptes.mots import accord, de
from comptes.services import jetons
from familles import fiche as services_fiche
from familles import services
from familles.decorators import responsable_required
from familles.forms import (
    AutorisationsForm,
    CoordonneesForm,
    EnfantAjoutForm,
    EnfantForm,
    FicheSanitaireForm,
    PersonnesAutoriseesFormSet,
    SanteEnfantForm,
    VaccinationsFormSet,
)
from familles.models import (
    Autorisation,
    Enfant,
    FicheSanitaire,
    InvitationSecondFoyer,
    PersonneAutorisee,
    Rattachement,
    Responsable,
    TypeAutorisation,
    Vaccination,
    libelle_saison,
    saison_de,
)
from familles.second_foyer import masquer_email


def _get_enfant_for_user(request: HttpRequest, pk: int) -> Enfant:
    """A child of the parent's own household, or 404 (never 403: no confirmation)."""
    return get_object_or_404(Enfant.objects.for_user(request.user), pk=pk)


def _par_qui(responsable: Responsable | None, famille) -> str:
    """Who answered or certified, as this household may read it: in garde alternée the
    other household's parent is never named."""
    if responsable is None:
        return "un responsable"
    if responsable.famille_id != famille.pk:
        return "l'autre foyer"
    return str(responsable)


def _inscriptions_queryset():
    # The inscriptions app depends on this one, not the reverse: reach its model
    # through the reverse relation instead of importing it.
    Inscription = Enfant._meta.get_field("inscriptions").related_model
    return Inscription.objects.select_related("activite__site", "activite__periode")


@responsable_required
def ma_famille(request: HttpRequest) -> HttpResponse:
    famille = request.responsable.famille
    enfants = list(
        services_fiche.avec_derniere_modification(Enfant.objects.for_famille(famille))
        .select_related("regime_alimentaire", "fiche_sanitaire__confirmee_par")
        .prefetch_related(
            Prefetch("personnes_autorisees", queryset=PersonneAutorisee.objects.order_by("pk")),
            Prefetch("inscriptions", queryset=_inscriptions_queryset()),
            Prefetch(
                "autorisations",
                queryset=Autorisation.objects.en_vigueur().select_related("type"),
                to_attr="autorisations_en_vigueur",
            ),
            # Garde alternée: this household's open invitation of the other parent.
            Prefetch(
                "invitations_second_foyer",
                queryset=InvitationSecondFoyer.objects.filter(
                    famille=famille,
                    utilisee_le__isnull=True,
                    annulee_le__isnull=True,
                    expire_le__gt=timezone.now(),
                ),
                to_attr="invitations_ouvertes",
            ),
        )
        # How many households the child has, and this household's share (the join of
        # for_famille: its own link).
        .annotate(
            nb_foyers=Subquery(
                Rattachement.objects.filter(enfant=OuterRef("pk"))
                .values("enfant")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            garde_foyer=F("rattachements__garde"),
            semaines_foyer=F("rattachements__semaines"),
            jours_foyer=F("rattachements__jours"),
        )
    )
    aujourd_hui = timezone.localdate()
    saison = saison_de(aujourd_hui)
    responsables = list(Responsable.objects.filter(famille=famille).select_related("user"))
    foyer = {r.user_id for r in responsables}
    for enfant in enfants:
        enfant.derniere_modification = services_fiche.derniere_modification(
            enfant, request.user, foyer
        )
        # Pending and current enrolments made by this household.
        enfant.inscriptions_en_cours = [
            i
            for i in enfant.inscriptions.all()
            if i.famille_id == famille.pk and i.statut != "refusee" and i.date_fin >= aujourd_hui
        ]
        fiche = getattr(enfant, "fiche_sanitaire", None)
        enfant.fiche = fiche
        enfant.fiche_a_jour = fiche is not None and fiche.saison_confirmee == saison
        enfant.invitation = next(iter(enfant.invitations_ouvertes), None)
        if enfant.invitation:
            enfant.invitation.email_masque = masquer_email(enfant.invitation.email)
        enfant.garde_du_foyer = Rattachement(
            garde=enfant.garde_foyer, semaines=enfant.semaines_foyer, jours=enfant.jours_foyer
        ).description_garde
    return render(
        request,
        "familles/ma_famille.html",
        {
            "famille": famille,
            "enfants": enfants,
            "responsables": responsables,
            "saison": libelle_saison(saison),
        },
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
            messages.success(
                request,
                f"{enfant.prenom} a été {accord(enfant, 'ajouté')} à votre famille. "
                "Complétez sa fiche sanitaire et ses autorisations depuis cette page.",
            )
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
                messages.success(request, f"La fiche {de(enfant.prenom)} a été mise à jour.")
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
            "titre": f"Modifier la fiche {de(enfant.prenom)}",
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


@responsable_required
@require_http_methods(["GET", "POST"])
def fiche_sanitaire(request: HttpRequest, pk: int) -> HttpResponse:
    """The fiche sanitaire de liaison: read, completed and certified for the season."""
    enfant = _get_enfant_for_user(request, pk)
    fiche = FicheSanitaire.objects.select_related("confirmee_par").filter(
        enfant=enfant
    ).first() or FicheSanitaire(enfant=enfant)
    donnees = request.POST or None
    sante = SanteEnfantForm(donnees, instance=enfant, prefix="sante")
    form = FicheSanitaireForm(donnees, instance=fiche, prefix="fiche")
    vaccinations = VaccinationsFormSet(
        donnees,
        instance=enfant,
        prefix="vaccinations",
        queryset=Vaccination.objects.order_by("vaccin", "date", "pk"),
    )
    if request.method == "POST" and all(
        [sante.is_valid(), form.is_valid(), vaccinations.is_valid()]
    ):
        champs = list(sante.changed_data)
        enfant = sante.save(commit=False)
        a_enregistrer = vaccinations.save(commit=False)
        try:
            jetons.une_seule_fois(
                request.user,
                form.cleaned_data["jeton"],
                "fiche_sanitaire",
                lambda: services_fiche.certifier_fiche(
                    request.responsable,
                    enfant,
                    form.save(commit=False),
                    champs,
                    a_enregistrer,
                    list(vaccinations.deleted_objects),
                    form.cleaned_data["certifie"],
                ),
            )
        except jetons.DoubleEnvoi as exc:
            messages.info(request, exc.message)
            return redirect("ma_famille")
        except services.FamilleError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                f"La fiche sanitaire {de(enfant.prenom)} est certifiée pour la saison "
                f"{libelle_saison(saison_de(timezone.localdate()))}.",
            )
            return redirect("ma_famille")
    saison = saison_de(timezone.localdate())
    return render(
        request,
        "familles/fiche_sanitaire.html",
        {
            "enfant": enfant,
            "fiche": fiche,
            "sante": sante,
            "form": form,
            "vaccinations": vaccinations,
            "saison": libelle_saison(saison),
            "a_jour": fiche.saison_confirmee == saison,
            "certifiee_par": _par_qui(fiche.confirmee_par, request.responsable.famille),
            "saison_confirmee": libelle_saison(fiche.saison_confirmee)
            if fiche.saison_confirmee
            else None,
        },
    )


@responsable_required
@require_http_methods(["GET", "POST"])
def autorisations(request: HttpRequest, pk: int) -> HttpResponse:
    """The parents' answers for the child (droit à l'image, sortie seul(e)…), dated."""
    enfant = _get_enfant_for_user(request, pk)
    types = list(TypeAutorisation.objects.filter(active=True))
    historique = list(
        Autorisation.objects.filter(enfant=enfant).select_related("type", "donnee_par")
    )
    for a in historique:
        a.par_qui = _par_qui(a.donnee_par, request.responsable.famille)
    en_vigueur = {a.type_id: a for a in historique if a.revoquee_le is None}
    form = AutorisationsForm(request.POST or None, types=types, en_vigueur=en_vigueur)
    if request.method == "POST" and form.is_valid():
        try:
            nouvelles = services_fiche.repondre_autorisations(
                request.responsable, enfant, form.reponses()
            )
        except services.FamilleError as exc:
            form.add_error(None, exc.message)
        else:
            if nouvelles:
                messages.success(
                    request, f"Les autorisations {de(enfant.prenom)} sont enregistrées."
                )
            else:  # the same answers again (a double submit): nothing to write
                messages.info(request, "Aucune modification n'a été faite.")
            return redirect("ma_famille")
    return render(
        request,
        "familles/autorisations.html",
        {"enfant": enfant, "form": form, "historique": historique},
    )
