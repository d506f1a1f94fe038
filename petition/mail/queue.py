"""Queuing a message: one row in the caller's transaction, sent once that transaction commits.

A message is its recipient, its language, its kind and a payload (JSON) that the kind's renderer
reads when the message is sent (kinds.py). Nothing else is written now: the subject, the bodies
and the headers are rendered by the sender.
"""

import secrets

from flask import current_app
from sqlalchemy import update

from petition.extensions import db
from petition.mail.kinds import registered
from petition.mail.models import OutboxMessage, OutboxStatus
from petition.mail.wake import wake_after_commit
from petition.timeutil import utcnow


def message_id(domain):
    """A unique Message-ID; ``secrets`` rather than ``random``, which others may seed."""
    return f"<{secrets.token_hex(16)}@{domain}>"


def queued_values(kind, to_address, lang, payload=None, **columns):
    """Every column of a new queued message, by name, for a caller that inserts it with a statement
    of its own. ``columns`` are other columns of ``outbox_message`` the caller sets, which the
    outbox keeps without reading them (``signature_id``, for the privacy lifecycle)."""
    if kind not in registered():
        raise ValueError(f"no message kind {kind!r} is registered")
    unknown = set(columns) - set(OutboxMessage.__table__.c.keys())
    if unknown:
        raise ValueError(f"outbox_message has no column {', '.join(sorted(unknown))}")
    now = utcnow()
    return {
        "kind": kind,
        "to_address": to_address,
        "lang": lang,
        "payload": payload,
        "message_id": message_id(current_app.config["MAIL_MESSAGE_ID_DOMAIN"]),
        "status": OutboxStatus.QUEUED,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        **columns,
    }


def queue_message(kind, to_address, lang, payload=None, **columns):
    """Add a message of ``kind`` for ``to_address`` to the outbox, in the caller's transaction;
    this process's sender looks at the outbox as soon as it commits."""
    message = OutboxMessage(**queued_values(kind, to_address, lang, payload, **columns))
    db.session.add(message)
    wake_after_commit(db.session)
    return message


def drop_unsent(message_ids, reason):
    """Drop the messages among ``message_ids`` (a select of ids) that wait for a sender, in the
    caller's transaction; returns how many. Those a sender holds already go out, unless their
    renderer drops them (``kinds.Dropped``)."""
    table = OutboxMessage.__table__
    dropped = db.session.execute(
        update(table)
        .where(table.c.id.in_(message_ids), table.c.status == OutboxStatus.QUEUED)
        .values(status=OutboxStatus.DROPPED, last_error=reason)
    )
    return dropped.rowcount
