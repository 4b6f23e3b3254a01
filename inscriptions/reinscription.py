"""Réinscription (issue 13 part 5): next season's enrolments, prepared from this one's.

Staff open a CampagneReinscription (the new Periode, its dates, and which activity of
this season leads to which of the next). During the campaign each household sends, once
per child, one request: every selected activity becomes an Inscription of the new season
through services.demander_inscription (so every enrolment rule applies), waiting for
staff, who validate them in bulk by activity within the capacity
(services.valider_inscription). The submit is one Demande shared by those enrolments
(Inscription.demande_groupee); it says what is decided so far and closes with the last.
"""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from comptes.errors import DomainError
from comptes.mots import de
from familles.models import Enfant, Famille, Responsable, libelle_saison, saison_de
from inscriptions import services
from inscriptions.models import (
    Activite,
    CampagneReinscription,
    Inscription,
    Reinscription,
)
from portail.models import Demande
from portail.preparees import Preparee


class ReinscriptionError(DomainError):
    pass


def _campagnes_ouvertes(maintenant: datetime.datetime):
    return (
        CampagneReinscription.objects.filter(ouverture__lte=maintenant, fermeture__gt=maintenant)
        .select_related("periode")
        .order_by("periode__debut")[:1]
    )


# Read on every "Mes inscriptions": compiled once per process (portail/preparees.py).
_CAMPAGNE_OUVERTE = Preparee(_campagnes_ouvertes, datetime.datetime)


def campagne_ouverte(maintenant: datetime.datetime | None = None) -> CampagneReinscription | None:
    lignes = _CAMPAGNE_OUVERTE(maintenant or timezone.now())
    return lignes[0] if lignes else None


def libelle(campagne: CampagneReinscription) -> str:
    """ "2027-2028": how parents name the season."""
    return libelle_saison(saison_de(campagne.periode.debut))


def classe_suivante(enfant: Enfant, campagne: CampagneReinscription) -> str:
    """The class the child moves up to at the new season (CP → CE1 … CM2 → collège)."""
    return services.classe_pour_periode(enfant, campagne.periode, timezone.localdate())


def libelle_classe(classe: str) -> str:
    return Enfant.Classe(classe).label if classe in Enfant.Classe.values else classe


@dataclass
class Choix:
    activite: Activite
    actuelle: Activite | None  # this season's activity it follows (None: not enrolled)
    preselectionnee: bool


def choix_proposes(
    campagne: CampagneReinscription, famille: Famille, enfant: Enfant
) -> list[Choix]:
    """Next season's activities of the campaign, this year's validated ones (mapped)
    first and pre-selected. Two queries."""
    correspondances = list(
        campagne.correspondances.select_related(
            "activite_actuelle", "activite_suivante__site", "activite_suivante__periode"
        ).order_by("activite_suivante__type", "activite_suivante__nom", "pk")
    )
    validees = set(
        Inscription.objects.validees()
        .filter(famille=famille, enfant=enfant)
        .values_list("activite_id", flat=True)
    )
    choix: dict[int, Choix] = {}
    for correspondance in correspondances:
        suivante = correspondance.activite_suivante
        if correspondance.activite_actuelle_id in validees:
            choix[suivante.pk] = Choix(suivante, correspondance.activite_actuelle, True)
        elif suivante.pk not in choix and not services.motif_non_proposee(enfant, suivante, False):
            # Only what the child may join is offered besides this year's activities.
            choix[suivante.pk] = Choix(suivante, None, False)
    return sorted(choix.values(), key=lambda c: not c.preselectionnee)


def deja_envoyee(campagne: CampagneReinscription, famille: Famille, enfant: Enfant):
    return Reinscription.objects.filter(campagne=campagne, famille=famille, enfant=enfant).first()


def reinscrire(
    responsable: Responsable,
    campagne: CampagneReinscription,
    enfant: Enfant,
    activites: list[Activite],
    fiche_a_jour: bool,
    maintenant: datetime.datetime | None = None,
) -> Reinscription:
    """The household's re-enrolment of `enfant`: all of it or nothing."""
    maintenant = maintenant or timezone.now()
    famille = responsable.famille
    if not campagne.est_ouverte(maintenant):
        raise ReinscriptionError(
            f"La campagne de réinscription pour {libelle(campagne)} n'est pas ouverte."
        )
    if not fiche_a_jour:
        raise ReinscriptionError(
            f"Confirmez que la fiche sanitaire {de(enfant.prenom)} est à jour.",
            field="fiche_a_jour",
        )
    if not activites:
        raise ReinscriptionError("Choisissez au moins une activité.", field="activites")
    proposees = set(campagne.correspondances.values_list("activite_suivante_id", flat=True))
    if any(activite.pk not in proposees for activite in activites):
        raise ReinscriptionError(
            "Une activité choisie ne fait pas partie de la campagne.", field="activites"
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                reinscription = Reinscription.objects.create(
                    campagne=campagne,
                    enfant=enfant,
                    famille=famille,
                    demandeur=responsable,
                    classe=classe_suivante(enfant, campagne),
                    cree_le=maintenant,
                )
        except IntegrityError:
            raise ReinscriptionError(
                f"La réinscription {de(enfant.prenom)} pour {libelle(campagne)} est déjà envoyée."
            ) from None
        aujourd_hui = timezone.localdate(maintenant)
        # One request for the whole submit; staff decide each activity (in bulk by
        # activity), and it closes when the last one is decided.
        demande = Demande.objects.create(
            famille=famille,
            demandeur=responsable,
            type=Demande.Type.INSCRIPTION,
            objet=objet_demande(campagne, enfant, activites),
            cree_le=maintenant,
        )
        inscriptions = []
        for activite in activites:
            try:
                inscriptions.append(
                    services.demander_inscription(
                        responsable,
                        enfant,
                        activite,
                        services.premier_jour_possible(activite, aujourd_hui, enfant),
                        activite.periode.fin,
                        "Réinscription",
                        maintenant=maintenant,
                        demande_groupee=demande,
                    )
                )
            except services.InscriptionError as exc:
                # Nothing is kept: the household corrects its choice and sends again.
                raise ReinscriptionError(
                    f"{activite.nom} ({activite.site.nom}) : {exc.message}", field="activites"
                ) from None
        reinscription.inscriptions.set(inscriptions)
        demande.reponse = services.bilan_demande_groupee(inscriptions)
        demande.save(update_fields=["reponse"])
    return reinscription


def objet_demande(campagne: CampagneReinscription, enfant: Enfant, activites) -> str:
    noms = ", ".join(f"{a.nom} ({a.site.nom})" for a in activites)
    return f"Réinscription {libelle(campagne)} — {enfant.prenom} {enfant.nom} : {noms}"[:250]


# --- staff: validation in bulk by activity ---------------------------------------------


def _en_attente(campagne: CampagneReinscription):
    envoyees = Reinscription.objects.filter(
        campagne=campagne, enfant=OuterRef("enfant"), famille=OuterRef("famille")
    )
    return Inscription.objects.filter(
        activite__periode=campagne.periode,
        statut__in=[Inscription.Statut.EN_ATTENTE, Inscription.Statut.PREINSCRIPTION],
    ).filter(Exists(envoyees))


def bilan_par_activite(campagne: CampagneReinscription) -> list[Activite]:
    """Next season's activities of the campaign with, each, `nb_validees` and
    `nb_en_attente` (re-enrolments waiting). One query."""
    ids = campagne.correspondances.values("activite_suivante")
    attente = _en_attente(campagne).filter(activite=OuterRef("pk"))
    return list(
        Activite.objects.filter(pk__in=ids)
        .select_related("site")
        .annotate(
            nb_validees=Count(
                "inscriptions", filter=Q(inscriptions__statut=Inscription.Statut.VALIDEE)
            ),
            nb_en_attente=Count(
                "inscriptions",
                filter=Q(inscriptions__pk__in=attente.values("pk")),
            ),
        )
        .order_by("type", "site__nom", "nom")
    )


def valider_activite(campagne: CampagneReinscription, activite: Activite, agent) -> tuple[int, int]:
    """Validate the waiting re-enrolments of one activity, oldest first, while places
    remain: (validated, left waiting). The capacity is the enrolment service's."""
    ids = list(
        _en_attente(campagne)
        .filter(activite=activite)
        .order_by("cree_le", "pk")
        .values_list("pk", flat=True)
    )
    validees = 0
    for pk in ids:
        try:
            services.valider_inscription(pk, agent)
        except services.InscriptionError:
            continue  # full, or decided meanwhile: it stays as it is
        validees += 1
    return validees, len(ids) - validees


# --- the new season starts: each child re-enrolled moves up a class ---------------------


def campagnes_de_la_rentree(aujourd_hui: datetime.date):
    """The campaigns whose season has started and is not over."""
    return CampagneReinscription.objects.filter(
        periode__debut__lte=aujourd_hui, periode__fin__gte=aujourd_hui
    ).select_related("periode")


def passer_les_classes(
    campagne: CampagneReinscription, agent=None, aujourd_hui: datetime.date | None = None
) -> int:
    """Once the campaign's season has started, each child with a validated réinscription
    gets the class it moves up to (CM2 → collège), recorded in the child's history. Run
    every day (`manage.py rentree`) or by staff: a réinscription is moved up once, a child
    in garde alternée (two households' réinscriptions) once. Returns the classes changed."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    if campagne.periode.debut > aujourd_hui:
        raise ReinscriptionError(
            f"La saison {libelle(campagne)} n'a pas commencé : les classes passeront "
            f"à partir du {campagne.periode.debut:%d/%m/%Y}."
        )
    a_passer = list(
        Reinscription.objects.filter(
            campagne=campagne,
            rentree_le__isnull=True,
            inscriptions__statut=Inscription.Statut.VALIDEE,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    if not a_passer:
        return 0
    # This season's class is what the child had when the campaign opened.
    reference = timezone.localdate(campagne.ouverture)
    saison = libelle(campagne)
    changees = 0
    with transaction.atomic():
        # Locked, then checked again: the daily run and a click at the same time move
        # each child once.
        reinscriptions = list(
            Reinscription.objects.select_for_update()
            .filter(pk__in=a_passer, rentree_le__isnull=True)
            .order_by("enfant_id", "pk")
        )
        deja = set(
            Reinscription.objects.filter(campagne=campagne, rentree_le__isnull=False).values_list(
                "enfant_id", flat=True
            )
        )
        enfants = Enfant.objects.select_for_update().in_bulk({r.enfant_id for r in reinscriptions})
        maintenant = timezone.now()
        for r in reinscriptions:
            enfant = enfants[r.enfant_id]
            if enfant.pk not in deja:
                deja.add(enfant.pk)
                classe = services.classe_pour_periode(enfant, campagne.periode, reference)
                if classe != enfant.classe:
                    ancienne = libelle_classe(enfant.classe)
                    enfant.classe = classe
                    enfant._change_reason = (
                        f"Rentrée {saison} : {ancienne} → {libelle_classe(classe)}"
                    )
                    enfant._history_user = agent
                    enfant.save(update_fields=["classe"])
                    changees += 1
            r.rentree_le = maintenant
            r.save(update_fields=["rentree_le"])
    return changees


def rentree(aujourd_hui: datetime.date | None = None) -> int:
    """The daily run: every campaign whose season has started."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    return sum(
        passer_les_classes(campagne, aujourd_hui=aujourd_hui)
        for campagne in campagnes_de_la_rentree(aujourd_hui)
    )
