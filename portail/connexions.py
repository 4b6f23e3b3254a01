"""A connection whose kept plans a migration made stale is dropped, not kept.

With server-side prepared statements (PORTAIL_PG_REQUETES_PREPAREES), a migration that
changes the type of a column a kept statement reads (a longer `max_length`…) makes
PostgreSQL refuse that statement on every later run (« cached plan must not change
result type »). Django keeps a connection that still answers, so each page reading that
column failed until its connection aged out (CONN_MAX_AGE, a minute, on every server).
Dropped here: the request that meets it fails, the next one gets a fresh connection.
"""

import sys

from django.db import connections


def _plan_perime(exc: BaseException | None) -> bool:
    while exc is not None:
        diag = getattr(exc, "diag", None)
        # (the server's function that refuses it: the same whatever lc_messages says)
        if getattr(exc, "sqlstate", None) == "0A000" and (
            getattr(diag, "source_function", None) == "RevalidateCachedQuery"
            or "cached plan must not change result type" in str(exc)
        ):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def fermer_si_plan_perime(sender, request=None, **kwargs) -> None:
    """`got_request_exception` receiver (portail/apps.py)."""
    if _plan_perime(sys.exc_info()[1]):
        for connexion in connections.all(initialized_only=True):
            if connexion.vendor == "postgresql":
                connexion.close()
