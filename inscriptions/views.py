import io

from allauth.core.internal import ratelimit
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from comptes.mots import accord, de
from comptes.services import jetons, tarifs
from familles import documents, fiche
from familles.decorators import responsable_required
from familles.models import Enfant, Famille
from inscriptions import pdf, reinscription, services
from inscriptions.forms import InscriptionForm, ReinscriptionForm, VerificationForm
from inscriptions.models import Activite, Attestation, Inscription
from portail.models import Demande
from portail.preparees import Preparee

VERIFICATIONS_PAR_MINUTE = 20  # see ACCOUNT_RATE_LIMITS['verifier_attestation']


def _get_enfant_for_user(request: HttpRequest, pk: int) -> Enfant:
    return get_object_or_404(Enfant.objects.for_user(request.user), pk=pk)


def _get_inscription_for_user(request: HttpRequest, pk: int) -> Inscription:
    return get_object_or_404(
        Inscription.objects.for_user(request.user).select_related(
            "enfant", "famille", "activite__site", "activite__periode", "activite__tarif"
        ),
        pk=pk,
    )


def inscriptions_du_foyer(famille):
    return (
        Inscription.objects.filter(famille=famille)
        .select_related("activite__site", "activite__periode")
        .order_by("-activite__periode__debut", "activite__type", "activite__nom")
    )


# The page's two reads, compiled once per process (portail/preparees.py). Narrow select:
# the children's health and school columns are not shown here.
_ENFANTS_DU_FOYER = Preparee(
    lambda famille_id: Enfant.objects.for_famille(Famille(pk=famille_id)).only("prenom", "nom"),
    int,
)
_INSCRIPTIONS_DU_FOYER = Preparee(
    lambda famille_id: inscriptions_du_foyer(Famille(pk=famille_id)), int
)


@responsable_required
def mes_inscriptions(request: HttpRequest) -> HttpResponse:
    famille = request.responsable.famille
    enfants = _ENFANTS_DU_FOYER(famille.pk)
    par_enfant = {enfant.pk: enfant for enfant in enfants}
    for enfant in enfants:
        enfant.inscriptions_du_foyer = []
    for inscription in _INSCRIPTIONS_DU_FOYER(famille.pk):
        enfant = par_enfant.get(inscription.enfant_id)
        if enfant is not None:  # (a child no longer in the household: not listed)
            inscription.enfant = enfant
            enfant.inscriptions_du_foyer.append(inscription)
    return render(
        request,
        "inscriptions/mes_inscriptions.html",
        {
            "famille": famille,
            "enfants": enfants,
            "campagne": reinscription.campagne_ouverte(),
        },
    )


# Activities tied to a school: at another school's site they are folded away.
TYPES_SCOLAIRES = {
    Activite.Type.RESTAURATION,
    Activite.Type.PERISCOLAIRE_MATIN,
    Activite.Type.PERISCOLAIRE_SOIR,
}


def _meme_nom(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


@responsable_required
def choisir_activite(request: HttpRequest, enfant_pk: int) -> HttpResponse:
    enfant = _get_enfant_for_user(request, enfant_pk)
    famille = request.responsable.famille
    maintenant = timezone.now()
    aujourd_hui = timezone.localdate(maintenant)
    activites = list(
        Activite.objects.filter(periode__fin__gte=aujourd_hui).select_related(
            "site", "periode", "tarif", "parametres_reservation"
        )
    )
    deja = set(
        Inscription.objects.actives()
        .filter(enfant=enfant, famille=famille)
        .values_list("activite_id", flat=True)
    )
    prix = tarifs.tarifications(famille, activites)
    a_l_ecole, ailleurs, autres_sites, non_proposees = [], [], [], []
    for activite in activites:
        motif = services.motif_non_proposee(enfant, activite, activite.pk in deja, maintenant)
        if motif:
            non_proposees.append((activite, motif))
            continue
        tarification = prix.get(activite.pk)
        ligne = {
            "activite": activite,
            "prix": tarification.par_unite(max(aujourd_hui, activite.periode.debut))
            if tarification
            else None,
            "type_utile": not _meme_nom(activite.get_type_display(), activite.nom),
            "description": ""
            if _meme_nom(activite.description, activite.nom)
            or _meme_nom(activite.description, activite.get_type_display())
            else activite.description,
        }
        if enfant.ecole and _meme_nom(activite.site.nom, enfant.ecole):
            a_l_ecole.append(ligne)
        elif enfant.ecole and activite.type in TYPES_SCOLAIRES:
            autres_sites.append(ligne)
        else:
            ailleurs.append(ligne)
    return render(
        request,
        "inscriptions/choisir_activite.html",
        {
            "enfant": enfant,
            "a_l_ecole": a_l_ecole,
            "ailleurs": ailleurs,
            "autres_sites": autres_sites,
            "autres": non_proposees,
        },
    )


@responsable_required
@require_http_methods(["GET", "POST"])
def inscrire(request: HttpRequest, enfant_pk: int, activite_pk: int) -> HttpResponse:
    enfant = _get_enfant_for_user(request, enfant_pk)
    activite = get_object_or_404(
        Activite.objects.select_related("site", "periode", "tarif"), pk=activite_pk
    )
    aujourd_hui = timezone.localdate()
    if request.method == "GET":
        # Say why at once rather than after the parent has filled the form in.
        deja = (
            Inscription.objects.actives()
            .filter(enfant=enfant, famille=request.responsable.famille, activite=activite)
            .exists()
        )
        motif = services.motif_non_proposee(enfant, activite, deja)
        if motif:
            messages.info(request, f"{activite.nom} ({activite.site.nom}) : {motif}")
            return redirect("choisir_activite", enfant.pk)
    initial = {
        "date_debut": services.premier_jour_possible(activite, aujourd_hui, enfant),
        "date_fin": activite.periode.fin,
    }
    form = InscriptionForm(request.POST or None, activite=activite, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            inscription = jetons.une_seule_fois(
                request.user,
                form.cleaned_data["jeton"],
                "inscrire",
                lambda: services.demander_inscription(
                    request.responsable,
                    enfant,
                    activite,
                    form.cleaned_data["date_debut"],
                    form.cleaned_data["date_fin"],
                    form.cleaned_data["commentaire"],
                ),
            )
        except jetons.DoubleEnvoi as exc:
            messages.info(request, exc.message)
            if exc.objet_id is None:
                return redirect("mes_inscriptions")
            return redirect("inscription_detail", exc.objet_id)
        except services.InscriptionError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if inscription.est_validee:
                messages.success(
                    request, f"{enfant.prenom} est {accord(enfant, 'inscrit')} à {activite.nom}."
                )
            elif inscription.statut == Inscription.Statut.PREINSCRIPTION:
                messages.success(
                    request,
                    "Votre préinscription est enregistrée ; elle sera examinée en commission.",
                )
            else:
                messages.success(
                    request,
                    "Votre demande d'inscription est enregistrée ; le "
                    "service vous répondra par e-mail.",
                )
            if manquants := documents.manquants_pour(request.responsable.famille, enfant, activite):
                messages.warning(request, _avertissement_documents(manquants))
            return redirect("inscription_detail", inscription.pk)
    places = services.places_restantes(activite)
    tarification = tarifs.tarification(request.responsable.famille, activite)
    jour = max(aujourd_hui, activite.periode.debut)
    return render(
        request,
        "inscriptions/inscrire.html",
        {
            "enfant": enfant,
            "activite": activite,
            "prix": tarification.par_unite(jour) if tarification else None,
            "detail_prix": tarification.detail(jour) if tarification else None,
            "form": form,
            "places": places,
            "documents_manquants": documents.manquants_pour(
                request.responsable.famille, enfant, activite
            ),
        },
    )


def _avertissement_documents(manquants) -> str:
    noms = ", ".join(f"« {ligne.type.nom} »" for ligne in manquants)
    return ngettext(
        "Cette activité exige un document que le service n'a pas encore accepté : {noms}. "
        "Envoyez-le depuis « Mes documents ».",
        "Cette activité exige des documents que le service n'a pas encore acceptés : {noms}. "
        "Envoyez-les depuis « Mes documents ».",
        len(manquants),
    ).format(noms=noms)


@responsable_required
def inscription_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inscription = _get_inscription_for_user(request, pk)
    attestations = inscription.attestations.order_by("-emise_le").defer("pdf")
    demande_attestation = (
        Demande.objects.en_attente()
        .filter(inscription=inscription, type=Demande.Type.ATTESTATION)
        .first()
    )
    tarification = tarifs.tarification(inscription.famille, inscription.activite)
    jour = max(timezone.localdate(), inscription.date_debut)
    return render(
        request,
        "inscriptions/inscription_detail.html",
        {
            "inscription": inscription,
            "prix": tarification.par_unite(jour) if tarification else None,
            "detail_prix": tarification.detail(jour) if tarification else None,
            "attestations": attestations,
            "demande_attestation": demande_attestation,
            "jeton": jetons.nouveau_jeton(),
        },
    )


@responsable_required
@require_POST
def demander_attestation(request: HttpRequest, pk: int) -> HttpResponse:
    inscription = _get_inscription_for_user(request, pk)
    try:
        demande = jetons.une_seule_fois(
            request.user,
            request.POST.get("jeton"),
            "demander_attestation",
            lambda: services.demander_attestation(request.responsable, inscription),
        )
    except jetons.DoubleEnvoi as exc:
        messages.info(request, exc.message)
    except (services.InscriptionError, jetons.JetonInvalide) as exc:
        messages.error(request, exc.message)
    else:
        if demande.statut == Demande.Statut.ACCEPTEE:
            messages.success(request, "Votre attestation est prête : téléchargez-la ci-dessous.")
        else:
            messages.success(
                request,
                "Votre demande d'attestation est transmise au service ; un e-mail vous préviendra.",
            )
    return redirect("inscription_detail", inscription.pk)


@responsable_required
def attestation_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    attestation = get_object_or_404(
        Attestation.objects.filter(inscription__in=Inscription.objects.for_user(request.user)),
        pk=pk,
    )
    document = pdf.assurer_pdf(attestation.pk)
    if document is None:
        messages.error(request, "Le document n'a pas pu être produit ; réessayez dans un instant.")
        return redirect("inscription_detail", attestation.inscription_id)
    return FileResponse(
        io.BytesIO(document),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"attestation-{attestation.numero}.pdf",
    )


def _trop_de_verifications(request: HttpRequest) -> bool:
    # allauth's rate limiter: keyed on the client address (proxy-aware), shared cache.
    # The check is a GET (the PDF prints a link with the code), hence limit_get.
    return not ratelimit.consume(
        request, app="allauth.account", action="verifier_attestation", limit_get=True
    )


def verifier(request: HttpRequest) -> HttpResponse:
    """Public: what a certificate says, for a valid code; "inconnu" otherwise."""
    form = VerificationForm(request.GET if "code" in request.GET else None)
    contexte = {"form": form}
    if form.is_bound and form.is_valid():
        if _trop_de_verifications(request):
            contexte["trop"] = True
            return render(request, "inscriptions/verifier.html", contexte, status=429)
        code = services.normaliser_code(form.cleaned_data["code"])
        attestation = (
            Attestation.objects.defer("pdf")
            .select_related("inscription")
            .filter(code_verification=code)
            .first()
            if code
            else None
        )
        contexte.update(verifiee=True, attestation=attestation)
        if attestation:
            contexte["contenu"] = pdf.contenu_lisible(attestation)
    return render(request, "inscriptions/verifier.html", contexte)


@responsable_required
@require_POST
def retirer_demande(request: HttpRequest, pk: int) -> HttpResponse:
    inscription = _get_inscription_for_user(request, pk)
    try:
        services.retirer_demande(request.responsable, inscription)
    except services.InscriptionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Votre demande est retirée.")
    return redirect("inscription_detail", inscription.pk)


@responsable_required
@require_http_methods(["GET", "POST"])
def reinscrire(request: HttpRequest, enfant_pk: int) -> HttpResponse:
    """Next season's re-enrolment of one child, during the campaign: sent once."""
    enfant = _get_enfant_for_user(request, enfant_pk)
    famille = request.responsable.famille
    campagne = reinscription.campagne_ouverte()
    if campagne is None:
        messages.info(request, "Aucune campagne de réinscription n'est ouverte.")
        return redirect("mes_inscriptions")
    envoyee = reinscription.deja_envoyee(campagne, famille, enfant)
    choix = reinscription.choix_proposes(campagne, famille, enfant)
    form = None
    if envoyee is None:
        form = ReinscriptionForm(request.POST or None, choix=choix, enfant=enfant)
    if form is not None and request.method == "POST" and form.is_valid():
        par_pk = {str(c.activite.pk): c.activite for c in choix}
        try:
            jetons.une_seule_fois(
                request.user,
                form.cleaned_data["jeton"],
                "reinscrire",
                lambda: reinscription.reinscrire(
                    request.responsable,
                    campagne,
                    enfant,
                    [par_pk[pk] for pk in form.cleaned_data["activites"]],
                    form.cleaned_data["fiche_a_jour"],
                ),
            )
        except jetons.DoubleEnvoi as exc:
            messages.info(request, exc.message)
            return redirect("mes_inscriptions")
        except reinscription.ReinscriptionError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                f"La réinscription {de(enfant.prenom)} pour {reinscription.libelle(campagne)} est "
                "envoyée ; le service vous répondra par e-mail.",
            )
            return redirect("mes_inscriptions")
    classe = reinscription.classe_suivante(enfant, campagne)
    manquants = {}
    for c in choix:
        for ligne in documents.manquants_pour(famille, enfant, c.activite):
            manquants.setdefault(ligne.type.pk, ligne)
    return render(
        request,
        "inscriptions/reinscrire.html",
        {
            "enfant": enfant,
            "campagne": campagne,
            "saison": reinscription.libelle(campagne),
            "classe_actuelle": reinscription.libelle_classe(enfant.classe),
            "classe_suivante": reinscription.libelle_classe(classe),
            "classe_change": classe != enfant.classe,
            "fiche_certifiee": fiche.fiche_confirmee(enfant.pk),
            "documents_manquants": list(manquants.values()),
            "form": form,
            "envoyee": envoyee,
            "inscriptions_envoyees": envoyee.inscriptions.select_related("activite__site")
            if envoyee
            else [],
        },
    )
