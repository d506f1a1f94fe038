"""Connection settings that depend on the database in use."""

from sqlalchemy import event
from sqlalchemy.engine import Engine


def on_sqlite_connect(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        # WAL lets readers go on while one request writes; the busy timeout makes writers wait
        # their turn instead of failing.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def init_app(app):
    if not event.contains(Engine, "connect", on_sqlite_connect):
        event.listen(Engine, "connect", on_sqlite_connect)
