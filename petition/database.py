"""Connection settings that depend on the database in use, which of its errors are a passing
outage, and the ids its tables can hold."""

import re

from flask import abort
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.routing import IntegerConverter

# Ids are 32-bit integer columns: a larger number fails in PostgreSQL (a 500) rather than finding nothing.
MAX_ID = 2**31 - 1
ID_TEXT = re.compile(r"[0-9]{1,10}")


class IdConverter(IntegerConverter):
    """``<id:name>`` in a route: a row's id, from 1 to ``MAX_ID``; any other number matches no route (a 404)."""

    regex = ID_TEXT.pattern

    def __init__(self, map):
        super().__init__(map, min=1, max=MAX_ID)


def id_or_400(text):
    """An id given as text in a query string (a keyset cursor), or a 400 if it cannot be one."""
    if not ID_TEXT.fullmatch(text) or not 0 < int(text) <= MAX_ID:
        abort(400)
    return int(text)


def on_sqlite_connect(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        # WAL lets readers go on while one request writes; the busy timeout makes writers wait
        # their turn instead of failing.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def unavailable(error):
    """True when a database error says the database could not be used for a moment (a restart,
    a lost connection, a lock held too long), so the same work may succeed if tried again, rather
    than that the statement itself was wrong. SQLite reports a few mistakes (a missing table) as
    OperationalError too; those read as unavailable here, and their message is still logged."""
    return isinstance(error, (OperationalError, InterfaceError)) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )


def init_app(app):
    app.url_map.converters["id"] = IdConverter
    if not event.contains(Engine, "connect", on_sqlite_connect):
        event.listen(Engine, "connect", on_sqlite_connect)
