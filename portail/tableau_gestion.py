"""The service's dashboard, the admin home: what waits in each queue, today's sites, and
shortcuts to the day's pages.

Each queue is a function registered with `@file_de_travail`: it takes the request and
returns the lines (label, count, url) its user may act on — none when the role cannot
act, so each role sees only its own work. A function runs a fixed number of queries
(one aggregate, usually), so the page costs the same whatever the data. Another team
adds "documents à vérifier" by writing one more function here.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from comptes.models import Courriel, Facture, TacheFacturation
from comptes.services import finances
from inscriptions.models import Inscription, Site
from portail import messagerie
from portail.models import Demande
from reservations.models import Reservation


@dataclass(frozen=True)
class File:
    libelle: str
    nombre: int
    url: str
    # Something went wrong (a failed run): shown first, marked, even at zero it is kept out.
    alerte: bool = False


Fournisseur = Callable[[HttpRequest], list[File]]
FILES: list[Fournisseur] = []


def file_de_travail(fournisseur: Fournisseur) -> Fournisseur:
    """Register a queue of the dashboard (in the order of registration)."""
    FILES.append(fournisseur)
    return fournisseur


def _url(nom: str, **params) -> str:
    url = reverse(nom)
    return f"{url}?{urlencode(params)}" if params else url


# Enrolment requests are decided in "Inscriptions à traiter" (capacity shown there), not in
# the requests' queue: one place per job.
TYPES_HORS_FILE_DEMANDES = {Demande.Type.INSCRIPTION}


def types_traitables(user) -> list[str]:
    """The request types this staff member may decide (portail.services.TRAITEMENTS)."""
    from portail.services import PAR_DEFAUT, TRAITEMENTS

    if not user.has_perm("portail.change_demande"):
        return []
    return [
        t
        for t in Demande.Type.values
        if t not in TYPES_HORS_FILE_DEMANDES
        and user.has_perm(TRAITEMENTS.get(t, PAR_DEFAUT).permission)
    ]


@file_de_travail
def demandes(request: HttpRequest) -> list[File]:
    types = types_traitables(request.user)
    if not types:
        return []
    comptes = dict(
        Demande.objects.en_attente()
        .filter(type__in=types)
        .values_list("type")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        File(
            f"Demandes : {Demande.Type(t).label.lower()}",
            comptes.get(t, 0),
            _url("admin:portail_demande_changelist", type__exact=t),
        )
        for t in types
    ]


def _sites_filtres(queryset, user, chemin: str):
    sites = Site.visibles_par(user)
    return queryset if sites is None else queryset.filter(**{f"{chemin}__in": sites})


@file_de_travail
def inscriptions(request: HttpRequest) -> list[File]:
    if not request.user.has_perm("inscriptions.change_inscription"):
        return []
    S = Inscription.Statut
    comptes = _sites_filtres(Inscription.objects.all(), request.user, "activite__site").aggregate(
        attente=Count("pk", filter=Q(statut=S.EN_ATTENTE)),
        pre=Count("pk", filter=Q(statut=S.PREINSCRIPTION)),
    )
    return [
        File(
            "Inscriptions à valider",
            comptes["attente"],
            _url("admin:inscriptions_inscription_changelist", statut=S.EN_ATTENTE),
        ),
        File(
            "Préinscriptions petite enfance",
            comptes["pre"],
            _url("admin:inscriptions_inscription_changelist", statut=S.PREINSCRIPTION),
        ),
    ]


@file_de_travail
def taches(request: HttpRequest) -> list[File]:
    lignes = []
    if request.user.has_perm("comptes.view_tachefacturation"):
        E = TacheFacturation.Etat
        comptes = TacheFacturation.objects.aggregate(
            actives=Count("pk", filter=Q(etat__in=TacheFacturation.ACTIVES)),
            echecs=Count("pk", filter=Q(etat__exact=E.ECHEC)),
        )
        url = "admin:comptes_tachefacturation_changelist"
        lignes += [
            File("Facturations en cours", comptes["actives"], _url(url)),
            File("Facturations en échec", comptes["echecs"], _url(url, etat__exact=E.ECHEC), True),
        ]
    if request.user.has_perm("django_tasks_database.view_dbtaskresult"):
        from django_tasks_db.models import DBTaskResult

        comptes = DBTaskResult.objects.aggregate(
            encours=Count("pk", filter=Q(status__exact="RUNNING")),
            echecs=Count("pk", filter=Q(status__exact="FAILED")),
        )
        url = "admin:django_tasks_database_dbtaskresult_changelist"
        lignes += [
            File(
                "Tâches en arrière-plan en cours",
                comptes["encours"],
                _url(url, status__exact="RUNNING"),
            ),
            File(
                "Tâches en arrière-plan en échec",
                comptes["echecs"],
                _url(url, status__exact="FAILED"),
                True,
            ),
        ]
    return lignes


@file_de_travail
def courriels(request: HttpRequest) -> list[File]:
    """E-mails the worker could not send for a day: someone must look (comptes/outbox.py)."""
    if not request.user.has_perm("comptes.view_courriel"):
        return []
    statut = Courriel.Statut.ECHEC_DURABLE
    nombre = Courriel.objects.filter(statut=statut).count()
    url = _url("admin:comptes_courriel_changelist", statut__exact=statut)
    return [File("E-mails en échec durable", nombre, url, True)]


def factures_impayees_echues(aujourd_hui: datetime.date):
    """Invoices past their due date whose payments and credit notes do not cover them:
    the invoices' own "en retard" status (comptes.services.finances)."""
    return finances.filtrer_statut(Facture.objects.all(), finances.EN_RETARD, aujourd_hui)


@file_de_travail
def factures(request: HttpRequest) -> list[File]:
    if not request.user.has_perm("comptes.view_facture"):
        return []
    nombre = factures_impayees_echues(timezone.localdate()).count()
    url = _url("admin:comptes_facture_changelist", statut=finances.EN_RETARD)
    return [File("Factures impayées après échéance", nombre, url)]


@file_de_travail
def messages(request: HttpRequest) -> list[File]:
    if not request.user.has_perm("portail.view_discussion"):
        return []
    url = _url("admin:portail_discussion_changelist", etat="a_lire")
    return [File("Messages des familles à lire", messagerie.nb_non_lus_service(), url)]


# --- today's sites and the shortcuts ---------------------------------------------------


@dataclass(frozen=True)
class SiteDuJour:
    nom: str
    attendus: int
    alertes_sante: int
    url_liste: str
    url_pointage: str | None


def sites_du_jour(request: HttpRequest) -> list[SiteDuJour]:
    """Each site with children expected today (booked or already marked present), in one
    query; limited to the sites the staff member directs when they are limited."""
    if not request.user.has_perm("reservations.view_reservation"):
        return []
    aujourd_hui = timezone.localdate()
    E = Reservation.Etat
    lignes = (
        _sites_filtres(
            Reservation.objects.filter(date=aujourd_hui, etat__in=[E.RESERVEE, E.PRESENT]),
            request.user,
            "activite__site",
        )
        .values_list("activite__site_id", "activite__site__nom")
        .annotate(
            n=Count("enfant", distinct=True),
            sante=Count(
                "enfant",
                distinct=True,
                filter=Q(enfant__pai=True) | ~Q(enfant__allergies=""),
            ),
        )
        .order_by("activite__site__nom")
    )
    pointer = request.user.has_perm("reservations.change_reservation")
    jour = aujourd_hui.isoformat()
    return [
        SiteDuJour(
            nom,
            n,
            sante,
            _url("admin:reservations_journee_ecole", site=pk, date=jour),
            _url("admin:reservations_pointage", site=pk) if pointer else None,
        )
        for pk, nom, n, sante in lignes
    ]


def raccourcis(request: HttpRequest) -> list[tuple[str, str]]:
    user = request.user
    liens = []
    if user.has_perm("reservations.view_reservation"):
        liens += [
            ("Journée de l'école (liste par site)", _url("admin:reservations_journee_ecole")),
            ("Liste du jour d'une activité", _url("admin:reservations_liste_du_jour")),
        ]
        if user.has_perm("reservations.change_reservation"):
            liens.append(("Pointage sur tablette", _url("admin:reservations_pointage")))
        liens.append(("Occupation du mois", _url("admin:reservations_occupation")))
    if user.has_perm("comptes.change_facture"):
        liens.append(("Facturer un mois", _url("admin:comptes_facturer")))
    return liens


def contexte(request: HttpRequest) -> dict:
    files = [ligne for fournisseur in FILES for ligne in fournisseur(request)]
    return {
        # Failures first, then what waits; empty queues last (still listed: "0" is news).
        "files": sorted(files, key=lambda f: (not (f.alerte and f.nombre), f.nombre == 0)),
        "sites_du_jour": sites_du_jour(request),
        "raccourcis": raccourcis(request),
        "aujourd_hui": timezone.localdate(),
    }
