"""The audit trail (django-simple-history) for writes that bypass `save()`.

`save()` and `delete()` are recorded by simple-history itself, with the signed-in user
of the request (HistoryRequestMiddleware). Bulk inserts and set-based updates are not:
services that use them call these helpers, so a booking made by a semaine type or an
invoice made by the monthly run has its line in the history like any other change.
A change made by a job (no request) has no user and says which job made it.
"""

from django.db import connection, models
from django.utils import timezone
from psycopg.types.json import Jsonb
from simple_history.manager import HistoryDescriptor
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history

_CLASSES_DE_GESTIONNAIRE: dict[tuple[type, type], type] = {}


def _historique(descripteur: HistoryDescriptor, instance, owner):
    """`Modele.history` / `objet.history` with its manager class made once per process:
    simple-history builds it again on each access (`Manager.from_queryset`, a class made
    by introspection), twice per booking POST (the timeline line saved, the bookings
    bulk-inserted), about a tenth of its processor time. Same class contents, same
    manager."""
    cle = (descripteur.manager_class, descripteur.queryset_class)
    classe = _CLASSES_DE_GESTIONNAIRE.get(cle)
    if classe is None:
        classe = descripteur.manager_class.from_queryset(descripteur.queryset_class)
        _CLASSES_DE_GESTIONNAIRE[cle] = classe
    return classe(descripteur.model, instance)


def garder_les_gestionnaires_d_historique() -> None:
    """Installed once at start-up (comptes/apps.py)."""
    HistoryDescriptor.__get__ = _historique


def utilisateur_courant():
    """The signed-in user of the request being served, if any (None in a job)."""
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def creer_en_masse(
    modele, objets: list, *, par=None, raison: str = "", batch_size=None, copie=False
) -> list:
    """`bulk_create` that also writes one "+" history row per object.

    `copie`: on PostgreSQL, write the rows and their history with COPY (a town's monthly
    invoices: Django's INSERT spends its time preparing values one by one). Only for
    plain new rows: no signal is sent (bulk_create sends none either).
    """
    if not objets:
        return objets
    if copie and connection.vendor == "postgresql":
        _copier(modele, objets, par or utilisateur_courant(), raison)
        return objets
    return bulk_create_with_history(
        objets,
        modele,
        batch_size=batch_size,
        default_user=par or utilisateur_courant(),
        default_change_reason=raison,
    )


def historiser(objets, *, par=None, raison: str = "") -> None:
    """One "~" history row per object changed by a set-based `update()`.

    Pass the rows as they are after the update (re-read them once, in one query).
    """
    objets = list(objets)
    if not objets:
        return
    type(objets[0]).history.bulk_history_create(
        objets,
        update=True,
        default_user=par or utilisateur_courant(),
        default_change_reason=raison,
    )


def _valeur_copie(champ, valeur):
    if valeur is not None and isinstance(champ, models.JSONField):
        return Jsonb(valeur)
    return valeur


def _copier_lignes(modele, champs, lignes) -> None:
    table = connection.ops.quote_name(modele._meta.db_table)
    colonnes = ", ".join(connection.ops.quote_name(c.column) for c in champs)
    # Through Django's error wrapper: a unique violation is an IntegrityError as with
    # bulk_create, and the caller's message applies.
    with (
        connection.cursor() as curseur,
        connection.wrap_database_errors,
        curseur.cursor.copy(f"COPY {table} ({colonnes}) FROM STDIN") as flux,
    ):
        for ligne in lignes:
            flux.write_row(ligne)


def _copier(modele, objets: list, par, raison: str) -> None:
    """The rows, then their "+" history rows, each in one COPY; primary keys are taken
    from the table's sequence first so that the objects come back with them."""
    opts = modele._meta
    with connection.cursor() as curseur:
        curseur.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [opts.db_table, opts.pk.column, len(objets)],
        )
        ids = [ligne[0] for ligne in curseur.fetchall()]
    champs = list(opts.concrete_fields)
    for objet, pk in zip(objets, ids, strict=True):
        objet.pk = pk
        objet._state.adding = False
        objet._state.db = connection.alias
    _copier_lignes(
        modele,
        champs,
        ([_valeur_copie(c, getattr(o, c.attname)) for c in champs] for o in objets),
    )
    historique = modele.history.model
    suivis = [c.attname for c in historique.tracked_fields]
    champs_h = [c for c in historique._meta.concrete_fields if c.attname != "history_id"]
    communs = {
        "history_date": timezone.now(),
        "history_change_reason": raison,
        "history_type": "+",
        "history_user_id": par.pk if par is not None else None,
    }
    inconnus = {c.attname for c in champs_h} - set(suivis) - set(communs)
    if inconnus:  # a history model this helper does not know how to fill
        raise ValueError(f"Champs d'historique inattendus : {sorted(inconnus)}")
    par_nom = {c.attname: c for c in opts.concrete_fields}
    _copier_lignes(
        historique,
        champs_h,
        (
            [
                communs[c.attname]
                if c.attname in communs
                else _valeur_copie(par_nom[c.attname], getattr(o, c.attname))
                for c in champs_h
            ]
            for o in objets
        ),
    )
