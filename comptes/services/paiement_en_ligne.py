"""Online payment (eopayment): a payment is recorded only from an answer the bank itself
vouches for, for the order we opened and the exact amount asked, once.

Backends (portail/settings.py refuses the others at start-up):
- ``payfip_ws`` (production): the return and notification URLs only name the operation
  (idop); its result, amount, reference and mode are asked from the PayFiP web service,
  so a request forged by a parent can neither invent nor alter a payment.
- ``dummy`` (demo and tests, with the local test bank): believes what the browser brings
  back, hence only with PAIEMENT_BANQUE_DE_TEST.
``tipi`` and the other modules read the result from what the browser brings back, without
asking the bank: they cannot vouch for a payment.
"""

import datetime
import logging
import re
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qs

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from comptes.formats import euros
from comptes.models import Facture, Paiement, TransactionEnLigne
from comptes.services.finances import FinanceError, reste_a_payer, solde

PAIEMENT_EN_COURS = datetime.timedelta(minutes=30)
# The query parameter that names our operation in each backend's answer (PayFiP sends
# ``idop`` to the return URL and ``idOp`` to the notification URL).
IDENTIFIANTS = {"payfip_ws": ("idop", "idOp"), "dummy": ("transaction_id",)}
ILLISIBLE = "Réponse de la banque illisible : aucun paiement enregistré."

logger = logging.getLogger(__name__)


def _backend():
    import eopayment

    nom = settings.PAIEMENT_EN_LIGNE_BACKEND
    # settings.py refuses these at start-up; checked again so that no other path
    # (a settings override, a stale process) can record an unvouched payment.
    if nom not in IDENTIFIANTS or (nom == "dummy" and not settings.PAIEMENT_BANQUE_DE_TEST):
        raise FinanceError("Le paiement en ligne est mal configuré : aucun paiement enregistré.")
    options = dict(settings.PAIEMENT_EN_LIGNE_OPTIONS)
    options.setdefault("normal_return_url", f"{settings.PORTAIL_URL}/compte/paiement/retour/")
    options.setdefault(
        "automatic_return_url", f"{settings.PORTAIL_URL}/compte/paiement/notification/"
    )
    return eopayment.Payment(nom, options)


def reference(facture: Facture) -> str:
    """The debt reference given to PayFiP (refdet: letters and digits only)."""
    return re.sub(r"[^A-Za-z0-9]", "", facture.numero)


def _en_euros(brut, unite: int) -> Decimal | None:
    """An amount the bank reports (unite: 100 when it counts in cents), None if unreadable."""
    try:
        valeur = Decimal(str(brut)) / unite
        return valeur if valeur == valeur.quantize(Decimal("0.01")) else None
    except (InvalidOperation, TypeError, ValueError):  # "abc", NaN, 1e999999
        return None


def demarrer_paiement_en_ligne(facture: Facture, email: str) -> str:
    """Open a payment at the bank for what remains due; returns the URL to go to."""
    if facture.type != Facture.Type.FACTURE:
        raise FinanceError("Un avoir ne se paie pas.")
    backend = _backend()
    with transaction.atomic():
        # One payment at a time per invoice: two tabs must not both charge the family.
        Facture.objects.select_for_update(no_key=True).filter(pk=facture.pk).exists()
        recente = facture.transactions.filter(
            statut=TransactionEnLigne.Statut.EN_COURS,
            cree_le__gte=timezone.now() - PAIEMENT_EN_COURS,
        )
        if recente.exists():
            raise FinanceError(
                "Un paiement en ligne de cette facture est déjà en cours ; "
                "réessayez dans une demi-heure s'il n'a pas abouti."
            )
        du = reste_a_payer(facture)
        if du <= 0:
            raise FinanceError(f"La facture {facture.numero} est déjà payée.")
        # A credit in the household's favour (overpayment, avoir) is used first.
        du = min(du, solde(facture.famille))
        if du <= 0:
            raise FinanceError("Votre crédit couvre ce qui reste dû : rien à payer en ligne.")
        minimum = backend.get_minimal_amount()
        if minimum and du < minimum:
            raise FinanceError(
                f"Le paiement en ligne commence à {euros(minimum)} : "
                f"payez les {euros(du)} restants au guichet."
            )
        try:
            identifiant, _, url = backend.request(
                du,
                email=email,
                orderid=facture.numero,
                refdet=reference(facture),
                subject=f"Facture {facture.numero}",
            )
        except Exception as exc:  # the bank unreachable or refusing: say so, record nothing
            logger.warning("Paiement en ligne impossible pour %s : %s", facture.numero, exc)
            raise FinanceError(
                "Le service de paiement en ligne ne répond pas : réessayez "
                "plus tard ou payez au guichet."
            ) from None
        TransactionEnLigne.objects.create(facture=facture, montant=du, identifiant=identifiant)
    if settings.PAIEMENT_EN_LIGNE_BACKEND == "dummy":
        # eopayment's test backend points to an Internet service; the demo and the tests
        # use the portal's own test bank page with the same query string instead.
        url = f"/compte/paiement/banque-de-test/?{url.partition('?')[2]}"
    return url


def _identifiant(query_string: str) -> str:
    champs = parse_qs(query_string)
    for nom in IDENTIFIANTS[settings.PAIEMENT_EN_LIGNE_BACKEND]:
        if champs.get(nom):
            return champs[nom][0]
    raise FinanceError(ILLISIBLE)


def _reponse_de_la_banque(backend, operation: TransactionEnLigne, query_string: str):
    if settings.PAIEMENT_EN_LIGNE_BACKEND == "payfip_ws":
        # Nothing of the query string but the idop is used: the web service tells the
        # result (the date lets eopayment tell "still paying" from "abandoned").
        return backend.backend.payment_status(
            operation.identifiant, transaction_date=operation.cree_le
        )
    return backend.response(query_string)


def _anomalie(operation: TransactionEnLigne, reponse) -> str:
    """Why a payment the bank reports paid must not be recorded ("" when it may)."""
    donnees = reponse.bank_data or {}
    if settings.PAIEMENT_EN_LIGNE_BACKEND == "payfip_ws":
        numcli = str(settings.PAIEMENT_EN_LIGNE_OPTIONS.get("numcli"))
        if str(donnees.get("numcli")) != numcli:
            return f"numéro client {donnees.get('numcli')} au lieu de {numcli}"
        if donnees.get("refdet") != reference(operation.facture):
            return f"référence {donnees.get('refdet')} au lieu de {reference(operation.facture)}"
        paye = _en_euros(donnees.get("montant"), 100)
    else:  # the test bank sends back the amount in euros
        paye = _en_euros((donnees.get("amount") or [None])[0], 1)
    if reponse.test and not settings.PAIEMENT_BANQUE_DE_TEST:
        return "paiement en mode test : aucun argent versé"
    if paye != operation.montant:
        lu = euros(paye) if paye is not None else "un montant illisible"
        return f"{lu} payés au lieu de {euros(operation.montant)}"
    return ""


def traiter_retour_banque(query_string: str) -> TransactionEnLigne:
    """The bank's answer (user return or server notification, possibly twice, possibly
    forged): a payment the bank vouches for, for this order and the exact amount asked,
    becomes one Paiement, once; a failed or cancelled one changes nothing."""
    import eopayment

    backend = _backend()
    operation = TransactionEnLigne.objects.filter(identifiant=_identifiant(query_string)).first()
    if operation is None:
        raise FinanceError("Paiement inconnu : aucun paiement enregistré.")
    if operation.statut != TransactionEnLigne.Statut.EN_COURS:
        return operation  # already handled: a second notification counts once
    try:
        # Outside the transaction: no row stays locked while the bank answers.
        reponse = _reponse_de_la_banque(backend, operation, query_string)
    except eopayment.PaymentException as exc:
        logger.warning("Réponse de banque invalide pour %s : %r", operation.identifiant, exc)
        raise FinanceError(
            "La banque n'a pas confirmé le paiement : rien n'est enregistré pour l'instant "
            "(la confirmation de la banque suivra)."
        ) from None
    if not reponse.signed or reponse.order_id != operation.identifiant:
        # Anyone can forge an unsigned answer: it changes nothing, not even a failure
        # that would make the bank's real notification look already handled.
        return operation
    with transaction.atomic():
        operation = (
            TransactionEnLigne.objects.select_for_update()
            .select_related("facture__famille")
            .get(pk=operation.pk)
        )
        if operation.statut != TransactionEnLigne.Statut.EN_COURS:
            return operation  # the other answer (return or notification) won the race
        if reponse.result == eopayment.WAITING:
            return operation
        operation.repondu_le = timezone.now()
        if reponse.result != eopayment.PAID:
            operation.statut = TransactionEnLigne.Statut.ECHEC
        elif motif := _anomalie(operation, reponse):
            logger.error("Paiement en ligne %s à vérifier : %s", operation.identifiant, motif)
            operation.statut = TransactionEnLigne.Statut.ANOMALIE
            operation.motif = motif[:200]
        else:
            operation.statut = TransactionEnLigne.Statut.PAYEE
            Paiement.objects.create(
                famille=operation.facture.famille,
                facture=operation.facture,
                montant=operation.montant,
                mode=Paiement.Mode.EN_LIGNE,
                reference=operation.identifiant,
                date=timezone.localdate(),
            )
        operation.save(update_fields=["statut", "repondu_le", "motif"])
    return operation
