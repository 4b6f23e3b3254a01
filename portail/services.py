"""Processing of parents' requests by staff (the "Demandes à traiter" queue)."""

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from comptes.errors import DomainError
from familles.services import appliquer_modification_coordonnees
from inscriptions import services as inscriptions
from portail import emails
from portail.models import Demande
from reservations import services as reservations


class DemandeError(DomainError):
    pass


# What accepting or refusing a request of each type does, inside the same
# transaction (the Demande row is locked). Types missing here only change status.
APPLIQUER_SI_ACCEPTEE: dict[str, Callable[[Demande, object], None]] = {
    Demande.Type.COORDONNEES: lambda demande, agent: appliquer_modification_coordonnees(demande),
    Demande.Type.INSCRIPTION: inscriptions.accepter_depuis_demande,
    Demande.Type.ATTESTATION: inscriptions.emettre_depuis_demande,
    Demande.Type.RESERVATION: reservations.accepter_depuis_demande,
}
APPLIQUER_SI_REFUSEE: dict[str, Callable[[Demande, object, str], None]] = {
    Demande.Type.INSCRIPTION: inscriptions.refuser_depuis_demande,
    Demande.Type.RESERVATION: reservations.refuser_depuis_demande,
}


def _verrouiller_en_attente(demande_id: int) -> Demande:
    demande = (
        Demande.objects.select_for_update(of=("self",))
        .select_related("famille", "demandeur__user")
        .get(pk=demande_id)
    )
    if not demande.est_en_attente:
        qui = f" par {demande.traitee_par}" if demande.traitee_par_id else ""
        quand = date_format(timezone.localtime(demande.traitee_le), "j F Y à H:i")
        statut = demande.get_statut_display().lower()
        raise DemandeError(
            f"La demande « {demande.objet} » a déjà été traitée ({statut} le {quand}{qui})."
        )
    return demande


def accepter_demande(demande_id: int, agent) -> Demande:
    with transaction.atomic():
        demande = _verrouiller_en_attente(demande_id)
        appliquer = APPLIQUER_SI_ACCEPTEE.get(demande.type)
        if appliquer is not None:
            appliquer(demande, agent)
        _clore(demande, Demande.Statut.ACCEPTEE, agent, "")
        emails.demande_traitee(demande)
    return demande


def refuser_demande(demande_id: int, agent, motif: str) -> Demande:
    motif = (motif or "").strip()
    if not motif:
        raise DemandeError("Indiquez le motif du refus : il sera envoyé à la famille.")
    with transaction.atomic():
        demande = _verrouiller_en_attente(demande_id)
        appliquer = APPLIQUER_SI_REFUSEE.get(demande.type)
        if appliquer is not None:
            appliquer(demande, agent, motif)
        _clore(demande, Demande.Statut.REFUSEE, agent, motif)
        emails.demande_traitee(demande)
    return demande


def _clore(demande: Demande, statut: str, agent, reponse: str) -> None:
    demande.statut = statut
    demande.traitee_le = timezone.now()
    demande.traitee_par = agent
    demande.reponse = reponse
    demande.save(update_fields=["statut", "traitee_le", "traitee_par", "reponse"])
