"""Draining the outbox: claim due messages atomically, send them, record the outcome.

A message is claimed by a conditional update (``status`` still queued, or a lease that has run
out), so several processes can drain one outbox without sending a message twice. Its outcome is
written the same way, and written again through a short database outage (``record_outcome``), so
a restart between the server's ``250`` and the commit does not send it a second time.
"""

import logging
import os
import socket
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, update
from sqlalchemy.exc import DBAPIError

from petition.database import unavailable
from petition.extensions import db
from petition.mail.models import OutboxMessage, OutboxStatus
from petition.mail.transport import PermanentFailure, TemporaryFailure, build_message, make_transport
from petition.timeutil import utcnow

log = logging.getLogger(__name__)

# Back-off between attempts to record an outcome while the database is away, in seconds.
FIRST_RECORD_DELAY = 0.1
LONGEST_RECORD_DELAY = 2.0


def sender_name():
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(limit, claimant):
    """Claim up to ``limit`` due messages for ``claimant``; returns their ids."""
    now = utcnow()
    due = or_(
        (OutboxMessage.status == OutboxStatus.QUEUED) & (OutboxMessage.next_attempt_at <= now),
        (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.lease_until < now),
    )
    candidates = db.session.execute(
        db.select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.lease_until)
        .where(due)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    db.session.rollback()
    lease_until = now + timedelta(seconds=current_app.config["MAIL_LEASE_SECONDS"])
    claimed = []
    for message_id, status, old_lease in candidates:
        # Compare-and-set: only the first claimant of a message sees one row changed.
        result = db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.status == status,
                OutboxMessage.lease_until.is_(None) if old_lease is None else OutboxMessage.lease_until == old_lease,
            )
            .values(status=OutboxStatus.SENDING, lease_until=lease_until, claimed_by=claimant)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if result.rowcount == 1:
            claimed.append(message_id)
    return claimed


def retry_delay(attempts):
    config = current_app.config
    return min(config["MAIL_RETRY_BASE_SECONDS"] * 2 ** (attempts - 1), config["MAIL_RETRY_MAX_SECONDS"])


def record_outcome(message_id, claimant, **values):
    """Write what became of a message this sender claimed, trying again through a database outage.

    Until the lease runs out nobody else takes the message, so the write is tried for up to half
    of ``MAIL_LEASE_SECONDS``, on a fresh connection each time. It changes the message only while
    it is still this sender's claim, so a write that did reach the database before its connection
    broke is not done twice. Past that, the error is logged and raised: the caller stops its batch
    rather than send more on a database that cannot record them.
    """
    deadline = time.monotonic() + current_app.config["MAIL_LEASE_SECONDS"] / 2
    delay = FIRST_RECORD_DELAY
    while True:
        try:
            db.session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == message_id,
                    OutboxMessage.status == OutboxStatus.SENDING,
                    OutboxMessage.claimed_by == claimant,
                )
                .values(lease_until=None, **values)
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
            return
        except DBAPIError as error:
            db.session.rollback()
            if not unavailable(error) or time.monotonic() + delay > deadline:
                log.error("outbox message %s: could not record it as %s: %s", message_id, values["status"], error.orig)
                raise
            log.warning(
                "outbox message %s: the database is away, recording it as %s again", message_id, values["status"]
            )
        time.sleep(delay)
        delay = min(delay * 2, LONGEST_RECORD_DELAY)


def record_sent(message, claimant):
    record_outcome(
        message.id, claimant, status=OutboxStatus.SENT, sent_at=utcnow(), attempts=message.attempts + 1, last_error=None
    )


def record_failure(message, claimant, error, permanent):
    attempts = message.attempts + 1
    values = {"attempts": attempts, "last_error": str(error)[:2000]}
    if permanent or attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        values["status"] = OutboxStatus.FAILED
        log.error("outbox message %s failed for good: %s", message.id, error)
    else:
        values["status"] = OutboxStatus.QUEUED
        values["next_attempt_at"] = utcnow() + timedelta(seconds=retry_delay(attempts))
        log.warning("outbox message %s will be retried: %s", message.id, error)
    record_outcome(message.id, claimant, **values)


def drain(limit=None, claimant=None):
    """Claim one batch of due messages and try each once. Returns (claimed, sent)."""
    config = current_app.config
    claimant = claimant or sender_name()
    ids = claim(limit or config["MAIL_BATCH_SIZE"], claimant)
    if not ids:
        return 0, 0
    transport = make_transport(config)
    sent = 0
    try:
        for message_id in ids:
            message = db.session.get(OutboxMessage, message_id)
            if message is None or message.status != OutboxStatus.SENDING or message.claimed_by != claimant:
                continue
            try:
                transport.send(build_message(message, config["MAIL_DEFAULT_SENDER"]))
            except TemporaryFailure as error:
                record_failure(message, claimant, error, permanent=False)
                continue
            except PermanentFailure as error:
                record_failure(message, claimant, error, permanent=True)
                continue
            record_sent(message, claimant)
            sent += 1
    finally:
        transport.close()
    return len(ids), sent


def drain_all(claimant=None):
    """Drain batch after batch until nothing is due. Returns the number of messages sent."""
    total = 0
    while True:
        claimed, sent = drain(claimant=claimant)
        total += sent
        # Stop when nothing was due, or nothing could be sent (failures wait for their retry).
        if not claimed or not sent:
            return total
