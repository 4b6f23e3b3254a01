"""Opening by lottery ("ouverture par tirage au sort"), the alternative to first-come.

The manager sets the activity's "mode d'ouverture" to "tirage au sort" and adds a Tirage:
the days it covers (e.g. the spring holidays) and a window of requests (e.g. 8:30–12:00).

- Before the window, those days cannot be booked ("demandes à partir du …").
- During the window, a parent's booking of those days records a request (state TIRAGE):
  no place, no rank, not first-come. It can be withdrawn until the draw.
- At the close the worker draws (`tirer`), once: a seed from `secrets`; the participating
  households sorted by SHA-256(seed + ":" + household id) — a random order that anyone
  can recompute from the seed; then each day, in date order, with that same order.
- Siblings: one draw per household, and a household's children are placed together on a
  day: if they do not all fit in the places left, they all go to the waiting list (one
  after the other) and the places left go on to the next households in drawn order.
- The waiting list: a list already there keeps its order (renumbered 1..m if it had gaps)
  and takes no place from the draw (newcomers never jump the queue); the drawn requests
  follow it, m+1..k, in drawn order.
- Between the close and the draw, those days answer "tirage au sort en cours"; after the
  draw they are first-come again (places left, then the waiting list after the drawn).
- Staff bookings for a family are never held by a lottery (deadlines are waived too).
"""

import datetime
import hashlib
import secrets
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Case, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from familles.models import Responsable
from reservations.calendrier import Calendrier, jours_entre
from reservations.models import ModeOuverture, Reservation, Tirage

Etat = Reservation.Etat

PLACE, ATTENTE, FERME = "place", "attente", "ferme"


def _le(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y à %H:%M")


# --- the draw itself: pure functions, re-run by the "vérifier" page -----------------------


def ordre_tire(graine: str, familles) -> list[int]:
    """The households in drawn order: sorted by SHA-256 of "seed:id" (reproducible by
    anyone holding the seed, independent of Python's random module)."""
    return sorted(
        set(familles), key=lambda f: (hashlib.sha256(f"{graine}:{f}".encode()).hexdigest(), f)
    )


def repartir(ordre: list[int], demandes: list[dict], capacites: dict) -> list[dict]:
    """Decide every request: a place, the waiting list (with its rank) or a closed day.

    `demandes`: {"reservation", "famille", "enfant", "date"} (date as ISO text);
    `capacites`: per date, {"libres": places left or None (no limit), "file": length of
    the waiting list already there, "ferme": why the day is closed, or ""}.
    """
    rang_tire = {famille: rang for rang, famille in enumerate(ordre)}
    par_jour = defaultdict(lambda: defaultdict(list))
    for demande in demandes:
        par_jour[demande["date"]][demande["famille"]].append(demande)
    lignes = []
    for jour in sorted(par_jour):
        capacite = capacites[jour]
        # A waiting list already there keeps its turn: no place for newcomers.
        libres = capacite["libres"] if not capacite["file"] else 0
        rang = capacite["file"]
        for famille in sorted(par_jour[jour], key=rang_tire.__getitem__):
            enfants = sorted(par_jour[jour][famille], key=lambda d: (d["enfant"], d["reservation"]))
            if capacite["ferme"]:
                issue = FERME
            elif libres is None or len(enfants) <= libres:
                issue = PLACE
                libres = None if libres is None else libres - len(enfants)
            else:
                issue = ATTENTE  # siblings are not split: all of them wait
            for demande in enfants:
                ligne = {**demande, "issue": issue, "rang": None}
                if issue == ATTENTE:
                    rang += 1
                    ligne["rang"] = rang
                lignes.append(ligne)
    return lignes


# --- during the window: what a booking of a lottery day does -----------------------------


def tirages_actifs(parametres, debut: datetime.date, fin: datetime.date) -> list[Tirage]:
    """The activity's lotteries covering some of these days (no query in first-come mode)."""
    if parametres.mode_ouverture != ModeOuverture.TIRAGE:
        return []
    return list(
        Tirage.objects.filter(
            activite_id=parametres.activite_id, premier_jour__lte=fin, dernier_jour__gte=debut
        )
    )


def _tirage_du_jour(tirages: list[Tirage], jour: datetime.date) -> Tirage | None:
    return next((t for t in tirages if t.premier_jour <= jour <= t.dernier_jour), None)


def trier_les_jours(
    cal: Calendrier, jours, maintenant: datetime.datetime, par_le_service: bool
) -> tuple[set, dict]:
    """Split the days a parent books: (days recorded as lottery requests, {day: refusal}).
    The other days follow first-come."""
    if par_le_service or not jours:
        return set(), {}
    return _trier(tirages_actifs(cal.parametres, min(jours), max(jours)), jours, maintenant)


def _trier(tirages: list[Tirage], jours, maintenant) -> tuple[set, dict]:
    demandes, refus = set(), {}
    for jour in jours:
        tirage = _tirage_du_jour(tirages, jour)
        if tirage is None or tirage.tire_le is not None:
            continue
        if maintenant < tirage.ouverture:
            refus[jour] = f"tirage au sort : demandes à partir du {_le(tirage.ouverture)}"
        elif maintenant < tirage.cloture:
            demandes.add(jour)
        else:
            refus[jour] = "tirage au sort en cours, réessayez dans quelques minutes"
    return demandes, refus


def annonces(tirages: list[Tirage], maintenant: datetime.datetime) -> list[str]:
    """What the calendar tells a family about the lotteries of the month shown."""
    textes = []
    for tirage in tirages:
        jours = f"du {tirage.premier_jour:%d/%m} au {tirage.dernier_jour:%d/%m}"
        if tirage.tire_le is not None:
            textes.append(
                f"Les jours {jours} ont été attribués par tirage au sort le {_le(tirage.tire_le)} ;"
                " les places restantes sont attribuées dans l'ordre des demandes."
            )
        elif maintenant < tirage.ouverture:
            textes.append(
                f"Ouverture par tirage au sort des jours {jours} : demandes du "
                f"{_le(tirage.ouverture)} au {_le(tirage.cloture)}."
            )
        else:
            textes.append(
                f"Ouverture par tirage au sort des jours {jours} : vos demandes seront tirées "
                f"au sort le {_le(tirage.cloture)}. L'heure de la demande ne compte pas ; "
                "les frères et sœurs sont tirés ensemble."
            )
    return textes


def annoter(tirages: list[Tirage], semaines, maintenant: datetime.datetime) -> None:
    """Show the lottery days of a month calendar as such (the Jour rows of lecture)."""
    jours = [j for semaine in semaines for j in semaine if j is not None]
    if not tirages or not jours:
        return
    from reservations import lecture

    demandes, refus = _trier(tirages, [j.date for j in jours], maintenant)
    changes = []
    for jour in jours:
        if jour.etat not in ("libre", "complet"):
            continue  # booked, closed, past…: the usual label stays
        if jour.date in demandes:
            jour.etat, jour.places_restantes = "tirage_ouvert", None
        elif jour.date in refus:
            jour.etat, jour.cochable, jour.places_restantes = "tirage_ferme", False, None
            motif = refus[jour.date]
            jour.motif = (
                "en cours"
                if motif.startswith("tirage au sort en cours")
                else motif.removeprefix("tirage au sort : ")
            )
        else:
            continue
        changes.append(jour)
    lecture._habiller(changes)  # their labels again


# --- at the close: the draw ----------------------------------------------------------------


def tirages_dus(maintenant: datetime.datetime | None = None):
    return Tirage.objects.filter(tire_le__isnull=True, cloture__lte=maintenant or timezone.now())


def tirer(
    tirage: Tirage,
    *,
    graine: str | None = None,
    par=None,
    tache: str = "",
    maintenant: datetime.datetime | None = None,
) -> bool:
    """Draw the lottery once (False when it was already drawn or is not yet due)."""
    from reservations import services  # services hooks into this module

    maintenant = maintenant or timezone.now()
    with transaction.atomic():
        services._delai_de_verrou()
        # The draw's row is the lock that makes it run once, whoever starts it (its row
        # only: a lock on the activity would block the bookings' foreign-key checks).
        tirage = (
            Tirage.objects.select_for_update(of=("self",))
            .select_related("activite")
            .get(pk=tirage.pk)
        )
        if tirage.tire_le is not None or maintenant < tirage.cloture:
            return False
        activite = tirage.activite
        en_lice = Reservation.objects.filter(
            activite=activite,
            etat=Etat.TIRAGE,
            date__range=(tirage.premier_jour, tirage.dernier_jour),
        )
        # Every day of the lottery is locked (same order as every booking: the days, then
        # the bookings): a request still being recorded is either in, or waits and then
        # finds the lottery drawn and goes first-come.
        services._verrouiller_journees(
            activite, list(jours_entre(tirage.premier_jour, tirage.dernier_jour))
        )
        jours = sorted(set(en_lice.values_list("date", flat=True)))
        demandes = list(
            en_lice.select_for_update(of=("self",))
            .select_related("inscription__famille", "enfant")
            .order_by("date", "pk")
        )
        capacites = _capacites(activite, tirage, jours) if demandes else {}
        graine = graine or secrets.token_hex(16)
        entrees = [
            {
                "reservation": r.pk,
                "famille": r.inscription.famille_id,
                "enfant": r.enfant_id,
                "date": r.date.isoformat(),
            }
            for r in demandes
        ]
        participants = sorted({e["famille"] for e in entrees})
        ordre = ordre_tire(graine, participants)
        lignes = repartir(ordre, entrees, capacites)
        _appliquer(tirage, demandes, lignes, par, maintenant)
        tirage.graine, tirage.participants, tirage.ordre = graine, participants, ordre
        tirage.resultats = {"demandes": entrees, "capacites": capacites, "lignes": lignes}
        tirage.tire_le, tirage.tire_par, tirage.tache = maintenant, par, tache[:64]
        tirage.save(
            update_fields=[
                "graine",
                "participants",
                "ordre",
                "resultats",
                "tire_le",
                "tire_par",
                "tache",
            ]
        )
    return True


def _capacites(activite, tirage: Tirage, jours) -> dict:
    from reservations import services

    cal = Calendrier.charger(activite, tirage.premier_jour, tirage.dernier_jour)
    # A waiting list already there keeps its order, ranked 1..m without gaps, so that the
    # drawn requests follow it at m+1.. (usually there is none).
    services._resserrer_les_files(activite, jours)
    occupees, attente = services._occupation(activite, jours)
    capacites = {}
    for jour in jours:
        places = cal.places(jour)
        capacites[jour.isoformat()] = {
            "libres": None if places is None else max(0, places - occupees.get(jour, 0)),
            "file": attente.get(jour, (0, 0))[0],
            "ferme": cal.motif_fermeture(jour) or "",
        }
    return capacites


def _appliquer(tirage: Tirage, demandes, lignes, par, maintenant) -> None:
    """Write what the draw decided: bookings, one line per enrolment in each household's
    timeline, and one e-mail per household (queued in bulk, sent after commit); set-based
    writes recorded in the audit trail like the booking service's."""
    from reservations import services

    par_pk = {r.pk: r for r in demandes}
    a_valider = tirage.activite.parametres_reservation.validation_requise
    par_inscription = defaultdict(list)
    for ligne in lignes:
        r = par_pk[ligne["reservation"]]
        if ligne["issue"] == PLACE:
            r.etat = Etat.DEMANDEE if a_valider else Etat.RESERVEE
        elif ligne["issue"] == ATTENTE:
            r.etat = Etat.ATTENTE
        else:
            r.etat = Etat.ANNULEE
        r.rang_attente = ligne["rang"]
        r.modifiee_le, r.modifiee_par = maintenant, par
        par_inscription[r.inscription_id].append((r, ligne))
    nouvelles = []
    for lignes_inscription in par_inscription.values():
        r = lignes_inscription[0][0]
        en_attente = any(x.etat == Etat.DEMANDEE for x, _ in lignes_inscription)
        nouvelles.append(
            services.demande_de_place(
                r.inscription,
                maintenant,
                en_attente,
                (
                    "Place attribuée par tirage au sort."
                    if any(ligne["issue"] == PLACE for _, ligne in lignes_inscription)
                    else "Pas de place au tirage au sort : voir le détail."
                ),
                f"{r.enfant.prenom} {r.enfant.nom} — {tirage.activite.nom} : tirage au sort, "
                f"{_bilan([ligne for _, ligne in lignes_inscription])}",
            )
        )
    nouvelles = services._creer_demandes(nouvelles, "Tirage au sort")
    champs = ["etat", "rang_attente", "modifiee_le", "modifiee_par"]
    if a_valider:
        # Staff accept or refuse the places through this request (accepter_depuis_demande);
        # otherwise each booking keeps the request it was made with.
        champs.append("demande")
        for demande, lignes_inscription in zip(nouvelles, par_inscription.values(), strict=True):
            for r, _ in lignes_inscription:
                r.demande = demande
    # Sorted by rank, so that the same rank on several days is one branch of the UPDATE.
    _mettre_a_jour(sorted(demandes, key=lambda r: r.rang_attente or 0), champs)
    services._historiser(demandes, "Tirage au sort")
    _prevenir(tirage, par_inscription)


def _mettre_a_jour(reservations: list[Reservation], champs: list[str], lot: int = 2000) -> None:
    """Write these fields of many rows: one UPDATE per lot, each field a CASE with one
    branch per distinct value (a few states, ranks, requests) rather than bulk_update's
    one per row and field, whose building took most of a 10 000-request draw."""
    caster = connection.features.requires_casted_case_in_updates  # as bulk_update does
    for debut in range(0, len(reservations), lot):
        rangees = reservations[debut : debut + lot]
        valeurs = {}
        for champ in champs:
            modele = Reservation._meta.get_field(champ)
            groupes = defaultdict(list)
            for r in rangees:
                groupes[getattr(r, modele.attname)].append(r.pk)
            case = Case(
                *(
                    When(pk__in=pks, then=Value(v, output_field=modele))
                    for v, pks in groupes.items()
                ),
                output_field=modele,
            )
            valeurs[champ] = Cast(case, output_field=modele) if caster else case
        Reservation.objects.filter(pk__in=[r.pk for r in rangees]).update(**valeurs)


def _bilan(lignes) -> str:
    parties = []
    places = sum(1 for ligne in lignes if ligne["issue"] == PLACE)
    attente = sum(1 for ligne in lignes if ligne["issue"] == ATTENTE)
    fermes = sum(1 for ligne in lignes if ligne["issue"] == FERME)
    if places:
        parties.append(
            f"{places} jour{'s' if places > 1 else ''} obtenu{'s' if places > 1 else ''}"
        )
    if attente:
        parties.append(f"{attente} en liste d'attente")
    if fermes:
        parties.append(f"{fermes} jour{'s' if fermes > 1 else ''} fermé{'s' if fermes > 1 else ''}")
    return ", ".join(parties)


def _prevenir(tirage: Tirage, par_inscription) -> None:
    from comptes.outbox import courriels_differes

    par_famille = defaultdict(list)
    for lignes_inscription in par_inscription.values():
        for r, ligne in lignes_inscription:
            par_famille[r.inscription.famille_id].append(
                {"enfant": r.enfant, "date": r.date, "issue": ligne["issue"], "rang": ligne["rang"]}
            )
    envois = []
    for famille_id, email in Responsable.objects.filter(famille_id__in=par_famille).values_list(
        "famille_id", "user__email"
    ):
        lignes = sorted(par_famille[famille_id], key=lambda x: (x["enfant"].prenom, x["date"]))
        envois.append((email, "tirage_resultat", {"tirage": tirage, "lignes": lignes}))
    courriels_differes(envois)


# --- "vérifier": the draw re-run from its seed, nothing written ---------------------------


def verifier(tirage: Tirage) -> dict:
    """Re-run the draw from the recorded seed and inputs: same order, same decisions?"""
    resultats = tirage.resultats or {}
    ordre = ordre_tire(tirage.graine, tirage.participants)
    lignes = repartir(ordre, resultats.get("demandes", []), resultats.get("capacites", {}))
    familles_des_demandes = sorted({d["famille"] for d in resultats.get("demandes", [])})
    return {
        "ordre": ordre,
        "ordre_identique": ordre == tirage.ordre,
        "participants_identiques": familles_des_demandes == tirage.participants,
        "lignes": lignes,
        "lignes_identiques": lignes == resultats.get("lignes", []),
    }


def programmer(ouverture: Tirage) -> None:
    """Have the worker draw at the close (after commit: a rolled-back change starts nothing).
    A close moved later leaves the earlier task with nothing to do; `manage.py
    tirer_au_sort` (cron) draws any lottery whose task was lost."""
    from comptes.tasks import apres_commit
    from reservations.tasks import tirer_au_sort

    if ouverture.tire_le is None:
        apres_commit(tirer_au_sort.using(run_after=ouverture.cloture), ouverture.pk)
