"""A new signer's signature, written with what follows from it: its event, its confirmation
email in the outbox, its tallies.

This is the path that a spike of new signers takes, so it costs one round trip on PostgreSQL
(one statement) and Core statements on the tables elsewhere, never the ORM.
"""

import functools
import secrets

from sqlalchemy import insert, text
from sqlalchemy.dialects import postgresql, sqlite

from petition.extensions import db
from petition.mail.models import OutboxMessage
from petition.mail.wake import wake_after_commit
from petition.signing import tallies
from petition.signing.emails import SIGNATURE_KEY, signer_email_values
from petition.signing.models import EventKind, Signature, SignatureEvent, SignatureTally


@functools.cache
def insert_if_new(dialect_name):
    """``INSERT … ON CONFLICT (email_canonical) DO NOTHING RETURNING id``: one round trip decides
    whether the address is new, and two requests racing with one address insert one row."""
    insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    table = Signature.__table__
    return insert(table).on_conflict_do_nothing(index_elements=[table.c.email_canonical]).returning(table.c.id)


OUTBOX = OutboxMessage.__table__
# The columns of a new signature's confirmation email that only the signature's id can fill, as
# SQL on ``new_signature``: as ``signer_email_values`` fills them once the id is known.
FROM_NEW_SIGNATURE = {"signature_id": "id", "payload": f"json_build_object('{SIGNATURE_KEY}', id)"}


@functools.cache
def insert_if_new_with_effects(columns, outbox_columns):
    """On PostgreSQL, ``insert_if_new`` and what follows from a new signature (its event, its
    confirmation email in the outbox, its tallies) in one statement: one round trip instead of
    four, for the path that a spike of new signers takes. Nothing is written if the address has
    signed before. ``columns`` are the signature's, each bound by its own name; ``outbox_columns``
    the email's, each bound as ``outbox_<name>``, but for those the new id fills."""
    names = ", ".join(columns)
    placeholders = ", ".join(f":{name}" for name in columns)
    outbox_names = ", ".join(outbox_columns)
    outbox_values = ", ".join(FROM_NEW_SIGNATURE.get(name, f":outbox_{name}") for name in outbox_columns)
    pending, submitted = tallies.NEW_PENDING_KEYS
    return text(
        f"""
        WITH new_signature AS (
            INSERT INTO {Signature.__tablename__} ({names}) VALUES ({placeholders})
            ON CONFLICT (email_canonical) DO NOTHING
            RETURNING id
        ), event AS (
            INSERT INTO {SignatureEvent.__tablename__} (signature_id, kind, created_at)
            SELECT id, :event_kind, :now FROM new_signature
        ), outbox AS (
            INSERT INTO {OUTBOX.name} ({outbox_names})
            SELECT {outbox_values} FROM new_signature
        ), tally AS (
            INSERT INTO {SignatureTally.__tablename__} (kind, key, shard, count)
            SELECT totals.kind, totals.key, :shard, 1
            FROM new_signature, (VALUES ('{pending[0]}', '{pending[1]}'), ('{submitted[0]}', '{submitted[1]}'))
                AS totals (kind, key)
            ON CONFLICT (kind, key, shard) DO UPDATE SET count = {SignatureTally.__tablename__}.count + 1
        )
        SELECT id FROM new_signature
        """  # noqa: S608 - names from the models, values all bound
    )


def bound(value):
    """A value as a textual statement binds it: an enum member by its value."""
    return getattr(value, "value", value)


def insert_pending(values):
    """Insert the pending signature that ``values`` (its columns) describe, with its event, its
    confirmation email and its tallies, unless its address has signed; returns its id, or None."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        mail = signer_email_values("confirm", values["email"], values["lang"], None)
        outbox_columns = tuple(column.name for column in OUTBOX.c if column.name in mail)
        statement = insert_if_new_with_effects(tuple(values), outbox_columns)
        parameters = (
            {name: bound(value) for name, value in values.items()}
            | {f"outbox_{name}": bound(mail[name]) for name in outbox_columns if name not in FROM_NEW_SIGNATURE}
            | {"now": values["created_at"], "shard": secrets.randbelow(tallies.TALLY_SHARDS)}
            | {"event_kind": EventKind.SUBMITTED.value}
        )
        signature_id = connection.execute(statement, parameters).scalar_one_or_none()
    else:
        # Core statements on the tables, not the ORM: a spike of new signers takes this path.
        signature_id = connection.execute(insert_if_new(connection.dialect.name), values).scalar_one_or_none()
        if signature_id is not None:
            tallies.record_new_pending()
            event = {"signature_id": signature_id, "kind": EventKind.SUBMITTED}
            connection.execute(insert(SignatureEvent.__table__), event)
            mail = signer_email_values("confirm", values["email"], values["lang"], signature_id)
            connection.execute(insert(OUTBOX), mail)
    if signature_id is not None:
        wake_after_commit(db.session)
    return signature_id
