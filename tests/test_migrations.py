"""The migrations build exactly the schema that the models describe, and can be undone."""

import secrets

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from petition.config import normalise_database_url
from petition.extensions import db
from tests.support import make_app, using_postgres, with_database


@pytest.fixture
def fresh_database(database_url, tmp_path):
    """An empty database of this test's own, so that undoing the schema disturbs no other test."""
    if not using_postgres():
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    name = f"petition_migrations_{secrets.token_hex(4)}"
    admin = create_engine(normalise_database_url(database_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield with_database(database_url, name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def fresh_app(fresh_database):
    app = make_app(fresh_database, MAIL_BACKGROUND_SENDER=False)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def schema_differences():
    """What autogenerate would write to bring the database in line with the models."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(context, db.metadata)


def tables():
    return set(inspect(db.engine).get_table_names())


def current_revision():
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_the_suite_database_matches_the_models(app):
    with app.app_context():
        assert schema_differences() == []


def test_upgrade_from_empty_builds_the_models_schema(fresh_app):
    with fresh_app.app_context():
        assert tables() == set()
        upgrade()
        assert set(db.metadata.tables) <= tables()
        assert tables() - set(db.metadata.tables) == {"alembic_version"}
        assert schema_differences() == []
        assert current_revision() is not None


def test_downgrade_to_base_then_upgrade_again(fresh_app):
    with fresh_app.app_context():
        upgrade()
        head = current_revision()

        downgrade(revision="base")
        assert tables() <= {"alembic_version"}
        assert current_revision() is None

        upgrade()
        assert current_revision() == head
        assert schema_differences() == []


def test_the_schema_accepts_an_endorsement_after_a_round_trip(fresh_app):
    from petition.endorsements.importer import import_endorsements
    from petition.endorsements.listing import endorsement_count

    with fresh_app.app_context():
        upgrade()
        downgrade(revision="base")
        upgrade()
        import_endorsements()
        assert endorsement_count() == 414


def test_0005_hashes_the_stored_ips_and_gives_a_leading_plus_its_own_address(fresh_app):
    from petition.signing.sources import ip_hash

    with fresh_app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as connection:
            for n, (email, canonical, ip) in enumerate(
                [
                    ("sam@example.org", "sam@example.org", "203.0.113.7"),
                    ("+cmd@example.org", "@example.org", "2001:DB8:0::1"),
                    ("lee@example.org", "lee@example.org", None),
                ]
            ):
                connection.execute(
                    text(
                        "INSERT INTO signature (status, first_name, last_name, email, email_canonical, email_domain,"
                        " province, display, lang, wants_updates, ip, token_nonce, created_at, updated_at)"
                        " VALUES ('pending', 'Sam', 'Lee', :email, :canonical, 'example.org', 'ON', 'full', 'en',"
                        " false, :ip, :nonce, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"email": email, "canonical": canonical, "ip": ip, "nonce": f"n{n}"},
                )
        upgrade(revision="0005")
        assert "ip" not in {column["name"] for column in inspect(db.engine).get_columns("signature")}
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT email_canonical, ip_hash FROM signature ORDER BY id")).all()
        key = fresh_app.config["IP_HASH_KEY"]
        assert rows == [
            ("sam@example.org", ip_hash("203.0.113.7", key)),
            ("+cmd@example.org", ip_hash("2001:db8::1", key)),
            ("lee@example.org", None),
        ]


def test_0007_gives_the_waiting_signer_emails_their_payload_and_language(fresh_app):
    from petition.mail.models import OutboxMessage

    with fresh_app.app_context():
        upgrade(revision="0006")
        with db.engine.begin() as connection:
            signature_id = connection.execute(
                text(
                    "INSERT INTO signature (status, first_name, last_name, email, email_canonical, email_domain,"
                    " province, display, lang, wants_updates, token_nonce, created_at, updated_at)"
                    " VALUES ('pending', 'Éloïse', 'Côté', 'eloise@example.ca', 'eloise@example.ca', 'example.ca',"
                    " 'QC', 'full', 'fr', false, 'n0', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"
                )
            ).scalar_one()
            for n, status in enumerate(("queued", "sending", "sent")):
                connection.execute(
                    text(
                        "INSERT INTO outbox_message (kind, signature_id, to_address, message_id, status, attempts,"
                        " next_attempt_at, created_at) VALUES ('confirm', :signature_id, 'eloise@example.ca', :id,"
                        " :status, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"signature_id": signature_id, "id": f"<{n}@petition.local>", "status": status},
                )
        upgrade(revision="0007")
        rows = db.session.execute(
            db.select(OutboxMessage.status, OutboxMessage.payload, OutboxMessage.lang).order_by(OutboxMessage.id)
        ).all()
        db.session.rollback()
        assert [tuple(row) for row in rows] == [
            ("queued", {"signature_id": signature_id}, "fr"),
            ("sending", {"signature_id": signature_id}, "fr"),
            ("sent", None, None),  # never rendered again
        ]
        downgrade(revision="0006")
        assert "payload" not in {column["name"] for column in inspect(db.engine).get_columns("outbox_message")}


def test_0008_downgrade_waits_for_the_update_emails_and_turns_dropped_messages_into_failed(fresh_app):
    with fresh_app.app_context():
        upgrade(revision="0008")
        insert = text(
            "INSERT INTO outbox_message (kind, to_address, message_id, status, attempts, next_attempt_at, created_at)"
            " VALUES (:kind, 'ana@example.org', :id, :status, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )
        with db.engine.begin() as connection:
            connection.execute(insert, {"kind": "update", "id": "<u1@petition.local>", "status": "queued"})
            connection.execute(insert, {"kind": "update", "id": "<u2@petition.local>", "status": "dropped"})
        # Flask-Migrate logs the migration's RuntimeError ("1 update email(s) wait…") and exits.
        with pytest.raises(SystemExit):
            downgrade(revision="0007")
        db.session.rollback()
        assert current_revision() == "0008"
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE outbox_message SET status = 'sent' WHERE status = 'queued'"))
        downgrade(revision="0007")
        assert "update_recipient" not in tables() and "suppressed_address" not in tables()
        statuses = db.session.execute(text("SELECT status FROM outbox_message ORDER BY id")).scalars().all()
        db.session.rollback()
        assert statuses == ["sent", "failed"]
