"""Mes messages: threads between a household and the service, and staff broadcasts.

Each side is told of a new message by e-mail, queued in the same transaction and sent
by the worker after commit; the e-mail holds no content, only a link (a message may
speak of a child's health or of money). Read state is per side: the household's
unread count reaches every parent page with the parent's own row
(Famille.messages_non_lus, read with the user: no query of its own), the service's
through `nb_non_lus_service()`.
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from comptes import fichiers
from comptes.errors import DomainError
from comptes.outbox import courriels_differes, queue_email
from familles.models import Responsable
from inscriptions.models import Inscription
from portail.models import Diffusion, Discussion, InformationsCommune, Message, PieceJointe
from reservations.models import Reservation

TAILLE_MAX_PIECE = 5 * fichiers.MIO
MAX_PIECES = 3
LONGUEUR_MAX_TEXTE = 5000


class MessagerieError(DomainError):
    pass


# --- read state -----------------------------------------------------------------------


def nb_non_lus_service() -> int:
    """Threads with a family's message no agent has read yet (admin dashboard)."""
    return Discussion.objects.non_lues_par_le_service().count()


def recompter_non_lus(familles) -> None:
    """Famille.messages_non_lus recounted from the threads, for these households (ids or
    a queryset of ids): one UPDATE, whatever their number."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    from familles.models import Famille

    non_lus = (
        Discussion.objects.filter(famille=OuterRef("pk"), non_lu_famille=True)
        .order_by()
        .values("famille")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Famille.objects.filter(pk__in=familles).update(
        messages_non_lus=Coalesce(Subquery(non_lus), Value(0), output_field=IntegerField())
    )


def marquer_lu_par_la_famille(discussion: Discussion) -> None:
    if discussion.non_lu_famille:
        Discussion.objects.filter(pk=discussion.pk).update(non_lu_famille=False)
        discussion.non_lu_famille = False
        recompter_non_lus([discussion.famille_id])


def marquer_lu_par_le_service(discussion: Discussion) -> None:
    if discussion.non_lu_service:
        Discussion.objects.filter(pk=discussion.pk).update(non_lu_service=False)
        discussion.non_lu_service = False


# --- checks ---------------------------------------------------------------------------


def _verifier_texte(texte: str) -> str:
    texte = (texte or "").strip()
    if not texte:
        raise MessagerieError("Écrivez votre message.", field="texte")
    if len(texte) > LONGUEUR_MAX_TEXTE:
        raise MessagerieError(
            f"Le message dépasse {LONGUEUR_MAX_TEXTE} caractères : raccourcissez-le.",
            field="texte",
        )
    return texte


def verifier_pieces(pieces: Iterable) -> list[tuple[object, fichiers.Nature]]:
    """Each attached file's real type, read from its content (not its name)."""
    pieces = [p for p in pieces or [] if p]
    if len(pieces) > MAX_PIECES:
        raise MessagerieError(
            f"Joignez {MAX_PIECES} fichiers au plus à un message.", field="pieces_jointes"
        )
    verifiees = []
    for piece in pieces:
        try:
            nature = fichiers.verifier(
                piece, TAILLE_MAX_PIECE, "pieces_jointes", libelle=f"Le fichier « {piece.name} »"
            )
        except fichiers.FichierError as exc:
            raise MessagerieError(exc.message, field="pieces_jointes") from None
        verifiees.append((piece, nature))
    return verifiees


def _ajouter(discussion: Discussion, auteur, texte: str, pieces, du_service: bool) -> Message:
    message = Message.objects.create(
        discussion=discussion, du_service=du_service, auteur=auteur, texte=texte
    )
    for piece, nature in pieces:
        jointe = PieceJointe(message=message, nom=piece.name[:150])
        # Random name, detected extension; deleted if this transaction rolls back.
        fichiers.enregistrer(jointe.fichier, piece, nature)
        jointe.save()
    return message


# --- e-mails (no content: a link) -----------------------------------------------------


def _prevenir_la_famille(discussion: Discussion) -> None:
    lien = reverse("discussion", args=[discussion.pk])
    for email in Responsable.objects.filter(famille_id=discussion.famille_id).values_list(
        "user__email", flat=True
    ):
        queue_email(email, "message_du_service", {"lien": lien})


def destinataires_service() -> list[str]:
    """The service's address (Informations de la commune), else the agents who may answer."""
    adresse = InformationsCommune.actuelles().courriel
    if adresse:
        return [adresse]
    User = get_user_model()
    peut_repondre = Q(groups__permissions__codename="add_message") | Q(
        user_permissions__codename="add_message"
    )
    return list(
        User.objects.filter(is_active=True, is_staff=True)
        .filter(Q(is_superuser=True) | peut_repondre)
        .values_list("email", flat=True)
        .distinct()
        .order_by("email")
    )


def _prevenir_le_service(discussion: Discussion) -> None:
    lien = reverse("admin:portail_discussion_change", args=[discussion.pk])
    for email in destinataires_service():
        queue_email(email, "message_d_une_famille", {"lien": lien})


# --- writing --------------------------------------------------------------------------


def ecrire(responsable: Responsable, objet: str, categorie: str, texte: str, pieces=()):
    """A parent starts a thread with the service."""
    objet = " ".join((objet or "").split())
    if not objet:
        raise MessagerieError("Indiquez l'objet de votre message.", field="objet")
    if (
        categorie not in Discussion.Categorie.values
        or categorie == Discussion.Categorie.INFORMATION
    ):
        raise MessagerieError("Choisissez le sujet de votre message.", field="categorie")
    texte = _verifier_texte(texte)
    pieces = verifier_pieces(pieces)
    with transaction.atomic():
        discussion = Discussion.objects.create(
            famille_id=responsable.famille_id,
            objet=objet[:150],
            categorie=categorie,
            non_lu_service=True,
        )
        _ajouter(discussion, responsable.user, texte, pieces, du_service=False)
        _prevenir_le_service(discussion)
    return discussion


def repondre_famille(responsable: Responsable, discussion: Discussion, texte: str, pieces=()):
    """A parent answers in one of the household's threads."""
    if discussion.famille_id != responsable.famille_id:  # callers pass an owned thread
        raise MessagerieError("Ce message n'existe pas.")
    texte = _verifier_texte(texte)
    pieces = verifier_pieces(pieces)
    with transaction.atomic():
        message = _ajouter(discussion, responsable.user, texte, pieces, du_service=False)
        Discussion.objects.filter(pk=discussion.pk).update(
            non_lu_service=True, dernier_message_le=message.envoye_le
        )
        _prevenir_le_service(discussion)
    return message


def repondre_service(discussion: Discussion, agent, texte: str, pieces=()) -> Message:
    """An agent answers a household's thread (admin page of the thread)."""
    texte = _verifier_texte(texte)
    pieces = verifier_pieces(pieces)
    with transaction.atomic():
        message = _ajouter(discussion, agent, texte, pieces, du_service=True)
        # Answering reads it: the service has seen the household's last message.
        Discussion.objects.filter(pk=discussion.pk).update(
            non_lu_famille=True, non_lu_service=False, dernier_message_le=message.envoye_le
        )
        recompter_non_lus([discussion.famille_id])
        _prevenir_la_famille(discussion)
    return message


# --- broadcasts -----------------------------------------------------------------------


def familles_ciblees(activite=None, site=None, jour=None):
    """Ids of the households a broadcast reaches: on `jour`, those with a child booked
    that day (in the activity or site if given); otherwise those with a current
    enrolment (not refused or cancelled) in the activity or site."""
    if jour is not None:
        reservations = Reservation.objects.actives().filter(date=jour)
        if activite is not None:
            reservations = reservations.filter(activite=activite)
        if site is not None:
            reservations = reservations.filter(activite__site=site)
        ids = reservations.values_list("inscription__famille_id", flat=True)
    else:
        inscriptions = Inscription.objects.actives().filter(
            date_fin__gte=timezone.localdate(), famille__anonymisee_le__isnull=True
        )
        if activite is not None:
            inscriptions = inscriptions.filter(activite=activite)
        if site is not None:
            inscriptions = inscriptions.filter(activite__site=site)
        ids = inscriptions.values_list("famille_id", flat=True)
    return sorted(set(ids))


def diffuser(diffusion: Diffusion, agent) -> Diffusion:
    """Send a broadcast: one thread per household (bulk inserts, a constant number of
    queries whatever the number of households) and one e-mail per parent, queued."""
    if not (diffusion.activite_id or diffusion.site_id or diffusion.jour):
        raise MessagerieError("Choisissez une activité, un site ou un jour.")
    texte = _verifier_texte(diffusion.texte)
    objet = " ".join((diffusion.objet or "").split())
    if not objet:
        raise MessagerieError("Indiquez l'objet du message.", field="objet")
    with transaction.atomic():
        ids = familles_ciblees(diffusion.activite, diffusion.site, diffusion.jour)
        if not ids:
            raise MessagerieError(
                "Aucune famille ne correspond à ce choix : le message n'est pas envoyé."
            )
        maintenant = timezone.now()
        diffusion.objet, diffusion.texte = objet, texte
        diffusion.envoyee_par, diffusion.envoyee_le = agent, maintenant
        diffusion.nb_familles = len(ids)
        diffusion.save()
        discussions = Discussion.objects.bulk_create(
            [
                Discussion(
                    famille_id=famille_id,
                    objet=objet,
                    categorie=Discussion.Categorie.INFORMATION,
                    cree_le=maintenant,
                    dernier_message_le=maintenant,
                    non_lu_famille=True,
                    diffusion=diffusion,
                )
                for famille_id in ids
            ],
            batch_size=500,
        )
        Message.objects.bulk_create(
            [
                Message(
                    discussion=d, du_service=True, auteur=agent, texte=texte, envoye_le=maintenant
                )
                for d in discussions
            ],
            batch_size=500,
        )
        recompter_non_lus(ids)
        liens = {d.famille_id: {"lien": reverse("discussion", args=[d.pk])} for d in discussions}
        emails = Responsable.objects.filter(famille_id__in=ids).values_list(
            "famille_id", "user__email"
        )
        courriels_differes(
            [(email, "message_du_service", liens[famille_id]) for famille_id, email in emails]
        )
    return diffusion
