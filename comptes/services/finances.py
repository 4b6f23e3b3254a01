"""Financial rules: quotient familial, prices, monthly invoices, payments.

Money is Decimal rounded to the cent (half up), never float.
"""

import datetime
import logging
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, DateTimeField, Sum, When
from django.utils import timezone

from comptes import fichiers, tasks
from comptes.errors import DomainError
from comptes.formats import euros
from comptes.historique import creer_en_masse
from comptes.models import (
    CompteurFactures,
    Facture,
    LigneFacture,
    Paiement,
    QuotientFamilial,
    Revenu,
    TrancheTarif,
)
from comptes.outbox import courriels_differes
from comptes.services.tarifs import prix_unitaire, quotient_au, supplement

ZERO = Decimal("0.00")
CENTIME = Decimal("0.01")
TAILLE_MAX_JUSTIFICATIF = 5 * 1024 * 1024
DELAI_PAIEMENT = datetime.timedelta(days=30)
MONTANT_MAX = Decimal("10000000")  # 10 millions: fits every amount column


logger = logging.getLogger(__name__)


class FinanceError(DomainError):
    pass


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


def verifier_justificatif(fichier) -> fichiers.Nature:
    """The document's real type, read from its content (not its name)."""
    if fichier is None:
        raise FinanceError(
            "Joignez un justificatif (avis d'imposition ou attestation CAF).", field="justificatif"
        )
    try:
        return fichiers.verifier(
            fichier, TAILLE_MAX_JUSTIFICATIF, "justificatif", libelle="Le justificatif"
        )
    except fichiers.FichierError as exc:
        raise FinanceError(exc.message, field=exc.field) from None


def objet_revenus(annee: int) -> str:
    return f"Revenus {annee} à vérifier"


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
    nature = verifier_justificatif(fichier)
    with transaction.atomic():
        demande = Demande.objects.create(
            famille=responsable.famille,
            demandeur=responsable,
            type=Demande.Type.REVENUS,
            # No amount: the queue is read by roles that may not see incomes (the
            # amount is on the Revenu row, for the money roles and the household).
            objet=objet_revenus(annee),
            donnees={"annee": annee},
        )
        revenu = Revenu(
            famille=responsable.famille, annee=annee, montant_annuel=valeur, demande=demande
        )
        # Random name, detected extension; deleted if this transaction rolls back.
        fichiers.enregistrer(revenu.justificatif, fichier, nature)
        revenu.save()
        return revenu


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


# (The tariff rule itself is comptes/services/tarifs.py, shared with the prices shown
# before booking.)


# --- invoices ------------------------------------------------------------------------


def _bilan_facturation(nb: int, total: Decimal, sans_tarif: set[str]) -> dict:
    return {"factures": nb, "total": total, "activites_sans_tarif": sorted(sans_tarif)}


# Households invoiced per transaction: each batch commits with its progress, so a run for
# the whole town never holds the counter's lock for long and resumes where it stopped.
FAMILLES_PAR_LOT = 1000
# Reservation.Etat values that are billed (comptes loads before reservations; a test
# checks they are still states of a booking).
ETATS_FACTURES = ("reservee", "present", "absent", "absence_signalee", "absence_justifiee")
# Of those, the days of an absence the family declared: billed by the activity's rule
# (reservations/absences.py: jour_facture), the same rule the parent read before confirming.
ETATS_ABSENCE = ("absence_signalee", "absence_justifiee")


def verifier_mois_facturable(mois: datetime.date) -> None:
    if premier_du_mois_suivant(mois) > timezone.localdate():
        raise FinanceError("On ne facture qu'un mois terminé.", field="mois")


def facturer_mois(mois: datetime.date, familles=None, agent=None, progression=None) -> dict:
    """Invoice a month for every household (or a chosen few): one line per child,
    activity and day. Running it twice, or twice at once, creates nothing new.

    Households are invoiced in batches, one transaction each; `progression(traitees,
    a_traiter, bilan)` is called after each (the background run shows it to staff).
    """
    from reservations.models import Reservation

    mois = mois.replace(day=1)
    verifier_mois_facturable(mois)
    fin = premier_du_mois_suivant(mois) - datetime.timedelta(days=1)
    a_facturer = (
        Reservation.objects.filter(date__range=(mois, fin), etat__in=ETATS_FACTURES)
        .exclude(
            inscription__famille_id__in=Facture.objects.filter(
                mois=mois, type=Facture.Type.FACTURE
            ).values("famille_id")
        )
        .order_by()
        .values_list("inscription__famille_id", flat=True)
        .distinct()
    )
    if familles is not None:
        a_facturer = a_facturer.filter(inscription__famille__in=familles)
    a_facturer = sorted(a_facturer)
    nb, total, sans_tarif = 0, ZERO, set()
    if progression:
        progression(0, len(a_facturer), _bilan_facturation(nb, total, sans_tarif))
    for debut in range(0, len(a_facturer), FAMILLES_PAR_LOT):
        lot = a_facturer[debut : debut + FAMILLES_PAR_LOT]
        factures = _facturer_lot(mois, fin, lot, sans_tarif, agent)
        nb += len(factures)
        total += sum((f.montant for f in factures), ZERO)
        if progression:
            progression(
                debut + len(lot), len(a_facturer), _bilan_facturation(nb, total, sans_tarif)
            )
    return _bilan_facturation(nb, total, sans_tarif)


def _facturer_lot(mois, fin, lot: list[int], sans_tarif: set[str], agent) -> list[Facture]:
    from familles.models import Famille
    from inscriptions.models import Activite
    from reservations import absences
    from reservations.delais import RegleDelai
    from reservations.models import Reservation

    annee = timezone.localdate().year
    with transaction.atomic():
        # One batch at a time for the year: numbers stay gapless and a second run
        # started meanwhile finds these households already invoiced.
        CompteurFactures.objects.get_or_create(annee=annee)
        compteur = CompteurFactures.objects.select_for_update().get(annee=annee)
        deja = set(
            Facture.objects.filter(
                mois=mois, type=Facture.Type.FACTURE, famille_id__in=lot
            ).values_list("famille_id", flat=True)
        )
        ids_familles = [f for f in lot if f not in deja]
        # Plain rows, not model instances: a whole town is some 200 000 days.
        jours = list(
            Reservation.objects.filter(
                date__range=(mois, fin),
                etat__in=ETATS_FACTURES,
                inscription__famille_id__in=ids_familles,
            )
            .order_by("inscription__famille_id", "date", "enfant__prenom")
            # Only a booking made by staff may be late: other rows skip a timestamp
            # parsed 200 000 times for nothing.
            .annotate(
                cree_par_le_service=Case(
                    When(source="service", then="cree_le"), output_field=DateTimeField()
                )
            )
            .values_list(
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
                "cree_par_le_service",
                "absence_id",
            )
        )
        # Each declared absence's days in order (carence days come first): one query,
        # only when the batch has some.
        rangs = absences.rangs({j[-1] for j in jours if j[-1] is not None})
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
        # Rows as tuples, not model instances: 200 000 days a month for a whole town.
        lignes_par_famille = defaultdict(list)
        # The same price and labels come back for thousands of days: computed once each.
        prix_memo, supplements, libelles = {}, {}, {}
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
            _absence_id,
        ) in jours:
            activite = activites[activite_id]
            if etat in ETATS_ABSENCE and not absences.jour_facture(
                etat, rangs.get(pk), getattr(activite, "parametres_reservation", None)
            ):
                continue
            tarif = getattr(activite, "tarif", None)
            if tarif is None:
                sans_tarif.add(f"{activite.nom} ({activite.site.nom})")
                continue
            famille = familles_par_id[famille_id]
            qf = quotient_au(quotients[famille_id], jour)
            valeur_qf = qf.valeur if qf else None
            cle_prix = (tarif.pk, valeur_qf, famille.hors_commune)
            if cle_prix not in prix_memo:
                prix_memo[cle_prix] = prix_unitaire(
                    tarif, tranches[tarif.pk], valeur_qf, famille.hors_commune
                )
            if activite_id not in libelles:
                libelles[activite_id] = f"{activite.nom} — {activite.site.nom}"
            prix = prix_memo[cle_prix]
            en_retard = bool(
                tarif.majoration_retard
                and not sans_reservation
                and _reservee_en_retard(activite, jour, source, cree_le, RegleDelai)
            )
            cle_supplement = (cle_prix, sans_reservation, en_retard)
            if cle_supplement not in supplements:
                supplements[cle_supplement] = supplement(
                    tarif, prix, sans_reservation=sans_reservation, en_retard=en_retard
                )
            en_plus, detail = supplements[cle_supplement]
            if etat == Reservation.Etat.ABSENT:
                detail = f"{detail}, absence non justifiée"
            elif etat == Reservation.Etat.ABSENCE_SIGNALEE:
                detail = f"{detail}, absence signalée"
            elif etat == Reservation.Etat.ABSENCE_JUSTIFIEE:
                detail = f"{detail}, absence justifiée (jour de carence)"
            lignes_par_famille[famille_id].append(
                (
                    pk,
                    inscription_id,
                    jour,
                    f"{prenom} {nom}",
                    libelles[activite_id],
                    detail,
                    valeur_qf,
                    prix,
                    en_plus,
                    prix + en_plus,
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
                    montant=sum((ligne[-1] for ligne in lignes), ZERO),
                    destinataire=_destinataire(familles_par_id[famille_id]),
                )
            )
        try:
            factures = _creer_en_masse(Facture, factures, f"Facturation de {mois:%m/%Y}", agent)
        except IntegrityError:
            raise FinanceError(
                "Ce mois vient d'être facturé par un autre agent : rien n'a "
                "été créé, rechargez la page."
            ) from None
        _inserer_lignes(
            [
                (facture.pk, *ligne)
                for facture in factures
                for ligne in lignes_par_famille[facture.famille_id]
            ]
        )
        compteur.save(update_fields=["dernier"])
        # The e-mails are written by a task of their own, queued in this transaction (a
        # rolled-back batch queues nothing): the run issues invoices, the worker then
        # tells the families.
        if factures:
            tasks.notifier_factures.enqueue([f.pk for f in factures])
    return factures


def _creer_en_masse(modele, objets: list, raison: str, agent=None) -> list:
    """One insert for many rows, with one audit row each (comptes/historique.py) in the
    name of the staff member who asked for the run."""
    return creer_en_masse(modele, objets, par=agent, raison=raison, batch_size=2000, copie=True)


_COLONNES_LIGNE = [
    "facture_id",
    "reservation_id",
    "inscription_id",
    "date",
    "enfant",
    "activite",
    "libelle",
    "quotient",
    "prix_unitaire",
    "supplement",
    "montant",
]


def _inserer_lignes(lignes: list[tuple]) -> None:
    """Invoice lines in batches of one prepared INSERT: Django's bulk_create spends most
    of a town's run preparing 2 million values one by one. Lines are not audited on
    purpose: an issued invoice never changes, its own row is in the audit trail."""
    table = connection.ops.quote_name(LigneFacture._meta.db_table)
    if connection.vendor == "postgresql":
        # COPY: PostgreSQL's bulk path, some ten times faster than INSERTs.
        with (
            connection.cursor() as curseur,
            curseur.cursor.copy(f"COPY {table} ({', '.join(_COLONNES_LIGNE)}) FROM STDIN") as copie,
        ):
            for ligne in lignes:
                copie.write_row(ligne)
        return
    # Constant table and column names; the values go as parameters.
    sql = (
        f"INSERT INTO {table} ({', '.join(_COLONNES_LIGNE)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(_COLONNES_LIGNE))})"
    )
    with connection.cursor() as curseur:
        for debut in range(0, len(lignes), 5000):
            curseur.executemany(sql, lignes[debut : debut + 5000])


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
        deja = arrondi(
            Facture.objects.filter(facture_origine=facture).aggregate(s=Sum("montant"))["s"] or ZERO
        )
        if somme <= 0 or somme + deja > facture.montant:
            raise FinanceError(
                f"L'avoir doit être positif et ne pas dépasser "
                f"{euros(facture.montant - deja)} restant sur la facture.",
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


def crediter_jours(reservation_ids, motif: str, agent) -> list[Facture]:
    """Days already invoiced that are no longer billed (an absence justified after the
    invoice): one credit note per invoice, carrying copies of the lines it credits. An
    issued invoice is never edited, and a day already credited is not credited again."""
    ids = list(reservation_ids)
    if not ids:
        return []
    deja = LigneFacture.objects.filter(
        reservation_id__in=ids, facture__type=Facture.Type.AVOIR
    ).values("reservation_id")
    par_facture = defaultdict(list)
    for ligne in (
        LigneFacture.objects.filter(reservation_id__in=ids, facture__type=Facture.Type.FACTURE)
        .exclude(reservation_id__in=deja)
        .select_related("facture")
        .order_by("facture_id", "date")
    ):
        par_facture[ligne.facture].append(ligne)
    avoirs = []
    for facture, lignes in par_facture.items():
        avoir = creer_avoir(facture, sum((ligne.montant for ligne in lignes), ZERO), motif, agent)
        for ligne in lignes:
            ligne.pk, ligne.facture = None, avoir
        LigneFacture.objects.bulk_create(lignes)
        avoirs.append(avoir)
    return avoirs


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
        payes[facture_id] += arrondi(somme)  # SQLite sums are 15-digit Decimals
    for facture_id, somme in (
        Facture.objects.filter(facture_origine_id__in=ids)
        .values_list("facture_origine_id")
        .annotate(s=Sum("montant"))
        .order_by()
    ):
        payes[facture_id] += arrondi(somme)
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
        payes[facture_id] += arrondi(somme)
    return payes


def etat_du_compte(famille, factures) -> tuple[dict, dict, Decimal]:
    """Mon compte's figures in one query, given ALL the household's invoices and credit
    notes: what was paid or credited on each invoice (`paye_par_facture`), what was paid
    in money on each (`paiements_par_facture`), and the balance (`solde`)."""
    paiements = defaultdict(lambda: ZERO)
    for facture_id, somme in (
        Paiement.objects.filter(famille=famille)
        .values_list("facture_id")
        .annotate(s=Sum("montant"))
        .order_by()
    ):
        paiements[facture_id] += arrondi(somme)  # (facture_id None: not tied to an invoice)
    payes = defaultdict(lambda: ZERO, {f.pk: paiements[f.pk] for f in factures})
    du = sum((f.montant for f in factures if f.type == Facture.Type.FACTURE), ZERO)
    for avoir in factures:
        if avoir.type == Facture.Type.AVOIR:
            payes[avoir.facture_origine_id] += avoir.montant
            du -= avoir.montant
    return payes, paiements, arrondi(du - sum(paiements.values(), ZERO))


PAYEE, PARTIELLE, A_PAYER, EN_RETARD = "payée", "partiellement payée", "à payer", "en retard"
STATUTS = [A_PAYER, PARTIELLE, PAYEE, EN_RETARD]


def statut_facture(
    facture: Facture, paye: Decimal, aujourd_hui: datetime.date | None = None
) -> str:
    """`paye` as `paye_par_facture` gives it; with `aujourd_hui`, an invoice not settled
    after its due date is "en retard"."""
    if paye >= facture.montant:
        return PAYEE
    if aujourd_hui is not None and facture.echeance < aujourd_hui:
        return EN_RETARD
    if paye > 0:
        return PARTIELLE
    return A_PAYER


def annoter_paye(factures):
    """The invoices with `paye`: what `paye_par_facture` counts (payments, and credit
    notes on them), as SQL, so that lists can filter and sort by it."""
    from django.db.models import DecimalField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    def somme(qs, champ):
        sous = qs.filter(**{champ: OuterRef("pk")}).values(champ).annotate(s=Sum("montant"))
        return Coalesce(
            Subquery(sous.values("s")[:1]),
            Value(ZERO),
            output_field=DecimalField(max_digits=12, decimal_places=2),
        )

    return factures.annotate(
        paye=somme(Paiement.objects.order_by(), "facture")
        + somme(Facture.objects.order_by(), "facture_origine")
    )


def filtrer_statut(factures, statut: str, aujourd_hui: datetime.date):
    """Invoices (not credit notes) of one `statut_facture` status, in SQL."""
    from django.db.models import F

    factures = annoter_paye(factures.filter(type=Facture.Type.FACTURE))
    if statut == PAYEE:
        return factures.filter(paye__gte=F("montant"))
    reste = factures.filter(paye__lt=F("montant"))
    if statut == EN_RETARD:
        return reste.filter(echeance__lt=aujourd_hui)
    reste = reste.filter(echeance__gte=aujourd_hui)
    return reste.filter(paye__gt=0) if statut == PARTIELLE else reste.filter(paye__lte=0)


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
    # SQLite returns sums as 15-digit Decimals (18.9000000000000): back to the cent, so
    # that comparisons and displays are the same on both databases.
    return arrondi(factures - avoirs - payes)


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


def notifier_factures(pks: list[int]) -> int:
    """One e-mail per parent of these new invoices, queued in bulk and sent by the
    background worker in lots (a run for the whole town must not wait on the mail
    server). Run by the worker after the invoicing batch committed."""
    from familles.models import Responsable

    factures = list(Facture.objects.filter(pk__in=pks).defer("pdf").order_by("pk"))
    emails = defaultdict(list)
    for famille_id, email in Responsable.objects.filter(
        famille_id__in=[f.famille_id for f in factures]
    ).values_list("famille_id", "user__email"):
        emails[famille_id].append(email)
    contextes = {facture.pk: {"facture": facture} for facture in factures}
    with transaction.atomic():  # all the batch's mails, or none (the task may be rerun)
        return courriels_differes(
            [
                (email, "facture_disponible", contextes[facture.pk])
                for facture in factures
                for email in emails[facture.famille_id]
            ]
        )


# --- online payment: see comptes/services/paiement_en_ligne.py ---------------------------


def reste_a_payer(facture: Facture) -> Decimal:
    return max(ZERO, facture.montant - paye_par_facture([facture])[facture.pk])


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
