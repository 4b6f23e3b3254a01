"""Database sessions (shared by every server), read with one plain statement.

Every signed-in page loads its session first; Django's store builds and compiles an ORM
query for it each time (~0.7 ms of a web worker's processor per page, measured in
docs/performance.md). Same table, same rows, same expiry rule: only the read differs."""

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as curseur:
            curseur.execute(
                f"SELECT session_data FROM {table} "  # noqa: S608 - the table's own name
                "WHERE session_key = %s AND expire_date > %s",
                [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            ligne = curseur.fetchone()
        if ligne is None:
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=ligne[0])
