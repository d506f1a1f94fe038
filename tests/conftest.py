"""Fixtures shared by the whole suite.

The database is real: a SQLite file by default, or a fresh PostgreSQL database created for this
run (and dropped after it) when ``TEST_DATABASE_URL`` names a PostgreSQL server. The schema is made
by the migrations, exactly as in production; every test starts with empty tables.
"""

import functools
import os
import secrets
import threading

import pytest
import redis
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from petition.campaign import state as campaign_state
from petition.config import normalise_database_url
from petition.counts import forget_counts
from petition.endorsements.importer import import_endorsements
from petition.endorsements.listing import forget_entries
from petition.extensions import db
from tests.outage import Outage
from tests.processes import REDIS_URL
from tests.support import csrf_token_from, empty_all_tables, make_app, using_postgres, with_database


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


@pytest.fixture(scope="session")
def migrated_database(database_url):
    """The schema, built once per run by the migrations."""
    from flask_migrate import upgrade

    app = make_app(database_url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


@pytest.fixture
def app_config():
    """Settings a test module can override by defining its own ``app_config`` fixture."""
    return {}


@pytest.fixture
def app(migrated_database, app_config):
    app = make_app(migrated_database, **app_config)
    forget_counts()
    forget_entries()
    campaign_state.forget()
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
    campaign_state.forget()


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


@pytest.fixture
def redis_limits():
    """A Redis to count limits in, under a key prefix of this test's own, removed afterwards."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({error}); .ci/run starts it")
    prefix = f"petition-test-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        yield client, prefix
    finally:
        for key in client.scan_iter(match=f"*{prefix}*"):
            client.delete(key)
        client.close()


@pytest.fixture
def every_state(app):
    """One signature in each state, plus a hidden name; returns the names that must be exported."""
    from petition.signing import moderation, service
    from tests.export_helpers import add

    with app.test_request_context():
        add("Pending", "Person", "pending@example.org", confirm=False)
        withdrawn = add("Withdrawn", "Person", "withdrawn@example.org")
        service.withdraw(withdrawn)
        invalidated = add("Invalidated", "Person", "invalidated@example.org")
        moderation.invalidate(invalidated)
        add("Élodie", "Tremblay", "elodie@example.ca", province="QC", city="Gatineau", lang="fr", wants_updates=True)
        hidden = add("Hidden", "Name", "hidden@example.org", share_ref="org:al-rashid-mosque")
        moderation.hide(hidden)
        add("Zoë", "Côté-Ñúñez", "zoe@example.net", province="BC", city="Trois-Rivières")
        withdrawn_again = add("Back", "Again", "back@example.org")
        service.withdraw(withdrawn_again)
        db.session.remove()
    return sorted([("Élodie", "Tremblay"), ("Hidden", "Name"), ("Zoë", "Côté-Ñúñez")])


@pytest.fixture
def csrf(client):
    """A CSRF token for ``client``'s session, as the letter page hands it out."""
    return csrf_token_from(client.get("/en/").get_data(as_text=True))


@pytest.fixture
def signature_factory(app):
    """Signatures made through the signing service as the form makes them, on this test's app:
    ``signature_factory("a@example.org", confirm=False, province="QC")`` returns the id."""
    from tests.signing_helpers import make_signature

    return functools.partial(make_signature, app)
