"""Financial rules: quotient familial, prices, monthly invoices, payments.

Money is Decimal rounded to the cent (half up), never float.
"""

import datetime
import logging
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from comptes.errors import DomainError
from comptes.historique import creer_en_masse
from comptes.models import (
    CompteurFactures,
    Facture,
    LigneFacture,
    Paiement,
    QuotientFamilial,
    Revenu,
    Tarif,
    TrancheTarif,
)
from comptes.outbox import courriels_differes

ZERO = Decimal("0.00")
CENTIME = Decimal("0.01")
TAILLE_MAX_JUSTIFICATIF = 5 * 1024 * 1024
SIGNATURES = {b"%PDF-": "PDF", b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG"}
DELAI_PAIEMENT = datetime.timedelta(days=30)
MONTANT_MAX = Decimal("10000000")  # 10 millions: fits every amount column
PAIEMENT_EN_COURS = datetime.timedelta(minutes=30)


logger = logging.getLogger(__name__)


class FinanceError(DomainError):
    pass


def euros(valeur: Decimal) -> str:
    """ "1 234,56 €", as parents read amounts."""
    from django.utils.formats import number_format

    return f"{number_format(valeur, 2, force_grouping=True)} €"


def arrondi(valeur: Decimal) -> Decimal:
    return Decimal(valeur).quantize(CENTIME, rounding=ROUND_HALF_UP)


def montant(saisie, champ: str = "montant") -> Decimal:
    """A French amount ("1 234,56") as Decimal; FinanceError otherwise."""
    texte = str(saisie).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        valeur = Decimal(texte)
    except (InvalidOperation, ValueError):
        raise FinanceError(
            "Saisissez un montant en euros, par exemple 1234,56.", field=champ
        ) from None
    if not valeur.is_finite():
        raise FinanceError("Saisissez un montant en euros, par exemple 1234,56.", field=champ)
    if valeur < 0:
        raise FinanceError("Le montant ne peut pas être négatif.", field=champ)
    if valeur >= MONTANT_MAX:
        raise FinanceError("Ce montant est trop élevé : vérifiez la saisie.", field=champ)
    if valeur != valeur.quantize(CENTIME, rounding=ROUND_HALF_UP):
        raise FinanceError("Le montant s'écrit au centime près, par exemple 1234,56.", field=champ)
    return arrondi(valeur)


def premier_du_mois_suivant(jour: datetime.date) -> datetime.date:
    return (jour.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


# --- quotient familial ---------------------------------------------------------------


def parts(famille) -> Decimal:
    """CAF parts: 2 for the parents (or a single parent), 0.5 for each of the first two
    children, 1 from the third, +0.5 for each disabled child."""
    enfants = famille.nombre_enfants_a_charge
    total = Decimal(2) + Decimal("0.5") * min(enfants, 2) + Decimal(max(enfants - 2, 0))
    return total + Decimal("0.5") * min(famille.nombre_enfants_handicapes, enfants)


def calculer_quotient(revenus_annuels: Decimal, nb_parts: Decimal) -> Decimal:
    return arrondi(Decimal(revenus_annuels) / 12 / nb_parts)


def quotient_au(quotients: list[QuotientFamilial], jour: datetime.date) -> QuotientFamilial | None:
    """The quotient in force on a day, from a household's history (newest first)."""
    for quotient in quotients:
        if quotient.depuis <= jour:
            return quotient
    return None


def verifier_justificatif(fichier) -> str:
    """The document's real type, read from its first bytes (not its name)."""
    if fichier is None:
        raise FinanceError(
            "Joignez un justificatif (avis d'imposition ou attestation CAF).", field="justificatif"
        )
    if fichier.size > TAILLE_MAX_JUSTIFICATIF:
        raise FinanceError(
            "Le justificatif dépasse 5 Mo : réduisez-le ou photographiez seulement la page utile.",
            field="justificatif",
        )
    debut = fichier.read(16)
    fichier.seek(0)
    for signature, nature in SIGNATURES.items():
        if debut.startswith(signature):
            return nature
    raise FinanceError(
        "Le justificatif doit être un PDF, une image JPEG ou PNG.", field="justificatif"
    )


def declarer_revenus(responsable, annee: int, revenus, fichier) -> Revenu:
    """The parent's declaration: a Revenu and a Demande for staff, in one transaction."""
    from portail.models import Demande

    aujourd_hui = timezone.localdate()
    if not aujourd_hui.year - 3 <= annee <= aujourd_hui.year:
        raise FinanceError(
            f"L'année des revenus doit être comprise entre "
            f"{aujourd_hui.year - 3} et {aujourd_hui.year}.",
            field="annee",
        )
    valeur = montant(revenus, "montant_annuel")
    verifier_justificatif(fichier)
    with transaction.atomic():
        demande = Demande.objects.create(
            famille=responsable.famille,
            demandeur=responsable,
            type=Demande.Type.REVENUS,
            objet=f"Revenus {annee} : {euros(valeur)}",
            donnees={"annee": annee, "montant": str(valeur)},
        )
        return Revenu.objects.create(
            famille=responsable.famille,
            annee=annee,
            montant_annuel=valeur,
            justificatif=fichier,
            demande=demande,
        )


def accepter_revenus(demande, agent) -> QuotientFamilial:
    """Staff accepted declared incomes: the computed quotient applies next month."""
    from familles.models import Famille

    revenu = Revenu.objects.select_for_update().get(demande=demande)
    famille = Famille.objects.get(pk=revenu.famille_id)
    nb_parts = parts(famille)
    revenu.valide = True
    revenu.save(update_fields=["valide"])
    return QuotientFamilial.objects.create(
        famille=famille,
        valeur=calculer_quotient(revenu.montant_annuel, nb_parts),
        source=QuotientFamilial.Source.CALCULE,
        parts=nb_parts,
        revenu=revenu,
        depuis=premier_du_mois_suivant(timezone.localdate()),
        cree_par=agent,
    )


def saisir_quotient_caf(famille, valeur, agent, depuis: datetime.date | None = None):
    """The CAF/MSA figure entered by staff; never backwards (next month at the earliest)."""
    valeur = montant(valeur, "valeur")
    minimum = premier_du_mois_suivant(timezone.localdate())
    depuis = depuis or minimum
    if depuis < minimum:
        raise FinanceError(
            f"Un quotient s'applique au plus tôt le {minimum:%d/%m/%Y} : jamais rétroactivement.",
            field="depuis",
        )
    return QuotientFamilial.objects.create(
        famille=famille,
        valeur=valeur,
        depuis=depuis,
        source=QuotientFamilial.Source.CAF,
        cree_par=agent,
    )


# --- prices --------------------------------------------------------------------------


def prix_unitaire(tarif: Tarif, tranches, quotient: Decimal | None, hors_commune: bool):
    if hors_commune and tarif.prix_hors_commune is not None:
        return tarif.prix_hors_commune
    if quotient is None:
        return tarif.prix_sans_quotient
    if tarif.mode == Tarif.Mode.TAUX_EFFORT and tarif.taux_effort is not None:
        prix = arrondi(quotient * tarif.taux_effort)
        if tarif.prix_minimum is not None:
            prix = max(prix, tarif.prix_minimum)
        if tarif.prix_maximum is not None:
            prix = min(prix, tarif.prix_maximum)
        return prix
    for tranche in tranches:
        if quotient >= tranche.qf_min and (tranche.qf_max is None or quotient < tranche.qf_max):
            return tranche.prix
    return tarif.prix_sans_quotient


# --- invoices ------------------------------------------------------------------------


def _bilan_facturation(nb: int, total: Decimal, sans_tarif: set[str]) -> dict:
    return {"factures": nb, "total": total, "activites_sans_tarif": sorted(sans_tarif)}


def facturer_mois(mois: datetime.date, familles=None, agent=None) -> dict:
    """Invoice a month for every household (or a chosen few): one line per child,
    activity and day. Running it twice, or twice at once, creates nothing new."""
    from familles.models import Famille
    from inscriptions.models import Activite
    from reservations.delais import RegleDelai
    from reservations.models import Reservation

    mois = mois.replace(day=1)
    fin = premier_du_mois_suivant(mois) - datetime.timedelta(days=1)
    if fin >= timezone.localdate():
        raise FinanceError("On ne facture qu'un mois terminé.", field="mois")
    annee = timezone.localdate().year
    with transaction.atomic():
        # One invoicing run at a time for the year: numbers stay gapless and a second
        # run started meanwhile finds the invoices already there.
        CompteurFactures.objects.get_or_create(annee=annee)
        compteur = CompteurFactures.objects.select_for_update().get(annee=annee)
        deja = set(
            Facture.objects.filter(mois=mois, type=Facture.Type.FACTURE).values_list(
                "famille_id", flat=True
            )
        )
        # Plain rows, not model instances: a whole town is some 200 000 days.
        jours = (
            Reservation.objects.filter(
                date__range=(mois, fin),
                etat__in=[
                    Reservation.Etat.RESERVEE,
                    Reservation.Etat.PRESENT,
                    Reservation.Etat.ABSENT,
                ],
            )
            .exclude(inscription__famille_id__in=deja)
            .order_by("inscription__famille_id", "date", "enfant__prenom")
        )
        if familles is not None:
            jours = jours.filter(inscription__famille__in=familles)
        jours = list(
            jours.values_list(
                "pk",
                "inscription_id",
                "inscription__famille_id",
                "enfant__prenom",
                "enfant__nom",
                "activite_id",
                "date",
                "etat",
                "source",
                "sans_reservation",
                "cree_le",
            )
        )
        ids_familles = {j[2] for j in jours}
        quotients = defaultdict(list)
        for q in QuotientFamilial.objects.filter(
            famille_id__in=ids_familles, depuis__lte=fin
        ).order_by("-depuis", "-cree_le"):
            quotients[q.famille_id].append(q)
        tranches = defaultdict(list)
        for t in TrancheTarif.objects.order_by("qf_min"):
            tranches[t.tarif_id].append(t)
        activites = {
            a.pk: a
            for a in Activite.objects.filter(pk__in={j[5] for j in jours}).select_related(
                "site", "tarif", "parametres_reservation"
            )
        }
        familles_par_id = Famille.objects.in_bulk(ids_familles)
        lignes_par_famille, sans_tarif = defaultdict(list), set()
        for (
            pk,
            inscription_id,
            famille_id,
            prenom,
            nom,
            activite_id,
            jour,
            etat,
            source,
            sans_reservation,
            cree_le,
        ) in jours:
            activite = activites[activite_id]
            tarif = getattr(activite, "tarif", None)
            if tarif is None:
                sans_tarif.add(f"{activite.nom} ({activite.site.nom})")
                continue
            famille = familles_par_id[famille_id]
            qf = quotient_au(quotients[famille_id], jour)
            prix = prix_unitaire(
                tarif, tranches[tarif.pk], qf.valeur if qf else None, famille.hors_commune
            )
            supplement, detail = ZERO, tarif.get_unite_display()
            if sans_reservation:
                supplement, detail = tarif.forfait_sans_reservation, "présence sans réservation"
            elif tarif.majoration_retard and _reservee_en_retard(
                activite, jour, source, cree_le, RegleDelai
            ):
                supplement = arrondi(prix * tarif.majoration_retard / 100)
                detail = f"réservation tardive (+{tarif.majoration_retard} %)"
            if etat == Reservation.Etat.ABSENT:
                detail = f"{detail}, absence non justifiée"
            lignes_par_famille[famille_id].append(
                LigneFacture(
                    reservation_id=pk,
                    inscription_id=inscription_id,
                    date=jour,
                    enfant=f"{prenom} {nom}",
                    activite=f"{activite.nom} — {activite.site.nom}",
                    libelle=detail,
                    quotient=qf.valeur if qf else None,
                    prix_unitaire=prix,
                    supplement=supplement,
                    montant=prix + supplement,
                )
            )
        maintenant = timezone.now()
        factures = []
        for famille_id, lignes in lignes_par_famille.items():
            compteur.dernier += 1
            factures.append(
                Facture(
                    famille_id=famille_id,
                    numero=f"F{annee}-{compteur.dernier:06d}",
                    mois=mois,
                    emise_le=maintenant,
                    echeance=timezone.localdate(maintenant) + DELAI_PAIEMENT,
                    montant=sum((ligne.montant for ligne in lignes), ZERO),
                    destinataire=_destinataire(familles_par_id[famille_id]),
                )
            )
        try:
            creer_en_masse(
                Facture, factures, par=agent, raison=f"Facturation de {mois:%m/%Y}"
            )
        except IntegrityError:
            raise FinanceError(
                "Ce mois vient d'être facturé par un autre agent : rien n'a "
                "été créé, rechargez la page."
            ) from None
        toutes = []
        for facture in factures:
            for ligne in lignes_par_famille[facture.famille_id]:
                ligne.facture_id = facture.pk
                toutes.append(ligne)
        LigneFacture.objects.bulk_create(toutes, batch_size=5000)
        compteur.save(update_fields=["dernier"])
        _notifier(factures)
    return _bilan_facturation(len(factures), sum((f.montant for f in factures), ZERO), sans_tarif)


def _reservee_en_retard(activite, jour, source, cree_le, RegleDelai) -> bool:
    """Booked by staff after the booking deadline (parents cannot book that late)."""
    parametres = getattr(activite, "parametres_reservation", None)
    if parametres is None or source != "service":
        return False
    regle = RegleDelai(
        parametres.reservation_mode,
        parametres.reservation_jours,
        parametres.reservation_heure,
        parametres.reservation_jour_semaine,
        parametres.reservation_sans_weekend,
        parametres.reservation_sans_feries,
    )
    return regle.depasse(jour, cree_le)


def _destinataire(famille) -> dict:
    return {
        "nom": famille.nom,
        "adresse": famille.adresse,
        "complement": famille.complement_adresse,
        "code_postal": famille.code_postal,
        "ville": famille.ville,
        "commune": settings.PORTAIL_COMMUNE,
    }


def creer_avoir(facture: Facture, somme, motif: str, agent) -> Facture:
    """A credit note: an issued invoice is never changed, it is corrected."""
    if facture.type != Facture.Type.FACTURE:
        raise FinanceError("Un avoir se fait sur une facture, pas sur un autre avoir.")
    somme = montant(somme)
    motif = (motif or "").strip()
    if not motif:
        raise FinanceError("Indiquez le motif de l'avoir.", field="motif")
    with transaction.atomic():
        annee = timezone.localdate().year
        CompteurFactures.objects.get_or_create(annee=annee)
        compteur = CompteurFactures.objects.select_for_update().get(annee=annee)
        deja = (
            Facture.objects.filter(facture_origine=facture).aggregate(s=Sum("montant"))["s"] or ZERO
        )
        if somme <= 0 or somme + deja > facture.montant:
            raise FinanceError(
                f"L'avoir doit être positif et ne pas dépasser "
                f"{facture.montant - deja} € restant sur la facture.",
                field="montant",
            )
        compteur.dernier += 1
        compteur.save(update_fields=["dernier"])
        return Facture.objects.create(
            famille=facture.famille,
            type=Facture.Type.AVOIR,
            numero=f"F{annee}-{compteur.dernier:06d}",
            mois=facture.mois,
            echeance=timezone.localdate(),
            montant=somme,
            facture_origine=facture,
            motif=motif,
            destinataire=facture.destinataire,
        )


# --- balances and payments ------------------------------------------------------------


def paye_par_facture(factures) -> dict[int, Decimal]:
    """What was paid (or credited by an avoir) on each invoice."""
    ids = [f.pk for f in factures]
    payes = defaultdict(lambda: ZERO)
    for facture_id, somme in (
        Paiement.objects.filter(facture_id__in=ids)
        .values_list("facture_id")
        .annotate(s=Sum("montant"))
        .order_by()
    ):
        payes[facture_id] += somme
    for facture_id, somme in (
        Facture.objects.filter(facture_origine_id__in=ids)
        .values_list("facture_origine_id")
        .annotate(s=Sum("montant"))
        .order_by()
    ):
        payes[facture_id] += somme
    return payes


def paiements_par_facture(factures) -> dict[int, Decimal]:
    """Money actually paid on each invoice (credit notes left out)."""
    payes = defaultdict(lambda: ZERO)
    for facture_id, somme in (
        Paiement.objects.filter(facture_id__in=[f.pk for f in factures])
        .values_list("facture_id")
        .annotate(s=Sum("montant"))
        .order_by()
    ):
        payes[facture_id] += somme
    return payes


def statut_facture(facture: Facture, paye: Decimal) -> str:
    if paye >= facture.montant:
        return "payée"
    if paye > 0:
        return "partiellement payée"
    return "à payer"


def solde(famille) -> Decimal:
    """What the household owes (negative: a credit in its favour)."""
    factures = (
        Facture.objects.filter(famille=famille, type=Facture.Type.FACTURE).aggregate(
            s=Sum("montant")
        )["s"]
        or ZERO
    )
    avoirs = (
        Facture.objects.filter(famille=famille, type=Facture.Type.AVOIR).aggregate(
            s=Sum("montant")
        )["s"]
        or ZERO
    )
    payes = Paiement.objects.filter(famille=famille).aggregate(s=Sum("montant"))["s"] or ZERO
    return factures - avoirs - payes


def enregistrer_paiement(
    famille,
    somme,
    mode: str,
    agent=None,
    facture: Facture | None = None,
    reference: str = "",
    date: datetime.date | None = None,
) -> Paiement:
    somme = montant(somme)
    if somme <= 0:
        raise FinanceError("Le montant du paiement doit être positif.", field="montant")
    if mode not in Paiement.Mode.values:
        raise FinanceError("Mode de paiement inconnu.", field="mode")
    if facture is not None and facture.famille_id != famille.pk:
        raise FinanceError("Cette facture n'est pas celle de ce foyer.", field="facture")
    return Paiement.objects.create(
        famille=famille,
        facture=facture,
        montant=somme,
        mode=mode,
        reference=reference,
        date=date or timezone.localdate(),
        enregistre_par=agent,
    )


def _notifier(factures: list[Facture]) -> None:
    """One e-mail per parent, queued in bulk and left to `envoyer_courriels` (a run for
    the whole town must not wait on the mail server)."""
    from familles.models import Responsable

    emails = defaultdict(list)
    for famille_id, email in Responsable.objects.filter(
        famille_id__in=[f.famille_id for f in factures]
    ).values_list("famille_id", "user__email"):
        emails[famille_id].append(email)
    courriels_differes(
        [
            (email, "facture_disponible", {"facture": facture})
            for facture in factures
            for email in emails[facture.famille_id]
        ]
    )


# --- online payment (eopayment) ---------------------------------------------------------


def _backend():
    import eopayment

    options = dict(settings.PAIEMENT_EN_LIGNE_OPTIONS)
    options.setdefault("normal_return_url", f"{settings.PORTAIL_URL}/compte/paiement/retour/")
    options.setdefault(
        "automatic_return_url", f"{settings.PORTAIL_URL}/compte/paiement/notification/"
    )
    return eopayment.Payment(settings.PAIEMENT_EN_LIGNE_BACKEND, options)


def reste_a_payer(facture: Facture) -> Decimal:
    return max(ZERO, facture.montant - paye_par_facture([facture])[facture.pk])


def demarrer_paiement_en_ligne(facture: Facture, email: str) -> str:
    """Open a payment at the bank for what remains due; returns the URL to go to."""
    from comptes.models import TransactionEnLigne

    if facture.type != Facture.Type.FACTURE:
        raise FinanceError("Un avoir ne se paie pas.")
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
        try:
            identifiant, _, url = _backend().request(
                du, email=email, orderid=facture.numero, subject=f"Facture {facture.numero}"
            )
        except Exception as exc:  # the bank unreachable or refusing: say so, record nothing
            logger.warning("Paiement en ligne impossible pour %s : %s", facture.numero, exc)
            raise FinanceError(
                "Le service de paiement en ligne ne répond pas : réessayez "
                "plus tard ou payez au guichet."
            ) from None
        TransactionEnLigne.objects.create(facture=facture, montant=du, identifiant=identifiant)
    if settings.PAIEMENT_BANQUE_DE_TEST and settings.PAIEMENT_EN_LIGNE_BACKEND == "dummy":
        # eopayment's test backend points to an Internet service; the demo and the tests
        # use the portal's own test bank page with the same query string instead.
        url = f"/compte/paiement/banque-de-test/?{url.partition('?')[2]}"
    return url


def traiter_retour_banque(query_string: str):
    """The bank's answer (user return or server notification, possibly twice): a paid
    transaction becomes one Paiement, once; a failed or cancelled one changes nothing."""
    import eopayment

    from comptes.models import TransactionEnLigne

    try:
        reponse = _backend().response(query_string)
    except eopayment.ResponseError:
        raise FinanceError("Réponse de la banque illisible : aucun paiement enregistré.") from None
    with transaction.atomic():
        # eopayment's convention: order_id is the id given when the payment started
        # (PayFiP's idop); transaction_id is the bank's own reference.
        operation = (
            TransactionEnLigne.objects.select_for_update()
            .select_related("facture__famille")
            .filter(identifiant=reponse.order_id)
            .first()
        )
        if operation is None:
            raise FinanceError("Paiement inconnu : aucun paiement enregistré.")
        if not reponse.signed:
            # Anyone can forge an unsigned answer: it changes nothing, not even a failure
            # that would make the bank's real notification look already handled.
            return operation
        if operation.statut != TransactionEnLigne.Statut.EN_COURS:
            return operation  # already handled: a second notification counts once
        operation.repondu_le = timezone.now()
        if reponse.result == eopayment.PAID:
            operation.statut = TransactionEnLigne.Statut.PAYEE
            Paiement.objects.create(
                famille=operation.facture.famille,
                facture=operation.facture,
                montant=operation.montant,
                mode=Paiement.Mode.EN_LIGNE,
                reference=operation.identifiant,
                date=timezone.localdate(),
            )
        elif reponse.result != eopayment.WAITING:
            operation.statut = TransactionEnLigne.Statut.ECHEC
        operation.save(update_fields=["statut", "repondu_le"])
    return operation


# --- tax certificate -----------------------------------------------------------------


def frais_de_garde(famille, annee: int) -> list[dict]:
    """Childcare *paid during the year* for children under 6 on 1 January: each payment
    of the year is spread over the eligible lines of the invoice it settles (credit
    notes are not payments)."""
    premier_janvier = datetime.date(annee, 1, 1)
    limite_naissance = premier_janvier.replace(year=annee - 6)
    paiements = list(
        Paiement.objects.filter(
            famille=famille, date__year=annee, facture__type=Facture.Type.FACTURE
        ).select_related("facture")
    )
    lignes = defaultdict(list)
    for ligne in LigneFacture.objects.filter(
        facture_id__in={p.facture_id for p in paiements},
        inscription__activite__tarif__credit_impot_garde=True,
        inscription__enfant__date_naissance__gt=limite_naissance,
    ).select_related("inscription__enfant"):
        lignes[ligne.facture_id].append(ligne)
    par_enfant = defaultdict(lambda: ZERO)
    for paiement in paiements:
        facture = paiement.facture
        part = min(Decimal(1), paiement.montant / facture.montant) if facture.montant else 0
        for ligne in lignes[facture.pk]:
            par_enfant[ligne.inscription.enfant] += ligne.montant * part
    return [
        {"enfant": enfant, "montant": arrondi(total)}
        for enfant, total in sorted(par_enfant.items(), key=lambda e: e[0].prenom)
    ]


def pdf_facture(pk: int) -> tuple[Facture, bytes]:
    """The invoice's PDF: rendered once from its stored lines, then kept as issued."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    facture = Facture.objects.select_related("facture_origine").get(pk=pk)
    if facture.pdf:
        return facture, bytes(facture.pdf)
    html = render_to_string(
        "pdf/facture.html",
        {"facture": facture, "lignes": facture.lignes.all(), "origine": facture.facture_origine},
    )
    document = HTML(string=html).write_pdf()
    Facture.objects.filter(pk=pk, pdf__isnull=True).update(pdf=document)
    return facture, document
