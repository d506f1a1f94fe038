"""Fixtures shared by the whole suite.

The database is real: a SQLite file by default, or a fresh PostgreSQL database created for this
run (and dropped after it) when ``TEST_DATABASE_URL`` names a PostgreSQL server. The schema is made
by the migrations, exactly as in production; every test starts with empty tables.
"""

import os
import re
import secrets
import threading
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from petition import create_app
from petition.config import normalise_database_url
from petition.counts import forget_counts
from petition.endorsements.importer import import_endorsements
from petition.endorsements.listing import forget_entries
from petition.extensions import db
from tests.outage import Outage

TEST_SECRET_KEY = "tests-" + secrets.token_hex(16)
# Fixed, not random: this module may be imported twice (by pytest and by helpers), and the
# helpers hash IPs with the same key as the app.
TEST_IP_HASH_KEY = "tests-ip-hash-key"


def using_postgres():
    return os.environ.get("TEST_DATABASE_URL", "").startswith(("postgres://", "postgresql"))


def with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A database of the suite's own, made for this run."""
    if not using_postgres():
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'petition.sqlite3'}"
        return
    server = normalise_database_url(os.environ["TEST_DATABASE_URL"])
    name = f"petition_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield with_database(server, name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_app(database_url, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET_KEY,
        "IP_HASH_KEY": TEST_IP_HASH_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PUBLIC_URL": "http://localhost",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ENABLED": False,
        # Tests deliver the outbox themselves; a sender thread left running by one test would
        # take the messages of the next.
        "MAIL_BACKGROUND_SENDER": False,
        "COUNT_CACHE_SECONDS": 0,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def migrated_database(database_url):
    """The schema, built once per run by the migrations."""
    from flask_migrate import upgrade

    app = make_app(database_url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


def empty_all_tables():
    """Delete every row, except the count's shards, which the migration made: those go to zero."""
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            if table.name == "signature_count_shard":
                connection.execute(table.update().values(count=0))
            else:
                connection.execute(table.delete())


@pytest.fixture
def app_config():
    """Settings a test module can override by defining its own ``app_config`` fixture."""
    return {}


@pytest.fixture
def app(migrated_database, app_config):
    app = make_app(migrated_database, **app_config)
    forget_counts()
    forget_entries()
    with app.app_context():
        empty_all_tables()
    yield app
    sender = app.extensions.get("outbox_sender")
    if sender is not None:
        sender.stop()
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()
    forget_counts()
    forget_entries()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def endorsements(app):
    """The bundled list of 414 organisations, imported."""
    with app.app_context():
        import_endorsements()
    forget_entries()
    forget_counts()


@pytest.fixture
def live_server(app):
    """The app served over HTTP on a free loopback port, for the browser."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def csrf_token_from(html):
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "the page has no CSRF token"
    return match.group(1)


@pytest.fixture
def mail_server():
    """A real SMTP server on a loopback port; the app's mail goes there."""
    from tests.mailserver import MailServer

    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_config(mail_server):
    """Settings that send the app's mail to ``mail_server``; tests drain the outbox themselves."""
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": mail_server.port,
        "MAIL_BACKGROUND_SENDER": False,
        "MAIL_DEFAULT_SENDER": "Open letter <letter@example.org>",
        "MAIL_RETRY_BASE_SECONDS": 60,
    }


@pytest.fixture
def outage(app, tmp_path):
    """The database made unreachable at will (tests/outage.py), and reachable again afterwards."""
    with app.app_context():
        outage = Outage(db.engine, tmp_path)
    yield outage
    outage.close()
