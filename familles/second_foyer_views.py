"""Parent pages of garde alternée: « Inviter l'autre parent », cancelling the invitation,
and the page the invitation's link opens (sign-up or confirmation, then a Demande)."""

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth import login
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from comptes.models import User
from comptes.mots import accord
from comptes.services import jetons
from familles import second_foyer
from familles.decorators import responsable_required
from familles.forms import InvitationSignupForm, InviterAutreParentForm
from familles.models import InvitationSecondFoyer, Responsable
from familles.services import FamilleError
from familles.views import _get_enfant_for_user


@responsable_required
@require_http_methods(["GET", "POST"])
def inviter_autre_parent(request: HttpRequest, pk: int) -> HttpResponse:
    enfant = _get_enfant_for_user(request, pk)
    if request.method == "GET" and enfant.rattachements.count() >= second_foyer.MAX_FOYERS:
        # Said at once (the page is reached by hand: Ma famille shows no link then).
        messages.info(
            request, second_foyer.deja_deux_foyers(enfant, second_foyer.PERSONNE_A_INVITER)
        )
        return redirect("ma_famille")
    form = InviterAutreParentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            # Once per displayed form: a double click sends one invitation.
            invitation = jetons.une_seule_fois(
                request.user,
                form.cleaned_data["jeton"],
                "inviter_autre_parent",
                lambda: second_foyer.inviter_autre_parent(
                    request.responsable,
                    enfant,
                    form.cleaned_data["email"],
                    form.cleaned_data["partage"],
                ),
            )
        except jetons.DoubleEnvoi as exc:
            messages.info(request, exc.message)
            return redirect("ma_famille")
        except FamilleError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                f"L'invitation est envoyée ({second_foyer.masquer_email(invitation.email)}). "
                f"Le service confirmera le rattachement de {enfant.prenom} quand l'autre "
                "parent l'aura acceptée.",
            )
            return redirect("ma_famille")
    return render(request, "familles/inviter_autre_parent.html", {"enfant": enfant, "form": form})


@responsable_required
@require_POST
def annuler_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    # Only the household's own invitations: a stranger's id is a 404.
    invitation = get_object_or_404(
        InvitationSecondFoyer.objects.select_related("enfant"),
        pk=pk,
        famille=request.responsable.famille,
    )
    try:
        second_foyer.annuler_invitation(request.responsable, invitation.pk)
    except FamilleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"L'invitation de l'autre parent de {invitation.enfant.prenom} est annulée."
        )
    return redirect("ma_famille")


def _refus(request, message: str, status: int = 200) -> HttpResponse:
    return render(
        request, "familles/invitation_second_foyer.html", {"refus": message}, status=status
    )


def _responsable(user) -> Responsable | None:
    try:
        return user.responsable
    except Responsable.DoesNotExist:
        return None


@require_http_methods(["GET", "POST"])
def invitation_second_foyer(request: HttpRequest, jeton: str) -> HttpResponse:
    """The invitation's link. Signed in: confirm, and the Demande is created for the
    parent's household. Not signed in: sign in (an account exists for the address) or
    create the account and household here, which sends the Demande at once."""
    try:
        invitation = second_foyer.invitation_par_jeton(jeton)
    except FamilleError as exc:
        return _refus(request, exc.message, status=410)
    enfant = invitation.enfant
    contexte = {
        "invitation": invitation,
        "enfant": enfant,
        "partage": second_foyer.description(second_foyer.complement(invitation.partage)),
    }
    if request.user.is_authenticated:
        responsable = _responsable(request.user)
        if responsable is None:
            return _refus(request, "Ce compte n'a pas de foyer : il ne peut pas être invité.")
        try:
            second_foyer.verifier_destinataire(invitation, responsable)
        except FamilleError as exc:
            return _refus(request, exc.message)
        if request.method == "POST":
            try:
                second_foyer.demander_rattachement(jeton, responsable)
            except FamilleError as exc:
                return _refus(request, exc.message)
            return _envoyee(request, enfant)
        return render(
            request,
            "familles/invitation_second_foyer.html",
            {**contexte, "responsable": responsable},
        )
    if User.objects.filter(email__iexact=invitation.email).exists():
        connexion = "{}?{}".format(reverse("account_login"), urlencode({"next": request.path}))
        return render(
            request,
            "familles/invitation_second_foyer.html",
            {**contexte, "connexion": connexion},
        )
    form = InvitationSignupForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save(request)
                # The link reached this address: it is verified.
                EmailAddress.objects.filter(user=user).update(verified=True, primary=True)
                responsable = Responsable.objects.select_related("famille", "user").get(user=user)
                second_foyer.demander_rattachement(jeton, responsable)
        except FamilleError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        except IntegrityError:
            # The same form sent twice at once: the other request created the account
            # (nothing was written here). The link now says what stands: used, or sign in.
            return redirect(request.path)
        else:
            login(request, user, backend="comptes.backends.AllauthBackend")
            return _envoyee(request, enfant)
    return render(request, "familles/invitation_second_foyer.html", {**contexte, "form": form})


def _envoyee(request, enfant) -> HttpResponse:
    messages.success(
        request,
        f"Votre demande de rattachement de {enfant.prenom} est transmise au service enfance. "
        f"Vous recevrez un e-mail dès qu'elle sera traitée ; {enfant.prenom} apparaîtra "
        f"alors dans « Ma famille », {accord(enfant, 'rattaché')} à votre foyer.",
    )
    return redirect("tableau_de_bord")
