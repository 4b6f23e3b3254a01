"""Garde alternée: a child's second household (issue 10, part 1 "Link").

Staff attach a child to a second household in the admin (`rattacher`); or a responsable
invites the other parent (`inviter_autre_parent`), who opens the e-mailed link, has or
creates his own household and asks for the link (`demander_rattachement`, a Demande in
his household's name); staff accept it (`accepter_depuis_demande`). Each household's link
carries its share of the custody; the two shares must fit together (`verifier_partages`).
Neither household ever sees the other's contact details: pages and e-mails say
« l'autre parent ».
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from comptes.mots import accord
from comptes.outbox import queue_email
from familles.models import (
    JOURS_SEMAINE,
    Enfant,
    Famille,
    InvitationSecondFoyer,
    Rattachement,
    Responsable,
)
from familles.services import FamilleError
from portail.models import Demande

MAX_FOYERS = 2
PERSONNE_A_INVITER = "il n'y a personne à inviter"


def deja_deux_foyers(enfant: Enfant, suite: str = "") -> str:
    """« Léa est déjà rattachée à deux foyers[ : suite]. »"""
    phrase = f"{enfant.prenom} est déjà {accord(enfant, 'rattaché')} à deux foyers"
    return f"{phrase} : {suite}." if suite else f"{phrase}."


DUREE_INVITATION = datetime.timedelta(days=14)
G = Rattachement.Garde
S = Rattachement.Semaines


# --- the custody share ------------------------------------------------------------------


def partage(garde: str, semaines: str = "", jours=()) -> dict:
    """A share as stored in a Demande's data and an invitation: cleaned, complete."""
    lien = Rattachement(garde=garde or G.LIBRE, semaines=semaines or "", jours=list(jours or []))
    lien.jours = sorted({int(j) for j in lien.jours})
    try:
        lien.clean()
    except ValidationError as exc:
        raise FamilleError(exc.messages[0]) from None
    return {"garde": lien.garde, "semaines": lien.semaines, "jours": lien.jours}


def partage_de(lien: Rattachement) -> dict:
    return {"garde": lien.garde, "semaines": lien.semaines, "jours": list(lien.jours)}


def complement(p: dict) -> dict:
    """The other household's share: the other weeks, the other weekdays."""
    if p["garde"] == G.SEMAINES:
        autres = S.IMPAIRES if p["semaines"] == S.PAIRES else S.PAIRES
        return {"garde": G.SEMAINES, "semaines": autres, "jours": []}
    if p["garde"] == G.JOURS:
        return {
            "garde": G.JOURS,
            "semaines": "",
            "jours": [j for j in range(7) if j not in p["jours"]],
        }
    return {"garde": G.LIBRE, "semaines": "", "jours": []}


def description(p: dict) -> str:
    """ "une semaine sur deux (semaines paires)", "le lundi et le mardi", "sans répartition
    fixée" — a share in words for pages and e-mails."""
    lien = Rattachement(garde=p["garde"], semaines=p["semaines"], jours=p["jours"])
    if p["garde"] == G.SEMAINES:
        return f"une semaine sur deux ({lien.description_garde})"
    if p["garde"] == G.JOURS:
        return lien.description_garde
    return "sans répartition fixée (les foyers s'organisent)"


def verifier_partages(prenom: str, partages: list[dict]) -> None:
    """The links of one child, together: two households at most, with shares that fit
    (same kind of share; opposite weeks; weekdays that do not overlap)."""
    if len(partages) > MAX_FOYERS:
        raise FamilleError(
            f"Un enfant est rattaché à deux foyers au plus : {prenom} ne peut pas l'être à "
            f"{len(partages)}."
        )
    if len(partages) < 2:
        return
    a, b = partages
    if a["garde"] != b["garde"]:
        raise FamilleError(
            f"Les deux foyers de {prenom} doivent avoir le même partage de la garde (une "
            "semaine sur deux, certains jours de la semaine, ou sans répartition fixée)."
        )
    if a["garde"] == G.SEMAINES and a["semaines"] == b["semaines"]:
        raise FamilleError(
            f"Les deux foyers de {prenom} ne peuvent pas avoir les mêmes semaines : l'un a "
            "les semaines paires, l'autre les semaines impaires."
        )
    if a["garde"] == G.JOURS:
        communs = sorted(set(a["jours"]) & set(b["jours"]))
        if communs:
            noms = " et le ".join(JOURS_SEMAINE[j] for j in communs)
            raise FamilleError(
                f"Les deux foyers de {prenom} ont tous les deux le {noms} : chaque jour de "
                "la semaine revient à un seul foyer."
            )


def _appliquer(lien: Rattachement, p: dict) -> bool:
    """Set a link's share; True when it changed (the caller saves: history is kept)."""
    avant = partage_de(lien)
    lien.garde, lien.semaines, lien.jours = p["garde"], p["semaines"], list(p["jours"])
    return partage_de(lien) != avant


def rattacher(enfant: Enfant, famille: Famille, p_nouveau: dict, p_premier: dict) -> Rattachement:
    """Link the child to a second household with both shares, in one transaction (the
    child's row locked: two simultaneous links cannot both pass)."""
    with transaction.atomic():
        enfant = Enfant.objects.select_for_update().get(pk=enfant.pk)
        liens = list(Rattachement.objects.select_for_update().filter(enfant=enfant))
        if any(lien.famille_id == famille.pk for lien in liens):
            raise FamilleError(f"{enfant.prenom} est déjà {accord(enfant, 'rattaché')} à ce foyer.")
        if len(liens) >= MAX_FOYERS:
            raise FamilleError(deja_deux_foyers(enfant, "un enfant l'est à deux au plus"))
        verifier_partages(enfant.prenom, [p_premier, p_nouveau][-len(liens) - 1 :])
        for lien in liens:
            if _appliquer(lien, p_premier):
                lien._change_reason = "Garde alternée : partage fixé avec le second foyer"
                lien.save(update_fields=["garde", "semaines", "jours"])
        nouveau = Rattachement(enfant=enfant, famille=famille)
        _appliquer(nouveau, p_nouveau)
        nouveau._change_reason = "Garde alternée : rattachement d'un second foyer"
        try:
            with transaction.atomic():
                nouveau.save()
        except IntegrityError:
            raise FamilleError(
                f"{enfant.prenom} est déjà {accord(enfant, 'rattaché')} à ce foyer."
            ) from None
        return nouveau


def famille_par_email(email: str) -> Famille:
    """The household of the responsable with this e-mail (staff look-up)."""
    responsable = (
        Responsable.objects.select_related("famille")
        .filter(user__email__iexact=email.strip())
        .first()
    )
    if responsable is None:
        raise FamilleError(
            "Aucun responsable n'a cette adresse e-mail : vérifiez-la, ou créez le foyer.",
            field="email",
        )
    return responsable.famille


# --- the invitation ---------------------------------------------------------------------


def _empreinte(jeton: str) -> str:
    return hashlib.sha256(jeton.encode()).hexdigest()


def masquer_email(email: str) -> str:
    """ "p***@e…": enough for the inviter to recognise the address he typed."""
    local, _, domaine = email.partition("@")
    return f"{local[:1]}***@{domaine[:1]}…"


def lien_invitation(jeton: str) -> str:
    return f"{settings.PORTAIL_URL}{reverse('invitation_second_foyer', args=[jeton])}"


def invitation_ouverte(famille: Famille, enfant: Enfant) -> InvitationSecondFoyer | None:
    return (
        InvitationSecondFoyer.objects.filter(
            famille=famille,
            enfant=enfant,
            utilisee_le__isnull=True,
            annulee_le__isnull=True,
            expire_le__gt=timezone.now(),
        )
        .order_by("-cree_le")
        .first()
    )


def inviter_autre_parent(
    responsable: Responsable, enfant: Enfant, email: str, p_invitant: dict
) -> InvitationSecondFoyer:
    """Invite the other parent: the e-mail (a link with a single-use token) leaves
    through the worker after commit. `p_invitant` is the inviting household's share."""
    email = email.strip().lower()
    famille = responsable.famille
    if Responsable.objects.filter(famille=famille, user__email__iexact=email).exists():
        raise FamilleError(
            "Cette adresse est celle d'un responsable de votre foyer : indiquez l'adresse "
            "de l'autre parent, qui a (ou aura) son propre foyer.",
            field="email",
        )
    p_invitant = partage(**p_invitant)
    if p_invitant["garde"] == G.JOURS and not complement(p_invitant)["jours"]:
        # The invited household would have no day: staff could never accept its request.
        raise FamilleError(
            "Laissez au moins un jour de la semaine à l'autre foyer : il a les jours que "
            "vous ne cochez pas.",
            field="jours",
        )
    maintenant = timezone.now()
    with transaction.atomic():
        enfant = Enfant.objects.select_for_update().get(pk=enfant.pk)
        liens = list(
            Rattachement.objects.filter(enfant=enfant).values_list("famille_id", flat=True)
        )
        if famille.pk not in liens:
            raise FamilleError("Cet enfant n'est pas rattaché à votre foyer.")
        if len(liens) >= MAX_FOYERS:
            raise FamilleError(deja_deux_foyers(enfant, PERSONNE_A_INVITER))
        if InvitationSecondFoyer.objects.filter(
            enfant=enfant, demande__statut=Demande.Statut.EN_ATTENTE
        ).exists():
            raise FamilleError(
                f"L'autre parent de {enfant.prenom} a déjà demandé le rattachement : le "
                "service enfance va traiter sa demande."
            )
        ouvertes = InvitationSecondFoyer.objects.select_for_update().filter(
            famille=famille, enfant=enfant, utilisee_le__isnull=True, annulee_le__isnull=True
        )
        for ancienne in ouvertes:
            if ancienne.expire_le > maintenant:
                raise FamilleError(
                    f"Une invitation pour {enfant.prenom} est déjà en cours : annulez-la "
                    "pour en envoyer une autre."
                )
            # Expired without being used: closed, so that a new one can be sent.
            ancienne.annulee_le = maintenant
            ancienne.save(update_fields=["annulee_le"])
        jeton = secrets.token_urlsafe(32)
        invitation = InvitationSecondFoyer.objects.create(
            enfant=enfant,
            famille=famille,
            invite_par=responsable,
            email=email,
            jeton_hash=_empreinte(jeton),
            cree_le=maintenant,
            expire_le=maintenant + DUREE_INVITATION,
            **p_invitant,
        )
        queue_email(
            email,
            "invitation_second_foyer",
            {
                "enfant": enfant,
                "lien": lien_invitation(jeton),
                "jours": DUREE_INVITATION.days,
                "partage": description(complement(p_invitant)),
            },
            # The link is a secret: whoever holds it may ask for the child's link.
            confidentiel=True,
        )
    return invitation


def annuler_invitation(responsable: Responsable, pk: int) -> InvitationSecondFoyer:
    """The inviting household takes back an unused invitation (a stranger's id: 404 by
    the caller, which looks it up among its household's own)."""
    with transaction.atomic():
        invitation = InvitationSecondFoyer.objects.select_for_update().get(
            pk=pk, famille=responsable.famille
        )
        if invitation.utilisee_le is not None:
            raise FamilleError(
                "Cette invitation a déjà été utilisée : la demande est entre les mains du service."
            )
        if invitation.annulee_le is None:
            invitation.annulee_le = timezone.now()
            invitation.save(update_fields=["annulee_le"])
    return invitation


def invitation_par_jeton(jeton: str) -> InvitationSecondFoyer:
    """The invitation a link opens, if it can still be used; a clear refusal otherwise."""
    invitation = (
        InvitationSecondFoyer.objects.select_related("enfant")
        .filter(jeton_hash=_empreinte(jeton))
        .first()
    )
    if invitation is None:
        raise FamilleError(
            "Ce lien d'invitation n'est pas valable. Vérifiez que vous avez copié le lien "
            "entier, ou demandez à l'autre parent de vous inviter à nouveau."
        )
    if invitation.utilisee_le is not None:
        raise FamilleError(
            "Ce lien d'invitation a déjà été utilisé : la demande de rattachement est entre "
            "les mains du service, qui vous répondra par e-mail."
        )
    if invitation.annulee_le is not None:
        raise FamilleError("Cette invitation a été annulée par l'autre parent.")
    if invitation.expire_le <= timezone.now():
        raise FamilleError(
            "Ce lien d'invitation a expiré (il était valable "
            f"{DUREE_INVITATION.days} jours). Demandez à l'autre parent de vous inviter à "
            "nouveau."
        )
    return invitation


def verifier_destinataire(invitation: InvitationSecondFoyer, responsable: Responsable) -> None:
    """Only the invited parent, for a household other than the inviting one."""
    if responsable.user.email.lower() != invitation.email.lower():
        raise FamilleError(
            "Cette invitation a été envoyée à une autre adresse e-mail : connectez-vous avec "
            "le compte de l'adresse qui l'a reçue."
        )
    if responsable.famille_id == invitation.famille_id:
        raise FamilleError(
            "Cette invitation vient de votre propre foyer : l'enfant y est déjà rattaché."
        )


def demander_rattachement(jeton: str, responsable: Responsable) -> Demande:
    """The invited parent, signed in with his own household, asks for the link: a
    Demande in his household's name, waiting for staff. The token is used up with it."""
    with transaction.atomic():
        invitation = invitation_par_jeton(jeton)
        # The child's row first, then the invitation: the order of inviter_autre_parent
        # (the other way round, the two waited for each other and one was killed).
        enfant = Enfant.objects.select_for_update().get(pk=invitation.enfant_id)
        invitation = InvitationSecondFoyer.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.est_ouverte():  # used by a simultaneous request
            invitation_par_jeton(jeton)
        verifier_destinataire(invitation, responsable)
        liens = set(Rattachement.objects.filter(enfant=enfant).values_list("famille_id", flat=True))
        if responsable.famille_id in liens:
            raise FamilleError(
                f"{enfant.prenom} est déjà {accord(enfant, 'rattaché')} à votre foyer."
            )
        if len(liens) >= MAX_FOYERS:
            raise FamilleError(deja_deux_foyers(enfant))
        if invitation.famille_id not in liens:
            raise FamilleError(
                "L'autre parent n'est plus rattaché à cet enfant : invitation caduque."
            )
        p_invitant = invitation.partage
        demande = Demande.objects.create(
            famille=responsable.famille,
            demandeur=responsable,
            type=Demande.Type.RATTACHEMENT,
            objet=f"{enfant.prenom} {enfant.nom}"[:250],
            donnees={
                "enfant": enfant.pk,
                "famille_invitante": invitation.famille_id,
                "invitation": invitation.pk,
                "partage": complement(p_invitant),
                "partage_invitant": p_invitant,
            },
        )
        invitation.utilisee_le = timezone.now()
        invitation.demande = demande
        invitation.save(update_fields=["utilisee_le", "demande"])
    return demande


# --- staff decision ---------------------------------------------------------------------


def modifier_partage_demande(demande_id: int, p_nouveau: dict, p_premier: dict) -> None:
    """Staff correct the proposed share before accepting (inside the acceptance's
    transaction; a request already decided is left alone: the acceptance refuses it)."""
    p_nouveau, p_premier = partage(**p_nouveau), partage(**p_premier)
    demande = Demande.objects.select_for_update().get(pk=demande_id)
    if demande.type != Demande.Type.RATTACHEMENT or not demande.est_en_attente:
        return
    demande.donnees = {**demande.donnees, "partage": p_nouveau, "partage_invitant": p_premier}
    demande.save(update_fields=["donnees"])


def accepter_depuis_demande(demande: Demande, agent) -> None:
    """Called by portail.services.accepter_demande (the Demande locked, still pending)."""
    d = demande.donnees
    enfant = Enfant.objects.filter(pk=d.get("enfant")).first()
    if enfant is None:
        raise FamilleError("L'enfant de cette demande n'existe plus : refusez-la avec un motif.")
    if Famille.objects.filter(pk=d["famille_invitante"], anonymisee_le__isnull=False).exists():
        # Its account closed meanwhile: the child's file was erased with it.
        raise FamilleError(
            "Le foyer qui a invité a clos son compte depuis la demande : refusez la demande "
            "avec un motif."
        )
    if not Rattachement.objects.filter(enfant=enfant, famille_id=d["famille_invitante"]).exists():
        raise FamilleError(
            f"Le foyer qui a invité n'est plus rattaché à {enfant.prenom} : refusez la demande "
            "avec un motif."
        )
    rattacher(enfant, demande.famille, partage(**d["partage"]), partage(**d["partage_invitant"]))
    familles = {
        demande.famille_id: "nouveau",
        d["famille_invitante"]: "invitant",
    }
    for email, famille_id in Responsable.objects.filter(famille_id__in=familles).values_list(
        "user__email", "famille_id"
    ):
        p = d["partage"] if familles[famille_id] == "nouveau" else d["partage_invitant"]
        queue_email(
            email,
            "rattachement_accepte",
            {
                "enfant": enfant,
                "nouveau_foyer": familles[famille_id] == "nouveau",
                "partage": description(p),
            },
        )


def infos_demande(demande: Demande) -> dict:
    """What staff see of a request: the child, both households' names, the shares."""
    d = demande.donnees
    enfant = Enfant.objects.filter(pk=d.get("enfant")).first()
    invitante = Famille.objects.filter(pk=d.get("famille_invitante")).first()
    return {
        "enfant": enfant,
        "famille_invitante": invitante,
        "famille_invitee": demande.famille,
        "partage": d.get("partage"),
        "partage_invitant": d.get("partage_invitant"),
        "description": description(d["partage"]) if d.get("partage") else "",
        "description_invitant": description(d["partage_invitant"])
        if d.get("partage_invitant")
        else "",
    }
