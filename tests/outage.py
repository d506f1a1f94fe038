"""A database that goes away and comes back, for the tests.

Nothing is mocked: the app's connections are really broken (PostgreSQL's backends terminated, as a
restart does; SQLite's connections closed under it), and new ones really fail (PostgreSQL at a
loopback port with nothing listening, SQLite at a file in a missing directory).
"""

import contextlib
import socket

from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool


def closed_port():
    """A loopback port with nothing listening on it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Outage:
    def __init__(self, engine, tmp_path):
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self.nowhere = str(tmp_path / "no-such-directory" / "petition.sqlite3")
        self.port = closed_port()
        self.raw_connections = {}
        # Connections made before now are not known to ``drop_connections``: start afresh.
        engine.dispose()
        event.listen(engine, "checkout", self.remember)

    def remember(self, dbapi_connection, connection_record, connection_proxy):
        self.raw_connections[id(dbapi_connection)] = dbapi_connection

    def redirect(self, dialect, connection_record, cargs, cparams):
        if self.postgres:
            cparams.update(host="127.0.0.1", port=self.port)
        else:
            cargs[0] = self.nowhere

    def drop_connections(self):
        """Break every connection the app holds, in use or pooled, as a database restart does."""
        if self.postgres:
            admin = create_engine(self.engine.url, poolclass=NullPool)
            with admin.begin() as connection:
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            admin.dispose()
        else:
            for connection in self.raw_connections.values():
                connection.close()
        self.raw_connections.clear()

    def refuse_connections(self):
        event.listen(self.engine, "do_connect", self.redirect)

    def allow_connections(self):
        event.remove(self.engine, "do_connect", self.redirect)

    def begin(self):
        """The database goes away, and stays away until ``end``."""
        self.refuse_connections()
        self.drop_connections()

    def end(self):
        if event.contains(self.engine, "do_connect", self.redirect):
            self.allow_connections()

    @contextlib.contextmanager
    def down(self):
        """The database is unreachable inside the block, and back after it."""
        self.begin()
        try:
            yield
        finally:
            self.end()

    def close(self):
        self.end()
        event.remove(self.engine, "checkout", self.remember)
