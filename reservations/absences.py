"""Absences declared by families ("Signaler une absence").

A booked day the family says the child will miss is, day by day:
- still cancellable (before the cancellation deadline, or a waiting list / a request):
  cancelled through the booking service, the place goes to the waiting list;
- else "absence signalée": the place stays held, the day list shows it, and it is billed
  unless the activity's rule says otherwise (ParametresReservation.absences_facturees).
A certificate accepted by staff (a Demande "certificat d'absence") turns the absence's
days into "absence justifiée": not billed, except its first `jours_carence` days. Days
already invoiced get a credit note (comptes.services.finances.crediter_jours).

`jour_facture` is the one rule: the invoicing, the credit notes and the sentence shown to
parents before they confirm all read it.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import ngettext

from comptes import fichiers
from comptes.historique import historiser
from inscriptions.models import Inscription
from portail.models import Demande
from reservations import emails, services
from reservations.models import Absence, ParametresReservation, Reservation

Etat = Reservation.Etat
TAILLE_MAX_CERTIFICAT = 5 * 1024 * 1024
ReservationError = services.ReservationError


# --- the billing rule -----------------------------------------------------------------


def jour_facture(etat: str, rang: int | None, parametres: ParametresReservation | None) -> bool:
    """Whether a day of a declared absence is billed. `rang`: the day's place in its
    absence (0 for the first day), None for a day staff marked by hand."""
    if etat == Etat.ABSENCE_SIGNALEE:
        return parametres is None or parametres.absences_facturees
    if etat == Etat.ABSENCE_JUSTIFIEE:
        # Marked by staff without a declared absence: never billed (as before absences).
        if rang is None or parametres is None or not parametres.absences_facturees:
            return False
        return rang < parametres.jours_carence
    return True


def rangs(absence_ids) -> dict[int, int]:
    """Each absence day's place in its absence (booking id -> 0, 1, …), whatever the month
    (an absence may run over two invoices): one query."""
    resultat, precedent, rang = {}, None, 0
    for pk, absence_id in (
        Reservation.objects.filter(
            absence_id__in=set(absence_ids), etat__in=Reservation.ETATS_ABSENCE
        )
        .order_by("absence_id", "date")
        .values_list("pk", "absence_id")
    ):
        rang = rang + 1 if absence_id == precedent else 0
        precedent = absence_id
        resultat[pk] = rang
    return resultat


# --- what a declaration would do -------------------------------------------------------


@dataclass
class Apercu:
    inscription: Inscription
    parametres: ParametresReservation
    # Days cancelled free of charge, and days that become "absence signalée".
    annules: list[datetime.date] = field(default_factory=list)
    signales: list[datetime.date] = field(default_factory=list)
    reservations: dict = field(default_factory=dict)

    @property
    def jours(self) -> list[datetime.date]:
        return sorted(self.annules + self.signales)

    def phrases(self) -> list[str]:
        """The rules, in plain French, for these very days."""
        lignes = []
        if self.annules:
            n = len(self.annules)
            lignes.append(
                ngettext(
                    "%(jours)s : annulé sans frais (avant le délai d'annulation), la place "
                    "revient à la liste d'attente.",
                    "%(jours)s : annulés sans frais (avant le délai d'annulation), les places "
                    "reviennent à la liste d'attente.",
                    n,
                )
                % {"jours": _liste_de_jours(self.annules).capitalize()}
            )
        if self.signales:
            lignes.append(_phrase_absence(self.signales, self.parametres))
        return lignes


def _jour_mois(jour: datetime.date) -> str:
    return date_format(jour, "j F")


def _periode(jours: list[datetime.date]) -> str:
    premier, dernier = jours[0], jours[-1]
    if premier == dernier:
        return f"du {_jour_mois(premier)}"
    debut = str(premier.day) if premier.month == dernier.month else _jour_mois(premier)
    return f"du {debut} au {_jour_mois(dernier)}"


def _liste_de_jours(jours: list[datetime.date]) -> str:
    noms = [_jour_mois(j) for j in jours]
    texte = noms[0] if len(noms) == 1 else f"{', '.join(noms[:-1])} et {noms[-1]}"
    return ngettext("le %(jours)s", "les %(jours)s", len(noms)) % {"jours": texte}


def _jours(n: int, facture: bool) -> str:
    if facture:
        return ngettext("%(n)d jour facturé", "%(n)d jours facturés", n) % {"n": n}
    return ngettext("%(n)d jour non facturé", "%(n)d jours non facturés", n) % {"n": n}


def _phrase_absence(jours: list[datetime.date], parametres: ParametresReservation) -> str:
    debut = f"Absence {_periode(jours)}"
    n = len(jours)
    if not parametres.absences_facturees:
        return f"{debut} : {_jours(n, False)}."
    justifies = [jour_facture(Etat.ABSENCE_JUSTIFIEE, rang, parametres) for rang in range(n)]
    carence = sum(justifies)
    if carence == n:
        return f"{debut} : {_jours(n, True)} (carence), même si le certificat est accepté."
    parties = []
    if carence:
        parties.append(f"{_jours(carence, True)} (carence)")
    parties.append(f"{_jours(n - carence, False)} si le certificat est accepté")
    sans = ngettext(
        "Sans certificat accepté, ce jour est facturé.",
        "Sans certificat accepté, les %(n)d jours sont facturés.",
        n,
    ) % {"n": n}
    return f"{debut} : {', '.join(parties)}. {sans}"


def _jj_mm(jour: datetime.date) -> str:
    return jour.strftime("%d/%m")


def apercu(
    inscription: Inscription, jours, maintenant: datetime.datetime | None = None, verrou=False
) -> Apercu:
    """Check the days (the household's own booked days, still to come) and sort them into
    cancellations and absences; nothing is written. ReservationError names the first day
    refused: nothing of the submission is then recorded."""
    maintenant = maintenant or timezone.now()
    jours = sorted(set(jours))
    if not jours:
        raise ReservationError("Cochez au moins un jour d'absence.", field="jours")
    inscription = services._inscription_chargee(inscription)
    enfant = inscription.enfant
    reservations = Reservation.objects.actives().filter(inscription=inscription, date__in=jours)
    if verrou:
        reservations = reservations.select_for_update()
    par_jour = {r.date: r for r in reservations}
    aujourd_hui = timezone.localdate(maintenant)
    for jour in jours:
        reservation = par_jour.get(jour)
        if reservation is None or reservation.etat == Etat.TIRAGE:
            raise ReservationError(
                f"Le {_jj_mm(jour)} n'est pas un jour réservé pour {enfant.prenom} : "
                "rien n'a été enregistré.",
                field="jours",
            )
        if jour < aujourd_hui:
            raise ReservationError(
                f"Le {_jj_mm(jour)} est passé : une absence se signale au plus tard le jour "
                "même. Rien n'a été enregistré.",
                field="jours",
            )
        if reservation.etat in Reservation.ETATS_ABSENCE:
            raise ReservationError(
                f"L'absence du {_jj_mm(jour)} est déjà signalée : rien n'a été enregistré.",
                field="jours",
            )
        if reservation.etat in Reservation.ETATS_POINTES:
            raise ReservationError(
                f"La présence du {_jj_mm(jour)} est déjà relevée : rien n'a été enregistré.",
                field="jours",
            )
    cal = services._charger(inscription, jours[0], jours[-1])
    resultat = Apercu(inscription, cal.parametres, reservations=par_jour)
    for jour in jours:
        motif = services.motif_refus_annulation(cal, jour, maintenant, False, par_jour[jour].etat)
        (resultat.signales if motif else resultat.annules).append(jour)
    return resultat


# --- declaring ------------------------------------------------------------------------


def verifier_certificat(fichier) -> fichiers.Nature:
    try:
        return fichiers.verifier(
            fichier, TAILLE_MAX_CERTIFICAT, "certificat", libelle="Le certificat"
        )
    except fichiers.FichierError as exc:
        raise ReservationError(exc.message, field=exc.field) from None


@dataclass
class Signalement:
    annules: list[datetime.date]
    signales: list[datetime.date]
    absence: Absence | None

    def message(self) -> str:
        parties = []
        if self.annules:
            parties.append(
                ngettext(
                    "%(n)d jour annulé sans frais",
                    "%(n)d jours annulés sans frais",
                    len(self.annules),
                )
                % {"n": len(self.annules)}
            )
        if self.absence is not None:
            n = len(self.signales)
            texte = ngettext(
                "%(n)d jour d'absence signalé", "%(n)d jours d'absence signalés", n
            ) % {"n": n}
            if self.absence.demande_id:
                texte += " ; le certificat est transmis au service"
            parties.append(texte)
        return ", ".join(parties).capitalize() + "."


def signaler(
    inscription: Inscription,
    jours,
    motif: str,
    certificat=None,
    *,
    par=None,
    demandeur=None,
    maintenant: datetime.datetime | None = None,
) -> Signalement:
    """Declare an absence for these booked days, in one transaction: the days still
    cancellable are cancelled (booking service: waiting list, timeline); the others become
    "absence signalée", recorded as one Absence with its certificate, which goes to the
    staff queue as a Demande "certificat d'absence"."""
    maintenant = maintenant or timezone.now()
    if motif not in Absence.Motif.values:
        raise ReservationError("Choisissez le motif de l'absence.", field="motif")
    nature = verifier_certificat(certificat) if certificat else None
    with transaction.atomic():
        services._delai_de_verrou()
        inscription = services._inscription_chargee(inscription)
        # The days' rows first, then the bookings: the booking service's lock order.
        services._verrouiller_journees(inscription.activite, sorted(set(jours)))
        prevu = apercu(inscription, jours, maintenant, verrou=True)
        if prevu.annules:
            services.modifier(
                inscription,
                a_annuler=prevu.annules,
                par=par,
                demandeur=demandeur,
                maintenant=maintenant,
            )
        if not prevu.signales:
            return Signalement(prevu.annules, [], None)
        absence = Absence(
            inscription=inscription,
            motif=motif,
            premier_jour=prevu.signales[0],
            dernier_jour=prevu.signales[-1],
            declaree_le=maintenant,
            declaree_par=demandeur,
        )
        objet = _objet(inscription, prevu.signales, absence)
        if nature is not None:
            fichiers.enregistrer(absence.certificat, certificat, nature)
            absence.demande = Demande.objects.create(
                famille=inscription.famille,
                demandeur=demandeur,
                type=Demande.Type.CERTIFICAT_ABSENCE,
                inscription=inscription,
                objet=objet,
                cree_le=maintenant,
            )
        else:
            # The timeline still shows what the family declared.
            Demande.objects.create(
                famille=inscription.famille,
                demandeur=demandeur,
                type=Demande.Type.RESERVATION,
                inscription=inscription,
                objet=objet,
                cree_le=maintenant,
                statut=Demande.Statut.ACCEPTEE,
                traitee_le=maintenant,
                reponse="Absence enregistrée ; sans certificat, les jours suivent la règle "
                "de facturation de l'activité.",
            )
        absence.save()
        signales = [prevu.reservations[j] for j in prevu.signales]
        Reservation.objects.filter(pk__in=[r.pk for r in signales]).update(
            etat=Etat.ABSENCE_SIGNALEE, absence=absence, modifiee_le=maintenant, modifiee_par=par
        )
        for r in signales:
            r.etat, r.absence, r.modifiee_le, r.modifiee_par = (
                Etat.ABSENCE_SIGNALEE,
                absence,
                maintenant,
                par,
            )
        historiser(signales, par=par, raison="Absence signalée par la famille")
        return Signalement(prevu.annules, prevu.signales, absence)


def _objet(inscription: Inscription, jours, absence: Absence) -> str:
    enfant = inscription.enfant
    return (
        f"{enfant.prenom} {enfant.nom} — {inscription.activite.nom} : absence "
        f"{_periode(jours)} ({absence.get_motif_display().lower()})"
    )[:250]


def joindre_certificat(absence: Absence, certificat, *, demandeur=None) -> Absence:
    """A certificate sent after the absence was declared (the doctor saw the child later)."""
    nature = verifier_certificat(certificat) if certificat else None
    if nature is None:
        raise ReservationError("Joignez le certificat.", field="certificat")
    with transaction.atomic():
        absence = (
            Absence.objects.select_for_update(of=("self",))
            .select_related("inscription__enfant", "inscription__activite", "demande")
            .get(pk=absence.pk)
        )
        if absence.demande is not None and absence.demande.statut != Demande.Statut.REFUSEE:
            raise ReservationError(
                "Un certificat est déjà transmis pour cette absence.", field="certificat"
            )
        if not absence.reservations.filter(etat=Etat.ABSENCE_SIGNALEE).exists():
            raise ReservationError(
                "Cette absence n'a plus de jour à justifier.", field="certificat"
            )
        inscription = absence.inscription
        fichiers.enregistrer(absence.certificat, certificat, nature)
        absence.demande = Demande.objects.create(
            famille=inscription.famille,
            demandeur=demandeur,
            type=Demande.Type.CERTIFICAT_ABSENCE,
            inscription=inscription,
            objet=_objet(inscription, [absence.premier_jour, absence.dernier_jour], absence),
        )
        absence.save(update_fields=["certificat", "demande"])
        return absence


# --- staff: the certificate in the queue (portail.services.TRAITEMENTS) ------------------


def _absence_de(demande: Demande) -> Absence:
    return Absence.objects.select_related(
        "inscription__enfant", "inscription__activite__parametres_reservation"
    ).get(demande=demande)


def accepter_certificat(demande: Demande, agent) -> None:
    """The absence's signalled days become "absence justifiée"; the days already invoiced
    that are no longer billed get a credit note; the family is told by e-mail."""
    from comptes.services import finances

    absence = _absence_de(demande)
    maintenant = timezone.now()
    reservations = list(
        Reservation.objects.select_for_update()
        .filter(absence=absence, etat=Etat.ABSENCE_SIGNALEE)
        .order_by("date")
    )
    Reservation.objects.filter(pk__in=[r.pk for r in reservations]).update(
        etat=Etat.ABSENCE_JUSTIFIEE, modifiee_le=maintenant, modifiee_par=agent
    )
    for r in reservations:
        r.etat, r.modifiee_le, r.modifiee_par = Etat.ABSENCE_JUSTIFIEE, maintenant, agent
    historiser(reservations, par=agent, raison="Certificat d'absence accepté")
    parametres = getattr(absence.inscription.activite, "parametres_reservation", None)
    rang = rangs([absence.pk])
    non_factures = [r for r in reservations if not jour_facture(r.etat, rang.get(r.pk), parametres)]
    avoirs = finances.crediter_jours(
        [r.pk for r in non_factures],
        f"{absence} : certificat accepté, {_jours(len(non_factures), False)}",
        agent,
    )
    emails.certificat_accepte(absence, len(reservations) - len(non_factures), non_factures, avoirs)


def refuser_certificat(demande: Demande, agent, motif: str) -> None:
    """The days stay "absence signalée" (billed by the activity's rule)."""
    emails.certificat_refuse(_absence_de(demande), motif)


# --- what the parent's pages list ---------------------------------------------------------

# How far ahead the form offers days (an absence is declared for the coming days; a later
# day is simply cancelled from the calendar).
HORIZON = datetime.timedelta(days=45)


def jours_signalables(
    inscription: Inscription, maintenant: datetime.datetime | None = None
) -> list[tuple[datetime.date, str]]:
    """The child's booked days from today on, with their label: one query."""
    aujourd_hui = timezone.localdate(maintenant or timezone.now())
    suffixes = {
        Etat.ATTENTE: " (liste d'attente)",
        Etat.DEMANDEE: " (réservation à valider)",
    }
    return [
        (date, date_format(date, "l j F Y") + suffixes.get(etat, ""))
        for date, etat in Reservation.objects.filter(
            inscription=inscription,
            date__range=(aujourd_hui, aujourd_hui + HORIZON),
            etat__in=[Etat.RESERVEE, Etat.DEMANDEE, Etat.ATTENTE],
        )
        .order_by("date")
        .values_list("date", "etat")
    ]


def absences_de(inscription: Inscription) -> list[Absence]:
    """The enrolment's declared absences, newest first, with their certificate's request
    and their number of days: two queries."""
    liste = list(Absence.objects.filter(inscription=inscription).select_related("demande")[:20])
    jours = {}
    for absence_id, etat in Reservation.objects.filter(
        absence__in=liste, etat__in=Reservation.ETATS_ABSENCE
    ).values_list("absence_id", "etat"):
        jours.setdefault(absence_id, []).append(etat)
    for absence in liste:
        etats = jours.get(absence.pk, [])
        absence.nb_jours = len(etats)
        absence.justifiee = bool(etats) and all(e == Etat.ABSENCE_JUSTIFIEE for e in etats)
        absence.peut_joindre = (
            not absence.justifiee
            and Etat.ABSENCE_SIGNALEE in etats
            and (absence.demande is None or absence.demande.statut == Demande.Statut.REFUSEE)
        )
    return liste
