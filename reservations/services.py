"""Booking rules, capacity and waiting list: every path (calendar, semaine type,
admin, any future API) goes through these functions."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Count, F, Max, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from comptes.errors import DomainError
from comptes.historique import creer_en_masse, historiser
from comptes.mots import de
from familles.fiche import fiche_confirmee
from familles.models import Responsable, libelle_saison, saison_de
from inscriptions.models import Inscription
from portail.models import Demande
from portail.preparees import PrepareeParNombre
from reservations import emails, tirage
from reservations.calendrier import Calendrier, jours_entre
from reservations.delais import format_limite
from reservations.models import Journee, ParametresReservation, Reservation, SemaineType

# Tests turn this off to show that, without the lock, concurrent bookings overfill a day.
VERROUILLER = True

Etat = Reservation.Etat


class ReservationError(DomainError):
    pass


class FicheSanitaireACertifier(ReservationError):
    """The activity requires the child's fiche sanitaire certified for the season: the
    pages add a link to it."""

    def __init__(self, enfant, saison: int):
        super().__init__(
            f"La fiche sanitaire {de(enfant.prenom)} doit être certifiée pour la saison "
            f"{libelle_saison(saison)} avant de réserver cette activité."
        )
        self.enfant = enfant


def verifier_fiche_sanitaire(inscription: Inscription, maintenant: datetime.datetime) -> None:
    """No query unless the activity requires the fiche; then one EXISTS."""
    if not inscription.activite.fiche_sanitaire_exigee:
        return
    aujourd_hui = timezone.localdate(maintenant)
    if not fiche_confirmee(inscription.enfant_id, aujourd_hui):
        raise FicheSanitaireACertifier(inscription.enfant, saison_de(aujourd_hui))


def _jj_mm(jour: datetime.date) -> str:
    return jour.strftime("%d/%m")


def _pluriel(n: int, singulier: str, pluriel: str) -> str:
    return f"{n} {singulier if n == 1 else pluriel}"


@dataclass
class Bilan:
    """What a submission did, day by day: shown to the parent as one summary."""

    reserves: list[datetime.date] = field(default_factory=list)
    a_valider: list[datetime.date] = field(default_factory=list)
    attente: list[tuple[datetime.date, int]] = field(default_factory=list)
    annules: list[datetime.date] = field(default_factory=list)
    deja: list[datetime.date] = field(default_factory=list)
    refuses: list[tuple[datetime.date, str]] = field(default_factory=list)
    # Closed days a weekly pattern runs over: expected, not refusals.
    ignores: list[tuple[datetime.date, str]] = field(default_factory=list)
    # Requests recorded for an opening by lottery (reservations/tirage.py).
    tirage: list[datetime.date] = field(default_factory=list)
    # Days the child is booked through the other household's enrolment (garde alternée):
    # refused, whatever the page showed.
    autre_foyer: list[datetime.date] = field(default_factory=list)

    @property
    def a_change(self) -> bool:
        return bool(self.reserves or self.a_valider or self.attente or self.annules or self.tirage)

    def resume(self) -> str:
        parties = []
        if self.reserves:
            parties.append(_pluriel(len(self.reserves), "jour réservé", "jours réservés"))
        if self.a_valider:
            parties.append(
                _pluriel(
                    len(self.a_valider),
                    "jour à valider par le service",
                    "jours à valider par le service",
                )
            )
        if self.attente:
            parties.append(f"{len(self.attente)} en liste d'attente")
        if self.tirage:
            parties.append(
                _pluriel(
                    len(self.tirage),
                    "demande pour le tirage au sort",
                    "demandes pour le tirage au sort",
                )
            )
        if self.annules:
            parties.append(_pluriel(len(self.annules), "jour annulé", "jours annulés"))
        if self.deja:
            parties.append(_pluriel(len(self.deja), "jour déjà réservé", "jours déjà réservés"))
        if self.ignores:
            parties.append(
                _pluriel(
                    len(self.ignores), "jour de fermeture ignoré", "jours de fermeture ignorés"
                )
            )
        if self.autre_foyer:
            partie = _pluriel(
                len(self.autre_foyer),
                "jour réservé par l'autre foyer",
                "jours réservés par l'autre foyer",
            )
            if len(self.autre_foyer) <= 5:
                partie += f" ({', '.join(_jj_mm(j) for j in sorted(self.autre_foyer))})"
            parties.append(partie)
        if self.refuses:
            motifs = defaultdict(list)
            for jour, motif in self.refuses:
                motifs[motif].append(_jj_mm(jour))
            detail = "; ".join(f"{', '.join(jours)} : {motif}" for motif, jours in motifs.items())
            parties.append(f"{_pluriel(len(self.refuses), 'refusé', 'refusés')} ({detail})")
        return ", ".join(parties) if parties else "aucun changement"


def _charger(
    inscription: Inscription, debut: datetime.date, fin: datetime.date, journees=None
) -> Calendrier:
    try:
        return Calendrier.charger(inscription.activite, debut, fin, journees)
    except ParametresReservation.DoesNotExist:
        raise ReservationError(
            "Les réservations ne sont pas encore ouvertes pour cette activité."
        ) from None


def _inscription_chargee(inscription: Inscription) -> Inscription:
    """The enrolment with what the service reads; the caller's copy when it has it all
    (the calendar view loaded it a moment ago: not fetched twice)."""
    activite = inscription.activite if Inscription.activite.is_cached(inscription) else None
    if (
        Inscription.enfant.is_cached(inscription)
        and Inscription.famille.is_cached(inscription)
        and activite is not None
        and type(activite).periode.is_cached(activite)
        and type(activite).site.is_cached(activite)
    ):
        return inscription
    return Inscription.objects.select_related(
        "enfant", "famille", "activite__periode", "activite__site"
    ).get(pk=inscription.pk)


def _inscription_validee(inscription: Inscription) -> Inscription:
    inscription = _inscription_chargee(inscription)
    if not inscription.est_validee:
        raise ReservationError("Les réservations s'ouvrent une fois l'inscription validée.")
    return inscription


def motif_refus_reservation(
    cal: Calendrier,
    inscription: Inscription,
    jour: datetime.date,
    maintenant: datetime.datetime,
    par_le_service: bool,
) -> str | None:
    if jour < timezone.localdate(maintenant):
        return "jour passé"
    if not inscription.date_debut <= jour <= inscription.date_fin:
        return "hors des dates de l'inscription"
    fermeture = cal.motif_fermeture(jour)
    if fermeture:
        return f"fermé ({fermeture})"
    if not par_le_service and cal.regle_reservation.depasse(jour, maintenant):
        return f"date limite passée le {format_limite(cal.regle_reservation.limite(jour))}"
    return None


def motif_refus_annulation(
    cal: Calendrier,
    jour: datetime.date,
    maintenant: datetime.datetime,
    par_le_service: bool,
    etat: str | None = None,
) -> str | None:
    if jour < timezone.localdate(maintenant):
        return "jour passé"
    # Leaving a waiting list, or withdrawing a request staff have not validated yet (or
    # not yet drawn), is always possible: it holds no confirmed place.
    if par_le_service or etat in (Etat.ATTENTE, Etat.DEMANDEE, Etat.TIRAGE):
        return None
    if not cal.parametres.annulation_autorisee:
        return "annulation non permise pour cette activité"
    if cal.regle_annulation.depasse(jour, maintenant):
        limite = format_limite(cal.regle_annulation.limite(jour))
        return f"date limite d'annulation passée le {limite}"
    return None


def _apres_comptage() -> None:
    """Hook between counting and inserting (the concurrency test waits here)."""


def _verrouiller_journees(activite, jours: list[datetime.date]) -> dict:
    """Lock each day's opening row, in date order so that two bookings never deadlock, and
    return the rows (places and closures as they stand under the lock): one statement."""
    jours = sorted(set(jours))
    if not jours:
        return {}
    if VERROUILLER and connection.vendor == "postgresql":
        return _creer_et_verrouiller(activite, jours)
    # SQLite: one writer at a time (IMMEDIATE transactions), no row locks to take.
    journees = _lire_journees(activite, jours)
    if len(journees) < len(jours):  # the first booking of a day creates its row
        Journee.objects.bulk_create(
            [Journee(activite=activite, date=j) for j in jours if j not in journees],
            ignore_conflicts=True,
        )
        journees = _lire_journees(activite, jours)
    return journees


def _creer_et_verrouiller(activite, jours) -> dict:
    """An upsert that changes nothing on existing rows: it creates the rows a first booking
    needs and locks every row in date order in one statement. (Locking the existing rows
    first and then creating the missing ones could deadlock with a booking creating them.)"""
    table = connection.ops.quote_name(Journee._meta.db_table)
    valeurs = ", ".join(["(%s, %s, NULL, false, '')"] * len(jours))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (activite_id, date, places, fermee, motif) VALUES {valeurs} "  # noqa: S608 - no user input in the SQL text
            "ON CONFLICT (activite_id, date) DO UPDATE SET activite_id = EXCLUDED.activite_id "
            "RETURNING id, date, places, fermee, motif",
            [v for jour in jours for v in (activite.pk, jour)],
        )
        lignes = cursor.fetchall()
    return {
        date: Journee(
            id=pk, activite=activite, date=date, places=places, fermee=fermee, motif=motif
        )
        for pk, date, places, fermee, motif in lignes
    }


def _lire_journees(activite, jours) -> dict:
    lignes = Journee.objects.filter(activite=activite, date__in=jours).order_by("date")
    if VERROUILLER:
        lignes = lignes.select_for_update()
    return {j.date: j for j in lignes}


def _mesures_des_jours(activite_id, enfant_id, jours):
    """Per day: places taken, waiting list's length and last rank, and (when `enfant_id`
    is not None) the household through whose enrolment that child holds the day."""
    mesures = {
        "occupees": Count("pk", filter=Q(etat__in=Reservation.ETATS_OCCUPANT_UNE_PLACE)),
        "file": Count("pk", filter=Q(etat=Etat.ATTENTE)),
        "dernier": Max("rang_attente"),
    }
    if enfant_id is not None:
        mesures["foyer"] = Max("inscription__famille_id", filter=Q(enfant_id=enfant_id))
    return (
        Reservation.objects.actives()
        .filter(activite_id=activite_id, date__in=jours)
        .values_list("date")
        .annotate(**mesures)
        .order_by()
    )


# The booking POST's reads of its days, compiled once per process and number of days
# (portail/preparees.py).
_MESURES_DES_JOURS = PrepareeParNombre(lambda a, jours: _mesures_des_jours(a, None, jours), int)
_MESURES_DES_JOURS_ENFANT = PrepareeParNombre(_mesures_des_jours, int, int)


def _etat_des_jours(activite, jours, enfant=None) -> tuple[dict, dict, dict]:
    """In one grouped query: places taken per day, (length, last rank) of each day's
    waiting list, and the household (famille id) through whose enrolment `enfant` holds
    an active booking each day (one at most: the constraint), whichever household it is."""
    if not jours:
        return {}, {}, {}
    if enfant is None:
        lignes = [(*ligne, None) for ligne in _MESURES_DES_JOURS(activite.pk, jours)]
    else:
        lignes = _MESURES_DES_JOURS_ENFANT(activite.pk, enfant.pk, jours)
    occupees, attente, foyers = {}, {}, {}
    for date, nombre, file, dernier, foyer in lignes:
        if nombre:
            occupees[date] = nombre
        if file:
            attente[date] = (file, dernier)
        if foyer is not None:
            foyers[date] = foyer
    return occupees, attente, foyers


def _occupation(activite, jours) -> tuple[dict, dict]:
    """Places taken per day, and (length, last rank) of each day's waiting list."""
    occupees, attente, _ = _etat_des_jours(activite, jours)
    return occupees, attente


_JOURS_DE_L_ENFANT = PrepareeParNombre(
    lambda enfant_id, activite_id, jours: (
        Reservation.objects.actives()
        .filter(enfant_id=enfant_id, activite_id=activite_id)
        .filter(date__in=jours)
        .values_list("date", "inscription__famille_id")
    ),
    int,
    int,
)


def jours_du_foyer(inscription: Inscription, jours) -> tuple[set, set]:
    """The days among `jours` on which the child has an active booking, split between
    this enrolment's household and the other one (garde alternée): one query."""
    miens, autres = set(), set()
    for jour, famille_id in _JOURS_DE_L_ENFANT(
        inscription.enfant_id, inscription.activite_id, sorted(jours)
    ):
        (miens if famille_id == inscription.famille_id else autres).add(jour)
    return miens, autres


def message_autre_foyer(jours) -> str:
    """ "Le mardi 8 décembre est réservé par l'autre foyer." (several days: one sentence)."""
    from reservations.lecture import JOURS_NOMMES_MAX, jour_en_clair, liste_de_jours

    jours = sorted(jours)
    if len(jours) == 1:
        return f"Le {liste_de_jours(jours)} est réservé par l'autre foyer."
    if len(jours) > JOURS_NOMMES_MAX:
        return (
            f"{len(jours)} jours sont réservés par l'autre foyer, du "
            f"{jour_en_clair(jours[0])} au {jour_en_clair(jours[-1])}."
        )
    return f"Les {liste_de_jours(jours)} sont réservés par l'autre foyer."


def _enregistrer_demande(
    inscription: Inscription,
    demandeur: Responsable | None,
    bilan: Bilan,
    en_attente: bool,
    maintenant,
) -> Demande:
    enfant, activite = inscription.enfant, inscription.activite
    return Demande.objects.create(
        famille=inscription.famille,
        demandeur=demandeur,
        type=Demande.Type.RESERVATION,
        inscription=inscription,
        objet=f"{enfant.prenom} {enfant.nom} — {activite.nom} : {bilan.resume()}"[:250],
        cree_le=maintenant,
        statut=Demande.Statut.EN_ATTENTE if en_attente else Demande.Statut.ACCEPTEE,
        traitee_le=None if en_attente else maintenant,
        reponse="" if en_attente else "Enregistré immédiatement.",
    )


def _place_libre(places: int | None, occupees: int, longueur_file: int) -> bool:
    """Whether a new booking gets a place (else it joins the waiting list): the booking
    itself and the semaine type preview both decide here, so they never disagree.
    A free place goes to the waiting list first: newcomers never jump the queue."""
    return places is None or (occupees < places and longueur_file == 0)


def _reserver(
    inscription: Inscription,
    cal: Calendrier,
    jours,
    bilan: Bilan,
    *,
    par,
    source: str,
    par_le_service: bool,
    maintenant,
) -> list[Reservation]:
    """Decide each day (booked, waitlisted, refused); returns the unsaved bookings."""
    activite = inscription.activite
    candidats = []
    au_tirage, refus_tirage = tirage.trier_les_jours(cal, jours, maintenant, par_le_service)
    for jour in jours:
        motif = motif_refus_reservation(
            cal, inscription, jour, maintenant, par_le_service
        ) or refus_tirage.get(jour)
        if motif and source == Reservation.Source.SEMAINE_TYPE and cal.motif_fermeture(jour):
            bilan.ignores.append((jour, motif))
        elif motif:
            bilan.refuses.append((jour, motif))
        else:
            candidats.append(jour)
    # The caller (modifier) holds the days' locks: a concurrent booking has committed by
    # now. The child's bookings (whichever household made them) and the counts come in
    # one query.
    occupees, attente, foyers = _etat_des_jours(activite, candidats, inscription.enfant)
    _apres_comptage()
    a_valider = cal.parametres.validation_requise and not par_le_service
    nouvelles = []
    for jour in candidats:
        if jour in foyers:
            # One child at most once a day, whoever booked: the other household's day is
            # refused, before any place or waiting list is considered.
            (bilan.deja if foyers[jour] == inscription.famille_id else bilan.autre_foyer).append(
                jour
            )
            continue
        places = cal.places(jour)
        commun = {
            "inscription": inscription,
            "enfant": inscription.enfant,
            "activite": activite,
            "date": jour,
            "source": source,
            "cree_le": maintenant,
            "modifiee_le": maintenant,
            "modifiee_par": par,
        }
        if jour in au_tirage:  # an opening by lottery: drawn at its close, not first-come
            nouvelles.append(Reservation(etat=Etat.TIRAGE, **commun))
            bilan.tirage.append(jour)
        elif _place_libre(places, occupees.get(jour, 0), attente.get(jour, (0, 0))[0]):
            occupees[jour] = occupees.get(jour, 0) + 1
            nouvelles.append(
                Reservation(etat=Etat.DEMANDEE if a_valider else Etat.RESERVEE, **commun)
            )
            (bilan.a_valider if a_valider else bilan.reserves).append(jour)
        else:
            longueur, dernier = attente.get(jour, (0, 0))
            attente[jour] = (longueur + 1, (dernier or 0) + 1)
            nouvelles.append(
                Reservation(etat=Etat.ATTENTE, rang_attente=attente[jour][1], **commun)
            )
            bilan.attente.append((jour, longueur + 1))
    return nouvelles


def _annuler(
    inscription: Inscription,
    cal: Calendrier,
    jours,
    bilan: Bilan,
    *,
    par,
    par_le_service: bool,
    maintenant,
) -> None:
    """Cancel the child's bookings on those days (the days are locked by the caller);
    never one the other household made (garde alternée)."""
    par_jour = {
        r.date: r
        for r in Reservation.objects.select_for_update(of=("self",))
        .actives()
        .filter(enfant=inscription.enfant, activite=inscription.activite, date__in=jours)
        .annotate(foyer=F("inscription__famille_id"))
    }
    a_liberer = []
    for jour in jours:
        reservation = par_jour.get(jour)
        if reservation is None:
            continue  # nothing booked that day: nothing to cancel (a double submit)
        if reservation.foyer != inscription.famille_id:
            bilan.autre_foyer.append(jour)
            continue
        if reservation.etat in Reservation.ETATS_POINTES:
            bilan.refuses.append((jour, "présence déjà relevée"))
            continue
        if reservation.etat == Etat.ABSENCE_SIGNALEE and not par_le_service:
            bilan.refuses.append((jour, "absence déjà signalée"))
            continue
        motif = motif_refus_annulation(cal, jour, maintenant, par_le_service, reservation.etat)
        if motif:
            bilan.refuses.append((jour, motif))
            continue
        a_liberer.append(reservation)
        bilan.annules.append(jour)
    _liberer(a_liberer, cal, maintenant, par)
    _clore_demandes_sans_objet({r.demande_id for r in a_liberer if r.demande_id})


def _clore_demandes_sans_objet(demande_ids) -> None:
    """A request for validation whose days were all cancelled leaves the staff queue
    (one read and one update, however many requests)."""
    if not demande_ids:
        return
    demandes = list(
        Demande.objects.filter(pk__in=demande_ids, statut=Demande.Statut.EN_ATTENTE).exclude(
            reservations__etat=Etat.DEMANDEE
        )
    )
    if not demandes:
        return
    maintenant = timezone.now()
    reponse = "Sans objet : les jours ont été annulés avant la décision."
    for demande in demandes:
        demande.statut, demande.traitee_le, demande.reponse = (
            Demande.Statut.ANNULEE,
            maintenant,
            reponse,
        )
    Demande.objects.filter(pk__in=[d.pk for d in demandes]).update(
        statut=Demande.Statut.ANNULEE, traitee_le=maintenant, reponse=reponse
    )
    _historiser(demandes, "Demande sans objet")


# --- set-based writes, recorded in the audit trail ----------------------------------------


def _historiser(objets, raison: str, par=None) -> None:
    """Rows written by one UPDATE get their history rows like a save() (one insert)."""
    if objets:
        historiser(objets, par=par, raison=raison)


def _creer_demandes(demandes: list[Demande], raison: str, par=None) -> list[Demande]:
    """One insert for many timeline lines, and one for their history rows."""
    return creer_en_masse(Demande, demandes, par=par, raison=raison)


def modifier(
    inscription: Inscription,
    a_reserver=(),
    a_annuler=(),
    *,
    par=None,
    demandeur=None,
    source: str = Reservation.Source.CALENDRIER,
    par_le_service: bool = False,
    maintenant: datetime.datetime | None = None,
) -> Bilan:
    """Book some days and cancel others in one transaction, recorded as one line of the
    household's timeline. Every path (calendar, semaine type, admin) comes here."""
    maintenant = maintenant or timezone.now()
    a_reserver, a_annuler = sorted(set(a_reserver)), sorted(set(a_annuler))
    if not a_reserver and not a_annuler:
        raise ReservationError("Vous n'avez coché ni décoché aucun jour.")
    try:
        with transaction.atomic():
            _delai_de_verrou()
            return _modifier(
                inscription,
                a_reserver,
                a_annuler,
                par=par,
                demandeur=demandeur,
                source=source,
                par_le_service=par_le_service,
                maintenant=maintenant,
            )
    except OperationalError:
        # A lock not obtained in time (opening-day rush) or a deadlock detected:
        # nothing was written; the parent simply tries again.
        raise ReservationError(
            "Beaucoup de familles réservent en ce moment : rien n'a été "
            "enregistré, réessayez dans un instant."
        ) from None
    except IntegrityError:
        # The constraint (one active booking per child, activity and day) is the last
        # guard: a booking that slipped past the check (the other household's at the same
        # instant) rolled everything back. Say why, in the same words as the check.
        miens, autres = jours_du_foyer(inscription, a_reserver)
        if autres:
            raise ReservationError(
                f"{message_autre_foyer(autres)} Rien n'a été enregistré."
            ) from None
        if miens:
            raise ReservationError(
                "Ces jours viennent d'être réservés pour votre enfant : rien de plus n'a été "
                "enregistré."
            ) from None
        raise


def _delai_de_verrou() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '10s'")


def _modifier(
    inscription, a_reserver, a_annuler, *, par, demandeur, source, par_le_service, maintenant
) -> Bilan:
    bilan = Bilan()
    inscription = (
        _inscription_validee(inscription) if a_reserver else _inscription_chargee(inscription)
    )
    if a_reserver and not par_le_service:
        # Staff booking for a family may hold the paper fiche: the rule is the parents'.
        verifier_fiche_sanitaire(inscription, maintenant)
    # Days outside the enrolment are refused before anything is loaded or locked.
    dans_inscription = []
    for jour in sorted(set(a_reserver) | set(a_annuler)):
        if inscription.date_debut <= jour <= inscription.date_fin:
            dans_inscription.append(jour)
        elif jour in a_reserver:
            bilan.refuses.append((jour, "hors des dates de l'inscription"))
    a_reserver = [j for j in a_reserver if j in dans_inscription]
    a_annuler = [j for j in a_annuler if j in dans_inscription]
    nouvelles = []
    if dans_inscription:
        # Every day of the submission locked at once, in date order: two parents swapping
        # days, or a cancellation next to a booking, never wait on each other in a cycle.
        # The calendar only ever looks at these days: it uses the rows just locked.
        journees = _verrouiller_journees(inscription.activite, dans_inscription)
        cal = _charger(inscription, dans_inscription[0], dans_inscription[-1], journees)
        if a_annuler:
            _annuler(
                inscription,
                cal,
                a_annuler,
                bilan,
                par=par,
                par_le_service=par_le_service,
                maintenant=maintenant,
            )
        if a_reserver:
            nouvelles = _reserver(
                inscription,
                cal,
                a_reserver,
                bilan,
                par=par,
                source=source,
                par_le_service=par_le_service,
                maintenant=maintenant,
            )
    if bilan.a_change:
        demande = _enregistrer_demande(
            inscription, demandeur, bilan, bool(bilan.a_valider), maintenant
        )
        for reservation in nouvelles:
            reservation.demande = demande
    creer_en_masse(Reservation, nouvelles, par=par)
    return bilan


def reserver(inscription: Inscription, jours, **kwargs) -> Bilan:
    """Book days: each one is booked, waitlisted or refused with its reason."""
    return modifier(inscription, a_reserver=jours, **kwargs)


def annuler(inscription: Inscription, jours, **kwargs) -> Bilan:
    """Cancel booked or waitlisted days; a freed place goes to the first in line."""
    return modifier(inscription, a_annuler=jours, **kwargs)


def demande_de_place(inscription, maintenant, a_valider: bool, reponse: str, objet: str):
    """The timeline line (and, if staff validate, the queue's request) of a place given
    by the service itself: a waiting list moving up, a lottery."""
    return Demande(
        famille=inscription.famille,
        type=Demande.Type.RESERVATION,
        inscription=inscription,
        cree_le=maintenant,
        statut=Demande.Statut.EN_ATTENTE if a_valider else Demande.Statut.ACCEPTEE,
        traitee_le=None if a_valider else maintenant,
        reponse="" if a_valider else reponse,
        objet=objet[:250],
    )


def _promouvoir(cal: Calendrier, jours, maintenant, par) -> list[Reservation]:
    """Places are free on these days (locked by the caller): the first children of each
    waiting list get them, at once, as many as there are free places; where bookings need
    staff validation they become requests. A fixed number of statements for any number of
    days and children: one count, one ranked read, one insert, one update, the e-mails
    queued in one insert. The lists then close up (ranks 1..k)."""
    occupees, attente, _ = _etat_des_jours(cal.activite, jours)
    libres = {}
    for jour in jours:
        file = attente.get(jour, (0, 0))[0]
        places = cal.places(jour)
        n = file if places is None else min(file, places - occupees.get(jour, 0))
        if n > 0:
            libres[jour] = n
    if not libres:
        return []
    en_tete = Window(
        RowNumber(), partition_by=[F("date")], order_by=[F("rang_attente").asc(), F("pk").asc()]
    )
    promus = [
        r
        for r in Reservation.objects.select_related(
            "enfant", "inscription__famille", "activite__site"
        )
        .filter(activite=cal.activite, date__in=list(libres), etat=Etat.ATTENTE)
        .annotate(place_dans_la_file=en_tete)
        .filter(place_dans_la_file__lte=max(libres.values()))
        .order_by("date", "place_dans_la_file")
        if r.place_dans_la_file <= libres[r.date]
    ]
    a_valider = cal.parametres.validation_requise
    demandes = _creer_demandes(
        [
            demande_de_place(
                r.inscription,
                maintenant,
                a_valider,
                "Place libérée : réservation confirmée.",
                f"{r.enfant.prenom} {r.enfant.nom} — {r.activite.nom} : "
                f"place obtenue le {_jj_mm(r.date)} (liste d'attente)",
            )
            for r in promus
        ],
        "Place libérée (liste d'attente)",
        par,
    )
    for r, demande in zip(promus, demandes, strict=True):
        r.etat = Etat.DEMANDEE if a_valider else Etat.RESERVEE
        r.rang_attente, r.demande = None, demande
        r.modifiee_le, r.modifiee_par = maintenant, par
    Reservation.objects.bulk_update(
        promus, ["etat", "rang_attente", "demande", "modifiee_le", "modifiee_par"], batch_size=1000
    )
    _historiser(promus, "Place libérée (liste d'attente)", par)
    emails.places_obtenues(promus)
    return promus


def _resserrer_les_files(activite, jours, par=None) -> None:
    """Number each of these days' waiting lists 1..k again, in their order, after some
    left it (promoted or cancelled): one read, one update of the rows whose rank moved."""
    if not jours:
        return
    changees, rangs = [], defaultdict(int)
    for r in Reservation.objects.filter(
        activite=activite, date__in=jours, etat=Etat.ATTENTE
    ).order_by("date", "rang_attente", "pk"):
        rangs[r.date] += 1
        if r.rang_attente != rangs[r.date]:
            r.rang_attente = rangs[r.date]
            changees.append(r)
    Reservation.objects.bulk_update(changees, ["rang_attente"], batch_size=1000)
    _historiser(changees, "Liste d'attente resserrée", par)


def promouvoir_les_listes_d_attente(activite, agent=None) -> int:
    """After staff add places: give them to the waiting lists of the coming days."""
    maintenant = timezone.now()
    jours = sorted(
        Reservation.objects.filter(
            activite=activite, etat=Etat.ATTENTE, date__gte=timezone.localdate(maintenant)
        )
        .values_list("date", flat=True)
        .distinct()
        .order_by()
    )
    if not jours:
        return 0
    with transaction.atomic():
        _delai_de_verrou()
        journees = _verrouiller_journees(activite, jours)
        cal = Calendrier.charger(activite, jours[0], jours[-1], journees)
        ouverts = [j for j in jours if not cal.motif_fermeture(j)]
        promus = _promouvoir(cal, ouverts, maintenant, agent)
        _resserrer_les_files(activite, sorted({r.date for r in promus}), agent)
        return len(promus)


def annuler_les_jours_fermes(activite, agent=None) -> int:
    """Staff closed days that were booked (strike, works, holidays entered late): the
    bookings are cancelled, and each family is told (timeline and e-mail queued for the
    worker). Set-based: the same statements for 3 bookings or 600."""
    maintenant = timezone.now()
    actifs = [Etat.RESERVEE, Etat.DEMANDEE, Etat.ATTENTE]
    jours = sorted(
        Reservation.objects.filter(
            activite=activite, date__gte=timezone.localdate(maintenant), etat__in=actifs
        )
        .values_list("date", flat=True)
        .distinct()
        .order_by()
    )
    if not jours:
        return 0
    with transaction.atomic():
        _delai_de_verrou()
        cal = Calendrier.charger(activite, jours[0], jours[-1])
        motifs = {j: cal.motif_fermeture(j) for j in jours}
        fermes = sorted(j for j, motif in motifs.items() if motif)
        if not fermes:
            return 0
        _verrouiller_journees(activite, fermes)
        reservations = list(
            Reservation.objects.select_for_update(of=("self",))
            .select_related("enfant", "inscription__famille", "activite__site")
            .filter(activite=activite, date__in=fermes, etat__in=actifs)
            .order_by("date", "pk")
        )
        for r in reservations:
            r.etat, r.rang_attente = Etat.ANNULEE, None
            r.modifiee_le, r.modifiee_par = maintenant, agent
        Reservation.objects.filter(pk__in=[r.pk for r in reservations]).update(
            etat=Etat.ANNULEE, rang_attente=None, modifiee_le=maintenant, modifiee_par=agent
        )
        _historiser(reservations, "Jour fermé", agent)
        _creer_demandes(
            [
                Demande(
                    famille=r.inscription.famille,
                    type=Demande.Type.RESERVATION,
                    inscription=r.inscription,
                    cree_le=maintenant,
                    statut=Demande.Statut.ACCEPTEE,
                    traitee_le=maintenant,
                    traitee_par=agent,
                    reponse=f"Jour fermé ({motifs[r.date]}) : réservation annulée par le service.",
                    objet=(
                        f"{r.enfant.prenom} {r.enfant.nom} — {r.activite.nom} : "
                        f"{_jj_mm(r.date)} annulé (fermeture)"
                    )[:250],
                )
                for r in reservations
            ],
            "Jour fermé",
            agent,
        )
        emails.jours_fermes(reservations, motifs)
        _clore_demandes_sans_objet({r.demande_id for r in reservations if r.demande_id})
        return len(reservations)


def _liberer(reservations: list[Reservation], cal: Calendrier, maintenant, par) -> None:
    """Cancel these bookings (days locked by the caller) in one update; the places they
    held go to the waiting lists, which close up. Set-based whatever their number."""
    if not reservations:
        return
    liberes = sorted(
        {
            r.date
            for r in reservations
            if r.etat in (Etat.RESERVEE, Etat.DEMANDEE, Etat.ABSENCE_SIGNALEE)
        }
    )
    quittent_la_file = {r.date for r in reservations if r.etat == Etat.ATTENTE}
    for r in reservations:
        r.etat, r.rang_attente = Etat.ANNULEE, None
        r.modifiee_le, r.modifiee_par = maintenant, par
    Reservation.objects.filter(pk__in=[r.pk for r in reservations]).update(
        etat=Etat.ANNULEE, rang_attente=None, modifiee_le=maintenant, modifiee_par=par
    )
    _historiser(reservations, "Annulation", par)
    promus = _promouvoir(cal, liberes, maintenant, par) if liberes else []
    _resserrer_les_files(cal.activite, sorted(quittent_la_file | {r.date for r in promus}), par)


# --- staff ------------------------------------------------------------------------------


def accepter_depuis_demande(demande: Demande, agent) -> None:
    """The request queue accepted bookings that needed staff validation."""
    acceptees = Reservation.objects.filter(demande=demande, etat=Etat.DEMANDEE)
    ids = list(acceptees.values_list("pk", flat=True))
    acceptees.update(etat=Etat.RESERVEE, modifiee_le=timezone.now(), modifiee_par=agent)
    historiser(Reservation.objects.filter(pk__in=ids), par=agent, raison="Demande acceptée")


def refuser_depuis_demande(demande: Demande, agent, motif: str) -> None:
    maintenant = timezone.now()
    # Same lock order as every booking: the days first, then the bookings.
    jours = sorted(
        set(
            Reservation.objects.filter(
                demande=demande, etat__in=[Etat.DEMANDEE, Etat.ATTENTE]
            ).values_list("date", flat=True)
        )
    )
    if not jours:
        return
    inscription = demande.inscription
    cal = _charger(inscription, jours[0], jours[-1])
    _verrouiller_journees(inscription.activite, jours)
    reservations = list(
        Reservation.objects.select_for_update()
        .filter(demande=demande, etat__in=[Etat.DEMANDEE, Etat.ATTENTE])
        .order_by("date")
    )
    _liberer(reservations, cal, maintenant, agent)


def pointer(reservation_ids, etat: str, agent) -> tuple[int, list[str]]:
    """Staff mark attendance: présent, absent or absence justifiée (also on a day the
    family declared absent: the child came after all)."""
    if etat not in Reservation.ETATS_POINTES:
        raise ReservationError("État de présence inconnu.")
    aujourd_hui = timezone.localdate()
    faits, erreurs = 0, []
    with transaction.atomic():
        for reservation in (
            Reservation.objects.select_for_update(of=("self",))
            .select_related("enfant")
            .filter(pk__in=reservation_ids)
            .order_by("date")
        ):
            if reservation.date > aujourd_hui:
                erreurs.append(f"{reservation} : la présence se relève le jour même ou après.")
            elif reservation.etat not in (
                Etat.RESERVEE,
                Etat.ABSENCE_SIGNALEE,
                *Reservation.ETATS_POINTES,
            ):
                erreurs.append(
                    f"{reservation} : {reservation.get_etat_display().lower()}, "
                    "pas de présence à relever."
                )
            else:
                reservation.etat = etat
                reservation.modifiee_le = timezone.now()
                reservation.modifiee_par = agent
                reservation.save(update_fields=["etat", "modifiee_le", "modifiee_par"])
                faits += 1
    return faits, erreurs


# --- semaine type --------------------------------------------------------------------


def dates_semaine_type(
    jours: list[int], frequence: str, debut: datetime.date, fin: datetime.date
) -> list[datetime.date]:
    premier_lundi = debut - datetime.timedelta(days=debut.weekday())
    Frequence = SemaineType.Frequence

    def semaine_retenue(jour: datetime.date) -> bool:
        if frequence == Frequence.TOUTES:
            return True
        if frequence in (Frequence.SEMAINES_PAIRES, Frequence.SEMAINES_IMPAIRES):
            # By the ISO week number, as the household's link says (a year with a week 53
            # gives two odd weeks in a row: W53 then W1).
            paire = jour.isocalendar().week % 2 == 0
            return paire == (frequence == Frequence.SEMAINES_PAIRES)
        rang = (jour - premier_lundi).days // 7
        return rang % 2 == (0 if frequence == Frequence.UNE_SUR_DEUX else 1)

    return [j for j in jours_entre(debut, fin) if j.weekday() in jours and semaine_retenue(j)]


def _verifier_semaine_type(inscription: Inscription, jours, debut, fin) -> None:
    if not jours:
        raise ReservationError("Cochez au moins un jour de la semaine.", field="jours")
    if fin < debut:
        raise ReservationError("La date de fin doit suivre la date de début.", field="fin")
    if debut < timezone.localdate():
        raise ReservationError("La date de début ne peut pas être passée.", field="debut")
    if debut < inscription.date_debut or fin > inscription.date_fin:
        raise ReservationError(
            f"Les dates doivent être comprises dans celles de l'inscription, du "
            f"{inscription.date_debut:%d/%m/%Y} au {inscription.date_fin:%d/%m/%Y}.",
            field="debut" if debut < inscription.date_debut else "fin",
        )


def apercu_semaine_type(
    inscription: Inscription,
    jours,
    frequence,
    debut,
    fin,
    maintenant: datetime.datetime | None = None,
) -> list[dict]:
    """What applying the pattern would do, date by date (nothing is written)."""
    maintenant = maintenant or timezone.now()
    inscription = _inscription_validee(inscription)
    _verifier_semaine_type(inscription, jours, debut, fin)
    verifier_fiche_sanitaire(inscription, maintenant)
    dates = dates_semaine_type(jours, frequence, debut, fin)
    if not dates:
        return []
    cal = _charger(inscription, dates[0], dates[-1])
    existantes, autre_foyer = jours_du_foyer(inscription, dates)
    # Today's counts, read without locks: an estimate, the booking decides again.
    occupees, attente = _occupation(inscription.activite, dates)
    a_valider = cal.parametres.validation_requise
    au_tirage, refus_tirage = tirage.trier_les_jours(cal, dates, maintenant, False)
    lignes = []
    for jour in dates:
        motif = motif_refus_reservation(
            cal, inscription, jour, maintenant, False
        ) or refus_tirage.get(jour)
        longueur_file = attente.get(jour, (0, 0))[0]
        if motif:
            lignes.append({"date": jour, "issue": "ignore", "motif": motif})
        elif jour in existantes:
            lignes.append({"date": jour, "issue": "deja", "motif": "déjà réservé"})
        elif jour in autre_foyer:
            lignes.append(
                {"date": jour, "issue": "autre_foyer", "motif": "réservé par l'autre foyer"}
            )
        elif jour in au_tirage:
            lignes.append({"date": jour, "issue": "tirage", "motif": ""})
        elif not _place_libre(cal.places(jour), occupees.get(jour, 0), longueur_file):
            lignes.append(
                {"date": jour, "issue": "attente", "motif": "", "rang": longueur_file + 1}
            )
        elif a_valider:
            lignes.append({"date": jour, "issue": "a_valider", "motif": ""})
        else:
            lignes.append({"date": jour, "issue": "reserve", "motif": ""})
    return lignes


def appliquer_semaine_type(
    inscription: Inscription,
    jours,
    frequence,
    debut,
    fin,
    *,
    par=None,
    demandeur=None,
    maintenant: datetime.datetime | None = None,
) -> Bilan:
    """Store the pattern and book its dates in one transaction (bulk inserts)."""
    maintenant = maintenant or timezone.now()
    jours = sorted({int(j) for j in jours})
    with transaction.atomic():
        inscription = _inscription_validee(inscription)
        _verifier_semaine_type(inscription, jours, debut, fin)
        SemaineType.objects.update_or_create(
            inscription=inscription,
            defaults={
                "jours": jours,
                "frequence": frequence,
                "debut": debut,
                "fin": fin,
                "modifiee_le": maintenant,
            },
        )
        dates = dates_semaine_type(jours, frequence, debut, fin)
        if not dates:
            raise ReservationError("Aucune date ne correspond à cette semaine type.")
        return modifier(
            inscription,
            a_reserver=dates,
            par=par,
            demandeur=demandeur,
            source=Reservation.Source.SEMAINE_TYPE,
            maintenant=maintenant,
        )


def desinscrire(inscription: Inscription, agent, motif: str) -> Bilan | None:
    """Staff end a validated enrolment: its coming bookings are cancelled (the waiting
    lists move up) and the enrolment is closed, in one transaction."""
    from inscriptions import services as inscriptions_services

    aujourd_hui = timezone.localdate()
    jours = list(
        Reservation.objects.actives()
        .filter(inscription=inscription, date__gte=aujourd_hui)
        .exclude(etat__in=Reservation.ETATS_POINTES)
        .values_list("date", flat=True)
    )
    with transaction.atomic():
        bilan = (
            modifier(inscription, a_annuler=jours, par=agent, par_le_service=True)
            if jours
            else None
        )
        inscriptions_services.clore_inscription(inscription, agent, motif)
    return bilan
