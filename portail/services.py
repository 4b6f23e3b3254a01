"""Processing of parents' requests by staff (the "Demandes à traiter" queue)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from comptes.errors import DomainError
from comptes.services import finances
from familles import documents, second_foyer
from familles.services import appliquer_modification_coordonnees
from inscriptions import services as inscriptions
from portail import emails, rgpd
from portail.models import Demande
from reservations import absences
from reservations import services as reservations


class DemandeError(DomainError):
    pass


@dataclass(frozen=True)
class Traitement:
    """What processing a request of one type does, inside the same transaction (the
    Demande row locked), the permission it needs besides the queue's own, and whether
    that type sends its own e-mail (then the generic one is not sent)."""

    permission: str
    si_acceptee: Callable[[Demande, object], None] | None = None
    si_refusee: Callable[[Demande, object, str], None] | None = None
    courriel_propre: bool = False


TRAITEMENTS: dict[str, Traitement] = {
    Demande.Type.COORDONNEES: Traitement(
        "familles.change_responsable",
        si_acceptee=lambda demande, agent: appliquer_modification_coordonnees(demande),
    ),
    Demande.Type.INSCRIPTION: Traitement(
        "inscriptions.change_inscription",
        si_acceptee=inscriptions.accepter_depuis_demande,
        si_refusee=inscriptions.refuser_depuis_demande,
        courriel_propre=True,
    ),
    Demande.Type.ATTESTATION: Traitement(
        "inscriptions.change_inscription",
        si_acceptee=inscriptions.emettre_depuis_demande,
        courriel_propre=True,
    ),
    Demande.Type.REVENUS: Traitement(
        "comptes.add_quotientfamilial",
        si_acceptee=lambda demande, agent: finances.accepter_revenus(demande, agent),
    ),
    Demande.Type.RESERVATION: Traitement(
        "reservations.change_reservation",
        si_acceptee=reservations.accepter_depuis_demande,
        si_refusee=reservations.refuser_depuis_demande,
    ),
    # A document is accepted only once the agent has opened it (never unseen, in bulk).
    Demande.Type.DOCUMENT: Traitement(
        "familles.change_document",
        si_acceptee=documents.accepter_depuis_demande,
        si_refusee=documents.refuser_depuis_demande,
    ),
    # A certificate for a declared absence: accepting it justifies the days (credit notes
    # for days already invoiced); the family gets an e-mail saying what is billed.
    Demande.Type.CERTIFICAT_ABSENCE: Traitement(
        "reservations.change_reservation",
        si_acceptee=absences.accepter_certificat,
        si_refusee=absences.refuser_certificat,
        courriel_propre=True,
    ),
    # Garde alternée: the invited parent's household asks to be linked to the child;
    # accepting links it with the share (editable on the request's page) and tells both
    # households (the child's name only); a refusal tells the invited household.
    Demande.Type.RATTACHEMENT: Traitement(
        "familles.add_rattachement",
        si_acceptee=second_foyer.accepter_depuis_demande,
        courriel_propre=True,
    ),
    # Closing an account erases for good: only those who may delete households decide.
    Demande.Type.CLOTURE: Traitement(
        "familles.delete_famille",
        si_acceptee=rgpd.anonymiser_depuis_demande,
        courriel_propre=True,
    ),
}
PAR_DEFAUT = Traitement("portail.change_demande")


def _traitement(demande: Demande, agent) -> Traitement:
    traitement = TRAITEMENTS.get(demande.type, PAR_DEFAUT)
    if agent is not None and not agent.has_perm(traitement.permission):
        raise DemandeError(
            f"Vous n'avez pas le droit de traiter les demandes de type "
            f"« {demande.get_type_display()} »."
        )
    return traitement


def _verrouiller_en_attente(demande_id: int) -> Demande:
    demande = (
        Demande.objects.select_for_update(of=("self",), no_key=True)
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
        traitement = _traitement(demande, agent)
        if traitement.si_acceptee is not None:
            traitement.si_acceptee(demande, agent)
        _clore(demande, Demande.Statut.ACCEPTEE, agent, "")
        if not traitement.courriel_propre:
            emails.demande_traitee(demande)
    return demande


def refuser_demande(demande_id: int, agent, motif: str) -> Demande:
    motif = (motif or "").strip()
    if not motif:
        raise DemandeError("Indiquez le motif du refus : il sera envoyé à la famille.")
    with transaction.atomic():
        demande = _verrouiller_en_attente(demande_id)
        traitement = _traitement(demande, agent)
        if traitement.si_refusee is not None:
            traitement.si_refusee(demande, agent, motif)
        _clore(demande, Demande.Statut.REFUSEE, agent, motif)
        if not traitement.courriel_propre or traitement.si_refusee is None:
            emails.demande_traitee(demande)
    return demande


def _clore(demande: Demande, statut: str, agent, reponse: str) -> None:
    demande.statut = statut
    demande.traitee_le = timezone.now()
    demande.traitee_par = agent
    demande.reponse = reponse
    demande.save(update_fields=["statut", "traitee_le", "traitee_par", "reponse"])
