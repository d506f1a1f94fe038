"""Connection settings that depend on the database in use, and which of its errors are a passing outage."""

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError


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
    if not event.contains(Engine, "connect", on_sqlite_connect):
        event.listen(Engine, "connect", on_sqlite_connect)
