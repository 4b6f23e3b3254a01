"""Querysets built and compiled once per process, then run with each request's values.

The ORM builds a queryset (filters, joins, annotations) and compiles it to SQL on every
evaluation: on the parents' pages that was about a third of their processor time
(docs/performance.md, « Chemin rapide, troisième passe »). A `Preparee` builds its
queryset once per database, with stand-in values of the declared types (int, date,
aware datetime), keeps the
compiler (its SQL, its columns, how rows become objects) and afterwards only puts the
request's values in place of the stand-ins. Rows become objects through Django's own
iterables: the same instances, `select_related` objects and annotations as the queryset,
and every statement still goes through the connection's cursor (counted by the tests).

Only for querysets whose SQL depends on nothing but the declared values (no `if` on the
values in the builder, no empty `__in`); each use has a test comparing it with the plain
queryset.
"""

import copy
import datetime
import weakref
from collections.abc import Callable

from django.db import connections
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    QuerySet,
    ValuesListIterable,
)
from django.db.models.sql.constants import GET_ITERATOR_CHUNK_SIZE
from django.utils import timezone

# The iterables that only read the query's compiler (objects, values_list(), flat=True).
# The declared ints are ids compared for equality: one beyond a 64-bit column matches no
# row (Django's own lookups say so without asking; SQLite would refuse it: a 500).
_ENTIER_MIN, _ENTIER_MAX = -(2**63), 2**63 - 1
_ITERABLES = (ModelIterable, ValuesListIterable, FlatValuesListIterable)


def _valeurs_fictives(types: tuple[type, ...]) -> list:
    """Stand-ins nobody's data holds, one per declared value, all distinct."""
    fictives = []
    for n, sorte in enumerate(types):
        if sorte is int:
            fictives.append(-987_654_300 - n)
        elif sorte is datetime.datetime:
            fictives.append(
                datetime.datetime(1901, 3, 1, 1, 2, 3, tzinfo=datetime.UTC)
                + datetime.timedelta(days=n)
            )
        elif sorte is datetime.date:
            fictives.append(datetime.date(1901, 2, 1) + datetime.timedelta(days=n))
        else:
            raise TypeError(f"type non pris en charge : {sorte!r}")
    return fictives


class _Compilee:
    """A queryset's compiler kept with its SQL and where each value goes in its params."""

    def __init__(self, queryset: QuerySet, fictives: list, adapter: Callable):
        self.queryset = queryset
        self.compiler = queryset.query.get_compiler(using=queryset.db)
        self.sql, params = self.compiler.as_sql()
        adaptees = [adapter(v) for v in fictives]
        self.places = []  # (index in params, index of the value) for each stand-in found
        for i, param in enumerate(params):
            for n, fictive in enumerate(adaptees):
                if type(param) is type(fictive) and param == fictive:
                    self.places.append((i, n))
        manquantes = set(range(len(fictives))) - {n for _i, n in self.places}
        if manquantes:
            raise ValueError(f"valeurs absentes de la requête préparée : {sorted(manquantes)}")
        self.params = list(params)
        # How each column's values become Python values, per connection (the backend's
        # converters are its connection's methods): worked out once, not on each call.
        self.convertisseurs = weakref.WeakKeyDictionary()

    def convertisseurs_pour(self, compiler) -> dict:
        convertisseurs = self.convertisseurs.get(compiler.connection)
        if convertisseurs is None:
            colonnes = [s[0] for s in compiler.select[0 : compiler.col_count]]
            convertisseurs = type(compiler).get_converters(compiler, colonnes)
            self.convertisseurs[compiler.connection] = convertisseurs
        return convertisseurs


class _Lot:
    """What the iterables read of a queryset, with the kept compiler in place."""

    def __init__(self, compilee: _Compilee, compiler):
        queryset = compilee.queryset
        self.db = queryset.db
        self.model = queryset.model
        self._known_related_objects = {}
        self.query = self
        self._compiler = compiler

    def get_compiler(self, using=None):
        return self._compiler


class Preparee:
    """`Preparee(construire, int, datetime.date)`: `construire(user_id, jour)` returns the
    queryset; calling the Preparee with the values returns its rows as a list."""

    def __init__(self, construire: Callable[..., QuerySet], *types: type):
        self.construire = construire
        self.types = types
        self._par_base: dict[str, _Compilee] = {}

    def _compilee(self, alias: str) -> _Compilee:
        compilee = self._par_base.get(alias)
        if compilee is None:
            ops = connections[alias].ops
            queryset = self.construire(*_valeurs_fictives(self.types)).using(alias)
            if queryset._iterable_class not in _ITERABLES:
                raise TypeError("seuls les objets et values_list() sont pris en charge")
            compilee = _Compilee(queryset, _valeurs_fictives(self.types), self._adapter(ops))
            self._par_base[alias] = compilee
        return compilee

    def _adapter(self, ops) -> Callable:
        def adapter(valeur):
            if isinstance(valeur, datetime.datetime):
                return ops.adapt_datetimefield_value(valeur)
            if isinstance(valeur, datetime.date):
                return ops.adapt_datefield_value(valeur)
            return valeur

        return adapter

    def __call__(self, *valeurs, using: str = "default") -> list:
        """The rows for these values, from the `using` database (the project has one)."""
        if len(valeurs) != len(self.types):
            raise TypeError(f"{len(self.types)} valeurs attendues, {len(valeurs)} reçues")
        valeurs = [
            sorte(v) if sorte is int else v for sorte, v in zip(self.types, valeurs, strict=True)
        ]
        for sorte, valeur in zip(self.types, valeurs, strict=True):
            # (a datetime is a date to Python, not to the column: refused, not truncated)
            if sorte is datetime.date and (
                not isinstance(valeur, datetime.date) or isinstance(valeur, datetime.datetime)
            ):
                raise TypeError(f"date attendue, reçu : {valeur!r}")
            # (an aware moment, as the ORM wants it: a naive one would be read in UTC here)
            if sorte is datetime.datetime and (
                not isinstance(valeur, datetime.datetime) or timezone.is_naive(valeur)
            ):
                raise TypeError(f"date et heure avec fuseau attendues, reçu : {valeur!r}")
        if any(
            sorte is int and not _ENTIER_MIN <= v <= _ENTIER_MAX
            for sorte, v in zip(self.types, valeurs, strict=True)
        ):
            return []
        compilee = self._compilee(using)
        adapter = self._adapter(connections[using].ops)
        params = list(compilee.params)
        for i, n in compilee.places:
            params[i] = adapter(valeurs[n])
        # A shallow copy per call: the kept compiler stays untouched (threads), the copy
        # runs on this thread's connection with this call's SQL parameters.
        compiler = copy.copy(compilee.compiler)
        compiler.connection = connections[using]
        sql = compilee.sql
        compiler.as_sql = lambda *args, **kwargs: (sql, tuple(params))
        convertisseurs = compilee.convertisseurs_pour(compiler)
        compiler.get_converters = lambda expressions: convertisseurs
        lot = _Lot(compilee, compiler)
        iterable = compilee.queryset._iterable_class
        return list(iterable(lot, chunked_fetch=False, chunk_size=GET_ITERATOR_CHUNK_SIZE))


class PrepareeParNombre:
    """For a queryset filtered by a list of values (`date__in=jours`), whose SQL has one
    parameter per value: one `Preparee` per length of the list, up to `nombre_max`; a
    longer list (or an empty one) runs the plain queryset. The list is the builder's last
    argument, `sorte` the type of its items; duplicates are dropped (as `__in` does)."""

    def __init__(
        self,
        construire: Callable[..., QuerySet],
        *types: type,
        sorte: type = datetime.date,
        nombre_max: int = 31,
    ):
        self.construire = construire
        self.types = types
        self.sorte = sorte
        self.nombre_max = nombre_max
        self._par_nombre: dict[int, Preparee] = {}

    def _preparee(self, n: int) -> Preparee:
        preparee = self._par_nombre.get(n)
        if preparee is None:
            k = len(self.types)

            def construire(*valeurs):
                return self.construire(*valeurs[:k], list(valeurs[k:]))

            preparee = Preparee(construire, *self.types, *([self.sorte] * n))
            self._par_nombre[n] = preparee
        return preparee

    def __call__(self, *valeurs, using: str = "default") -> list:
        *fixes, liste = valeurs
        liste = list(dict.fromkeys(liste))
        if not liste or len(liste) > self.nombre_max:
            return list(self.construire(*fixes, liste).using(using))
        return self._preparee(len(liste))(*fixes, *liste, using=using)
