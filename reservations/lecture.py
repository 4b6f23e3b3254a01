"""Read side of bookings: the month calendar a parent sees, in a fixed number of queries."""

import calendar
import datetime
from dataclasses import dataclass
from html import escape as echapper

from django.contrib.auth import get_user_model
from django.db.models import Count, F, FilteredRelation, Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS, WEEKDAYS_ABBR
from django.utils.safestring import SafeString, mark_safe

from comptes.models import QuotientFamilial
from comptes.services import tarifs
from familles.models import Rattachement
from inscriptions.models import Inscription
from portail.preparees import Preparee
from reservations import services
from reservations.calendrier import Calendrier, jours_entre, tranches_du_tarif
from reservations.delais import format_limite
from reservations.models import Reservation

Etat = Reservation.Etat

LIBELLES = {
    "libre": "places disponibles",
    "complet": "complet : liste d'attente",
    "reservee": "réservé",
    "demandee": "réservation à valider par le service",
    "attente": "liste d'attente",
    "present": "présent",
    "absent": "absent",
    "absence_justifiee": "absence justifiée",
    "absence_signalee": "absence signalée",
    "ferme": "fermé",
    "hors_inscription": "hors inscription",
    "hors_delai": "date limite passée",
    "passe": "passé",
    # opening by lottery (reservations/tirage.py)
    "tirage": "demande pour le tirage au sort",
    "tirage_ouvert": "tirage au sort",
    "tirage_ferme": "tirage au sort",
    # garde alternée: the other household's day, whatever its state (nothing more said)
    "autre_foyer": "réservé par l'autre foyer",
}


# Below this many places left, the calendar gives the count ("plus que 3 places").
PEU_DE_PLACES = 5


def places_en_clair(restantes: int) -> str:
    if restantes > PEU_DE_PLACES:
        return "places disponibles"
    if restantes <= 1:
        return "plus qu'une place"
    return f"plus que {restantes} places"


@dataclass
class Jour:
    date: datetime.date
    etat: str
    cochable: bool = False
    coche: bool = False
    motif: str = ""
    places_restantes: int | None = None
    position: int | None = None
    # Outside the household's share of the custody (garde alternée): a hint, still
    # bookable ("hors de vos semaines de garde").
    hors_garde: str = ""
    # What the page prints, computed once per day by `_habiller` (formatting ~100 dates
    # through the template filters was a third of the page's time).
    iso: str = ""
    numero: str = ""
    libelle: str = ""
    libelle_complet: str = ""

    def _libelle(self) -> str:
        if self.etat == "ferme":
            return self.motif
        texte = LIBELLES[self.etat]
        if self.etat == "libre" and self.places_restantes is not None:
            texte = places_en_clair(self.places_restantes)
        if self.etat == "attente" and self.position:
            texte = f"liste d'attente, rang {self.position}"
        if self.etat == "hors_delai" and self.motif:
            return f"{texte} le {self.motif}"  # "date limite passée le mardi 8 décembre à 23:59"
        if self.motif:
            texte = f"{texte} ({self.motif})"
        return texte

    @property
    def sans_accueil(self) -> bool:
        return self.etat == "ferme" and self.motif == "pas d'accueil ce jour"


def _habiller(jours: list[Jour]) -> None:
    """The labels of the month's days, with the day and month names translated once: the
    same text as the `date` filter's "l j F Y", "D j" and "Y-m-d"."""
    noms = [str(WEEKDAYS[i]) for i in range(7)]
    abreges = [str(WEEKDAYS_ABBR[i]) for i in range(7)]
    mois = {m: str(MONTHS[m]) for m in {j.date.month for j in jours}}
    for j in jours:
        d, jour_semaine = j.date, j.date.weekday()
        j.iso = d.isoformat()
        j.numero = f"{abreges[jour_semaine]} {d.day}"
        j.libelle = j._libelle()
        j.libelle_complet = f"{noms[jour_semaine]} {d.day} {mois[d.month]} {d.year} : {j.libelle}"
        if j.hors_garde:
            j.libelle_complet += f" ({j.hors_garde})"


def _cellule(j: Jour | None) -> str:
    """One day's cell of the month table. Written here rather than in the template: the
    ~35 cells of a month were half of the page's rendering through template nodes. Plain
    f-strings with each text escaped (`html.escape`, as Django's `escape` does): through
    `format_html` the month's ~300 values cost a sixth of the page."""
    if j is None:
        return '<td class="hors-mois" aria-hidden="true"></td>'
    classes = f"jour jour-{j.etat}"
    if j.coche:
        classes += " jour-coche"
    if j.sans_accueil:
        classes += " sans-accueil"
    if j.hors_garde:
        classes += " hors-garde"
    classes = echapper(classes)
    textes = (
        f'<span class="visually-hidden">{echapper(j.libelle_complet)}</span> '
        f'<span aria-hidden="true"><span class="numero">{echapper(j.numero)}</span> '
        f'<span class="etat">{echapper(j.libelle)}</span></span>'
    )
    if not j.cochable:
        return f'<td class="{classes}">{textes}</td>'
    iso = echapper(j.iso)
    coche = " checked" if j.coche else ""
    return (
        f'<td class="{classes}"><input type="hidden" name="affiches" value="{iso}">'
        f'<label class="case-jour" for="j-{iso}"><input type="checkbox" '
        f'class="form-check-input" name="jours" value="{iso}" id="j-{iso}"{coche}> '
        f"{textes}</label></td>"
    )


def corps_du_tableau(semaines: list[list]) -> SafeString:
    """The month table's <tbody> rows: every text escaped by `_cellule`."""
    return mark_safe(  # noqa: S308 - each cell escapes its texts
        "".join("<tr>" + "".join(_cellule(j) for j in semaine) + "</tr>\n" for semaine in semaines)
    )


def mois_suivant(annee: int, mois: int, decalage: int) -> tuple[int, int]:
    index = annee * 12 + (mois - 1) + decalage
    return index // 12, index % 12 + 1


def bornes_du_mois(annee: int, mois: int) -> tuple[datetime.date, datetime.date]:
    dernier = calendar.monthrange(annee, mois)[1]
    return datetime.date(annee, mois, 1), datetime.date(annee, mois, dernier)


def _par_jour(activite_id: int, enfant_id: int, debut, fin):
    a_moi = Q(enfant_id=enfant_id)
    return (
        Reservation.objects.actives()
        .filter(activite_id=activite_id, date__range=(debut, fin))
        .values_list("date")
        .annotate(
            occupees=Count("pk", filter=Q(etat__in=Reservation.ETATS_OCCUPANT_UNE_PLACE)),
            mon_etat=Max("etat", filter=a_moi),
            mon_rang=Max("rang_attente", filter=a_moi),
            foyer=Max("inscription__famille_id", filter=a_moi),
        )
        .order_by()
    )


# (compiled once per process: `jours_du_mois` runs it on every calendar page)
_PAR_JOUR = Preparee(_par_jour, int, int, datetime.date, datetime.date)


def jours_du_mois(
    inscription: Inscription, annee: int, mois: int, maintenant: datetime.datetime | None = None
) -> tuple[Calendrier, list[list]]:
    """Weeks (Monday first) of Jour or None (days of other months)."""
    maintenant = maintenant or timezone.now()
    aujourd_hui = timezone.localdate(maintenant)
    debut, fin = bornes_du_mois(annee, mois)
    # The booking rules come with the enrolment (`inscription_et_autres`); else read them.
    parametres = getattr(inscription.activite, "parametres_reservation", None)
    if parametres is None:
        cal = services._charger(inscription, debut, fin)  # (says bookings are not open)
    else:
        cal = Calendrier.charger_mois(inscription.activite, debut, fin, parametres)
    # One grouped read for the places taken and the child's booking each day, with the
    # household that made it (garde alternée: the child's, not the enrolment's, so the
    # other household's days show). The services keep each waiting list ranked 1..k (it
    # closes up when someone leaves it), so the child's rank is their position: no count
    # of the rows ahead per day.
    par_jour = _PAR_JOUR(inscription.activite_id, inscription.enfant_id, debut, fin)
    occupees, miennes, autre_foyer = {}, {}, set()
    for date, n, etat, rang, foyer in par_jour:
        occupees[date] = n
        if etat is None:
            continue
        if foyer == inscription.famille_id:  # (one active booking per child and day)
            miennes[date] = (etat, rang)
        else:
            autre_foyer.add(date)
    garde = garde_du_foyer(inscription)
    hors_garde = garde and (
        "hors de vos semaines de garde"
        if garde.garde == garde.Garde.SEMAINES
        else "hors de vos jours de garde"
    )
    semaines = []
    for semaine in calendar.Calendar().monthdatescalendar(annee, mois):
        ligne = []
        for jour in semaine:
            ligne.append(
                None
                if jour.month != mois
                else _jour(
                    cal,
                    inscription,
                    jour,
                    miennes.get(jour),
                    occupees.get(jour, 0),
                    aujourd_hui,
                    maintenant,
                    jour in autre_foyer,
                )
            )
            j = ligne[-1]
            if j and garde and j.etat in ETATS_A_RESERVER and not garde.a_la_garde(jour):
                j.hors_garde = hors_garde
        semaines.append(ligne)
    _habiller([j for semaine in semaines for j in semaine if j is not None])
    return cal, semaines


def _jour(
    cal, inscription, jour, reservation, occupees, aujourd_hui, maintenant, autre_foyer=False
) -> Jour:
    """reservation: the child's active booking that day through this household, as
    (etat, rang_attente), or None; autre_foyer: the other household booked the day (its
    state is not the household's business: neither bookable nor cancellable from here)."""
    if autre_foyer:
        return Jour(jour, "autre_foyer")
    etat, rang = reservation or (None, None)
    if etat in Reservation.ETATS_POINTES or etat == Etat.ABSENCE_SIGNALEE:
        return Jour(jour, etat)
    if jour < aujourd_hui:
        return Jour(jour, "passe", motif=LIBELLES[etat] if etat else "")
    # (closed days carry their reason as their whole label: "Vacances de Noël")
    fermeture = cal.motif_fermeture(jour)
    if fermeture and etat is not None:
        # Closed after it was booked (the service cancels such bookings): say both.
        return Jour(jour, etat, motif=f"jour fermé : {fermeture}")
    if fermeture:
        return Jour(jour, "ferme", motif=fermeture)
    if not inscription.date_debut <= jour <= inscription.date_fin:
        return Jour(jour, "hors_inscription")
    if etat is not None:
        refus = services.motif_refus_annulation(cal, jour, maintenant, False, etat)
        return Jour(
            jour,
            etat,
            cochable=refus is None,
            coche=True,
            motif=f"non annulable : {refus}" if refus else "",
            position=rang,
        )
    if cal.regle_reservation.depasse(jour, maintenant):
        limite = format_limite(cal.regle_reservation.limite(jour))
        return Jour(jour, "hors_delai", motif=limite)
    places = cal.places(jour)
    if places is not None and occupees >= places:
        return Jour(jour, "complet", cochable=True)
    restantes = None if places is None else places - occupees
    return Jour(jour, "libre", cochable=True, places_restantes=restantes)


def garde_du_foyer(inscription: Inscription) -> Rattachement | None:
    """The household's share of the custody when its link fixes one (garde alternée),
    else None. Read with the enrolment by `inscription_et_autres`; otherwise one query."""
    if hasattr(inscription, "garde_du_foyer"):
        lien = Rattachement(
            garde=inscription.garde_du_foyer or Rattachement.Garde.LIBRE,
            semaines=inscription.semaines_du_foyer or "",
            jours=inscription.jours_du_foyer or [],
        )
    else:
        lien = Rattachement.objects.filter(
            enfant_id=inscription.enfant_id, famille_id=inscription.famille_id
        ).first()
    return lien if lien is not None and lien.description_garde else None


def _inscription_et_autres(user_id: int, pk: int, aujourd_hui, jour_du_prix):
    validee = Q(statut=Inscription.Statut.VALIDEE, date_fin__gte=aujourd_hui)
    quotient = QuotientFamilial.objects.filter(
        famille_id=OuterRef("famille_id"), depuis__lte=jour_du_prix
    ).order_by("-depuis", "-cree_le")
    return (
        Inscription.objects.for_user(get_user_model()(pk=user_id))
        .filter(Q(pk=pk) | validee)
        .select_related(
            "enfant",
            "activite__site",
            "activite__periode",
            "activite__parametres_reservation",
            "activite__tarif",
        )
        .annotate(
            quotient_du_jour=Subquery(quotient.values("valeur")[:1]),
            lien=FilteredRelation(
                "enfant__rattachements",
                condition=Q(enfant__rattachements__famille_id=F("famille_id")),
            ),
            garde_du_foyer=F("lien__garde"),
            semaines_du_foyer=F("lien__semaines"),
            jours_du_foyer=F("lien__jours"),
        )
        .order_by("enfant__prenom", "activite__nom")
    )


# Built and compiled once per process (the page's widest read: ~3 ms of compilation).
_INSCRIPTION_ET_AUTRES = Preparee(_inscription_et_autres, int, int, datetime.date, datetime.date)


def inscription_et_autres(
    user, pk: int, jour_du_prix: datetime.date | None = None
) -> tuple[Inscription | None, list[Inscription]]:
    """The user's enrolment `pk` (None: not theirs), with its booking rules, its tariff
    and the household's quotient in force on `jour_du_prix` (`quotient_du_jour`), and
    its household's validated current enrolments, to switch between children, and the
    household's share of each child's custody (`garde_du_foyer`): one query."""
    if not user.is_authenticated:
        return None, []
    aujourd_hui = timezone.localdate()
    lignes = _INSCRIPTION_ET_AUTRES(user.pk, pk, aujourd_hui, jour_du_prix or aujourd_hui)
    # The household comes with the user (comptes/backends.py): no join for it here.
    responsable = getattr(user, "responsable", None)
    if responsable is not None:
        for i in lignes:
            if i.famille_id == responsable.famille_id:
                i.famille = responsable.famille
    inscription = next((i for i in lignes if i.pk == pk), None)
    if inscription is None:
        return None, []
    autres = [
        i
        for i in lignes
        if i.famille_id == inscription.famille_id
        and i.statut == Inscription.Statut.VALIDEE
        and i.date_fin >= aujourd_hui
    ]
    return inscription, autres


def prix_du_mois(inscription: Inscription, jour: datetime.date) -> str | None:
    """ "2,10 € le repas" for the household on `jour`, by the invoicing's own rule
    (comptes/services/tarifs.py); the quotient comes with the enrolment
    (`inscription_et_autres`), the brackets from memory. None: no tariff yet."""
    tarif = getattr(inscription.activite, "tarif", None)
    parametres = getattr(inscription.activite, "parametres_reservation", None)
    if tarif is None or parametres is None:
        return None
    valeur = inscription.quotient_du_jour
    quotients = [] if valeur is None else [QuotientFamilial(valeur=valeur, depuis=jour)]
    tarification = tarifs.tarification(
        inscription.famille,
        inscription.activite,
        quotients=quotients,
        tranches=tranches_du_tarif(tarif, parametres.version_calendrier),
    )
    return tarification.par_unite(jour)


# --- words for the parent: the next bookable day, the days a submission changed ----------

ETATS_A_RESERVER = ("libre", "complet", "tirage_ouvert")


def prochain_jour(semaines: list[list]) -> Jour | None:
    """The month's first day the parent can still book (from what the page already read)."""
    return next(
        (
            j
            for semaine in semaines
            for j in semaine
            if j is not None and j.cochable and j.etat in ETATS_A_RESERVER
        ),
        None,
    )


def modifiable(semaines: list[list]) -> bool:
    """Whether any day of the month can be ticked or unticked (else no "Valider")."""
    return any(j is not None and j.cochable for semaine in semaines for j in semaine)


# The child's booked days from a date on (compiled once per process).
_JOURS_RESERVES = Preparee(
    lambda enfant_id, activite_id, debut: (
        Reservation.objects.actives()
        .filter(enfant_id=enfant_id, activite_id=activite_id, date__gte=debut)
        .values_list("date", flat=True)
    ),
    int,
    int,
    datetime.date,
)


def mois_du_prochain_jour(
    inscription: Inscription, maintenant: datetime.datetime | None = None, mois_max: int = 6
) -> tuple[int, int] | None:
    """The first month (within `mois_max`) with a day the child can still book: open, in
    the enrolment, before the booking deadline, not booked yet. The activity's closures
    come from the month calendars kept in memory; the child's bookings are one query."""
    parametres = getattr(inscription.activite, "parametres_reservation", None)
    if parametres is None:
        return None
    maintenant = maintenant or timezone.now()
    debut = max(timezone.localdate(maintenant), inscription.date_debut)
    fin = inscription.date_fin
    if debut > fin:
        return None
    miennes = set(_JOURS_RESERVES(inscription.enfant_id, inscription.activite_id, debut))
    regle = None
    for decalage in range(mois_max):
        annee, mois = mois_suivant(debut.year, debut.month, decalage)
        premier, dernier = bornes_du_mois(annee, mois)
        if premier > fin:
            break
        cal = Calendrier.charger_mois(inscription.activite, premier, dernier, parametres)
        regle = regle or cal.regle_reservation
        for jour in jours_entre(max(premier, debut), min(dernier, fin)):
            if jour in miennes or cal.motif_fermeture(jour):
                continue
            if not regle.depasse(jour, maintenant):
                return annee, mois
    return None


def jour_en_clair(jour: datetime.date, avec_mois: bool = True) -> str:
    """ "jeudi 3 décembre", "mardi 1er décembre"."""
    numero = "1er" if jour.day == 1 else str(jour.day)
    texte = f"{WEEKDAYS[jour.weekday()]} {numero}"
    return f"{texte} {MONTHS[jour.month]}" if avec_mois else texte


def _enumerer(mots: list[str]) -> str:
    return mots[0] if len(mots) == 1 else f"{', '.join(mots[:-1])} et {mots[-1]}"


# Beyond this many days, a confirmation gives the count and the first and last day.
JOURS_NOMMES_MAX = 5


def liste_de_jours(jours: list[datetime.date]) -> str:
    """ "mardi 1er, jeudi 3 et vendredi 4 décembre" (the month said once per month)."""
    jours = sorted(jours)
    par_mois: dict[tuple[int, int], list[str]] = {}
    for jour in jours:
        par_mois.setdefault((jour.year, jour.month), []).append(jour_en_clair(jour, False))
    return ", ".join(f"{_enumerer(noms)} {MONTHS[mois]}" for (_a, mois), noms in par_mois.items())


def _phrase(jours: list[datetime.date], singulier: str, pluriel: str, suite: str) -> str:
    """ "Mercredi 16 décembre annulé pour Hugo"; "8 jours réservés pour Hugo, du … au …"."""
    if len(jours) > JOURS_NOMMES_MAX:
        premier, dernier = min(jours), max(jours)
        return (
            f"{len(jours)} jours {pluriel}{suite}, du {jour_en_clair(premier)} "
            f"au {jour_en_clair(dernier)}"
        )
    return f"{liste_de_jours(jours)} {singulier if len(jours) == 1 else pluriel}{suite}"


def annonce_bilan(bilan: services.Bilan, prenom: str) -> str:
    """The confirmation of a calendar submission, naming the days it changed."""
    pour = f" pour {prenom}"
    phrases = []
    if bilan.reserves:
        phrases.append(_phrase(bilan.reserves, "réservé", "réservés", pour))
    if bilan.a_valider:
        phrases.append(
            _phrase(bilan.a_valider, "demandé", "demandés", f"{pour}, à valider par le service")
        )
    if bilan.attente:
        rangs = ", ".join(
            f"{jour_en_clair(jour)} (rang {rang})" for jour, rang in sorted(bilan.attente)
        )
        phrases.append(f"Liste d'attente{pour} : {rangs}")
    if bilan.tirage:
        phrases.append(_phrase(bilan.tirage, "demandé", "demandés", f"{pour} au tirage au sort"))
    if bilan.annules:
        phrases.append(_phrase(bilan.annules, "annulé", "annulés", pour))
    if bilan.deja:
        phrases.append(_phrase(bilan.deja, "déjà réservé", "déjà réservés", ""))
    if bilan.autre_foyer:
        phrases.append(services.message_autre_foyer(bilan.autre_foyer).rstrip("."))
    if bilan.refuses:
        par_motif: dict[str, list[datetime.date]] = {}
        for jour, motif in bilan.refuses:
            par_motif.setdefault(motif, []).append(jour)
        for motif, jours in par_motif.items():
            phrases.append(f"{_phrase(jours, 'refusé', 'refusés', '')} ({motif})")
    if not phrases:
        return "Aucun changement."
    return " ".join(p[0].upper() + p[1:] + "." for p in phrases)
