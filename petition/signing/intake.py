"""The intake of sign forms: received by the web request, taken in by the sender.

``receive`` is all that ``POST /<lang>/sign`` does with a valid form: one insert, the same
statement for a new address, a pending one and a confirmed one, so that neither the answer nor
its time tells a stranger whether an address has signed. ``take_in`` runs in the senders (the
background thread, ``mail worker``) before they drain the outbox: it claims received forms one at
a time and passes each to ``service.submit``, which does what the address's history calls for and
queues the email, in the transaction that deletes the received form.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import OperationalError

from petition.extensions import db
from petition.mail.outbox import add_intake
from petition.mail.wake import wake_after_commit
from petition.signing import service
from petition.signing.models import ReceivedSubmission
from petition.timeutil import utcnow

log = logging.getLogger(__name__)

RECEIVED = ReceivedSubmission.__table__
FIELDS = (
    "first_name",
    "last_name",
    "email",
    "province",
    "city",
    "display",
    "lang",
    "wants_updates",
    "consent_wording",
    "ip_hash",
    "share_ref",
)
# The statement of every valid sign form, built once.
RECEIVE = insert(RECEIVED)


def receive(submission):
    """Keep ``submission`` for the sender, in one statement and its commit."""
    now = utcnow()
    values = {name: getattr(submission, name) for name in FIELDS}
    db.session.execute(RECEIVE, values | {"received_at": now, "next_attempt_at": now})
    wake_after_commit(db.session)
    db.session.commit()


def as_submission(row):
    return service.Submission(**{name: getattr(row, name) for name in FIELDS})


def claim_one(now):
    """Delete the oldest due received form and return it, in the session's open transaction.

    On PostgreSQL the row is locked and rows other senders hold are skipped, so senders take
    different forms; if taking it in fails, the rollback puts it back.
    """
    oldest = (
        select(RECEIVED.c.id)
        .where(RECEIVED.c.next_attempt_at <= now, RECEIVED.c.attempts < max_attempts())
        .order_by(RECEIVED.c.next_attempt_at, RECEIVED.c.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return db.session.execute(delete(RECEIVED).where(RECEIVED.c.id == oldest).returning(*RECEIVED.c)).first()


def max_attempts():
    return current_app.config["MAIL_MAX_ATTEMPTS"]


def postpone(row, error):
    """Taking ``row`` in failed: try it again later, after a delay that doubles each time."""
    attempts = row.attempts + 1
    delay = min(current_app.config["MAIL_RETRY_BASE_SECONDS"] * 2 ** (attempts - 1), 3600)
    db.session.execute(
        update(RECEIVED)
        .where(RECEIVED.c.id == row.id)
        .values(attempts=attempts, next_attempt_at=utcnow() + timedelta(seconds=delay))
    )
    db.session.commit()
    if attempts >= max_attempts():
        log.error("received submission %s could not be taken in, for good: %s", row.id, error)
    else:
        log.warning("received submission %s will be taken in again later: %s", row.id, error)


def take_in(limit=None):
    """Take in up to ``limit`` received forms, oldest first, each in its own transaction.

    Returns how many were taken in. A form that cannot be taken in is rolled back into the
    intake and postponed; the others go on.
    """
    limit = limit or current_app.config["MAIL_BATCH_SIZE"]
    taken = 0
    while taken < limit:
        row = claim_one(utcnow())
        if row is None:
            db.session.rollback()
            break
        try:
            # ``submit`` commits the signature, its email and the deletion of ``row`` together.
            service.submit(as_submission(row))
        except OperationalError as error:
            # The database went away, or SQLite's write lock stayed taken: the rollback keeps the
            # form, and the sender's next round takes it in.
            db.session.rollback()
            log.warning("received submissions wait for the next round: %s", error)
            break
        except Exception as error:  # noqa: BLE001 - one bad form must not stop the others
            db.session.rollback()
            postpone(row, error)
            continue
        taken += 1
    return taken


@dataclass(frozen=True)
class IntakeHealth:
    waiting: int  # received, to be taken in (within seconds while a sender runs)
    given_up: int  # failed every attempt: left for the purge, and worth a look in the logs


def health():
    """How many sign forms wait, and how many could not be taken in, for the dashboard."""
    given_up = RECEIVED.c.attempts >= max_attempts()
    waiting, failed = db.session.execute(
        select(func.count(), func.count().filter(given_up)).select_from(RECEIVED)
    ).one()
    return IntakeHealth(waiting=waiting - failed, given_up=failed)


def init_app(app):
    add_intake(app, take_in)
