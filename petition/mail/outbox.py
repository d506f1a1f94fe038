"""Draining the outbox: claim due messages atomically, render and send them, record the outcome.

A batch of messages is claimed by one conditional update (``status`` still queued, or a lease
that has run out), so several processes can drain one outbox without sending a message twice.
Each outcome is written the same way, as soon as the server has answered, and written again
through a short database outage (``record_outcome``), so a restart between the server's ``250``
and the write does not send it a second time.
"""

import logging
import os
import socket
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import DBAPIError

from petition.database import unavailable
from petition.extensions import db
from petition.mail.kinds import Dropped, NothingToRender, UnknownKind, load_batches, render
from petition.mail.models import OutboxMessage, OutboxStatus
from petition.mail.sender import sender_for
from petition.mail.suppression import record_refusal
from petition.mail.transport import (
    PermanentFailure,
    RecipientRefused,
    TemporaryFailure,
    build_message,
    make_transport,
)
from petition.timeutil import utcnow

log = logging.getLogger(__name__)

# Back-off between attempts to record an outcome while the database is away, in seconds.
FIRST_RECORD_DELAY = 0.1
LONGEST_RECORD_DELAY = 2.0


def sender_name():
    return f"{socket.gethostname()}:{os.getpid()}"


OUTBOX = OutboxMessage.__table__
# What sending a claimed message needs, returned by the claim itself.
CLAIMED = (
    "id",
    "kind",
    "lang",
    "payload",
    "to_address",
    "message_id",
    "subject",
    "text_body",
    "html_body",
    "headers",
    "attempts",
)


def due(now):
    """Queued and due, or claimed by a sender whose lease has run out."""
    return or_(
        (OUTBOX.c.status == OutboxStatus.QUEUED) & (OUTBOX.c.next_attempt_at <= now),
        (OUTBOX.c.status == OutboxStatus.SENDING) & (OUTBOX.c.lease_until < now),
    )


def claim(limit, claimant):
    """Claim up to ``limit`` due messages for ``claimant``; returns them, oldest first.

    One statement picks the messages and marks them, and hands back what sending them needs. On
    PostgreSQL the rows it picks are locked and those another sender holds are skipped (``FOR
    UPDATE SKIP LOCKED``), so concurrent senders take different messages without waiting; each
    row is checked to be due again as it is updated, so a message is never claimed twice while
    its lease lasts. SQLite, which has no row locks, runs one writing statement at a time.
    """
    now = utcnow()
    lease_until = now + timedelta(seconds=current_app.config["MAIL_LEASE_SECONDS"])
    chosen = select(OUTBOX.c.id).where(due(now)).order_by(OUTBOX.c.id).limit(limit).with_for_update(skip_locked=True)
    messages = db.session.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id.in_(chosen), due(now))
        .values(status=OutboxStatus.SENDING, lease_until=lease_until, claimed_by=claimant)
        .returning(*(OUTBOX.c[name] for name in CLAIMED))
    ).all()
    db.session.commit()
    return sorted(messages, key=lambda message: message.id)


def retry_delay(attempts):
    config = current_app.config
    return min(config["MAIL_RETRY_BASE_SECONDS"] * 2 ** (attempts - 1), config["MAIL_RETRY_MAX_SECONDS"])


class OutcomeWriter:
    """Writes the outcomes of one batch on a connection of its own, held for the batch, in autocommit.

    Each outcome is a single statement, which commits by itself: one round trip per message,
    without the pool's check-out and ping, or a BEGIN and a COMMIT of their own. After an error
    the connection is dropped, and the next write opens a fresh one.
    """

    def __init__(self, engine):
        self.engine = engine
        self.connection = None

    def write(self, statement, parameters):
        if self.connection is None:
            self.connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self.connection.execute(statement, parameters)

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


# The write of an outcome, to a message still claimed by ``claimant``: the columns to set come as
# parameters (``status``, ``attempts``…), which make its SET clause. Built once.
RECORD_OUTCOME = update(OUTBOX).where(
    OUTBOX.c.id == bindparam("claimed_id"),
    OUTBOX.c.status == OutboxStatus.SENDING,
    OUTBOX.c.claimed_by == bindparam("claimant"),
)


def record_outcome(writer, message_id, claimant, **values):
    """Write what became of a message this sender claimed, trying again through a database outage.

    Until the lease runs out nobody else takes the message, so the write is tried for up to half
    of ``MAIL_LEASE_SECONDS``, on a fresh connection each time. It changes the message only while
    it is still this sender's claim, so a write that did reach the database before its connection
    broke is not done twice. Past that, the error is logged and raised: the caller stops its batch
    rather than send more on a database that cannot record them.
    """
    deadline = time.monotonic() + current_app.config["MAIL_LEASE_SECONDS"] / 2
    delay = FIRST_RECORD_DELAY
    parameters = {"claimed_id": message_id, "claimant": claimant, "lease_until": None, **values}
    while True:
        try:
            writer.write(RECORD_OUTCOME, parameters)
            return
        except DBAPIError as error:
            writer.close()
            if not unavailable(error) or time.monotonic() + delay > deadline:
                log.error("outbox message %s: could not record it as %s: %s", message_id, values["status"], error.orig)
                raise
            log.warning(
                "outbox message %s: the database is away, recording it as %s again", message_id, values["status"]
            )
        time.sleep(delay)
        delay = min(delay * 2, LONGEST_RECORD_DELAY)


def record_sent(writer, message, claimant):
    values = {"status": OutboxStatus.SENT, "sent_at": utcnow(), "attempts": message.attempts + 1, "last_error": None}
    record_outcome(writer, message.id, claimant, **values)


def record_dropped(writer, message, claimant, reason):
    values = {"status": OutboxStatus.DROPPED, "last_error": str(reason)[:2000]}
    record_outcome(writer, message.id, claimant, **values)


def record_failure(writer, message, claimant, error, permanent):
    attempts = message.attempts + 1
    values = {"attempts": attempts, "last_error": str(error)[:2000]}
    if permanent or attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        values["status"] = OutboxStatus.FAILED
        log.error("outbox message %s failed for good: %s", message.id, error)
    else:
        values["status"] = OutboxStatus.QUEUED
        values["next_attempt_at"] = utcnow() + timedelta(seconds=retry_delay(attempts))
        log.warning("outbox message %s will be retried: %s", message.id, error)
    record_outcome(writer, message.id, claimant, **values)
    if isinstance(error, RecipientRefused):
        try:
            record_refusal(writer, message, error)
        except DBAPIError as failure:
            # The outcome is what must not be lost; an address left off the list is refused again
            # by the next bulk send, and listed then.
            writer.close()
            log.warning("outbox message %s: could not list its refused address: %s", message.id, failure.orig)


def rendered(message, batches):
    """What ``message`` says, through its kind: a failure of the sending when there is nothing to
    render (for good) or no kind of its name in this process (again later, perhaps in another)."""
    try:
        return render(message, batches)
    except NothingToRender as error:
        raise PermanentFailure(f"outbox message {message.id}: {error}") from error
    except UnknownKind as error:
        raise TemporaryFailure(f"outbox message {message.id}: {error}") from error


def drain(limit=None, claimant=None):
    """Claim one batch of due messages, and try once to render each through its kind and send it.
    Returns (claimed, sent). What the batch's kinds need is read before sending starts.

    Sending stops once half the lease has passed: the rest of the batch is left for a sender to
    claim again when the lease runs out, rather than sent while another may be sending it too.
    """
    config = current_app.config
    claimant = claimant or sender_name()
    sending_until = time.monotonic() + config["MAIL_LEASE_SECONDS"] / 2
    messages = claim(limit or config["MAIL_BATCH_SIZE"], claimant)
    if not messages:
        return 0, 0
    batches = load_batches(messages)
    db.session.close()  # no transaction left open on the session while the batch is sent
    writer = OutcomeWriter(db.engine)
    transport = make_transport(config)
    senders = {}  # the From per language, worked out once a batch
    sent = 0
    try:
        for position, message in enumerate(messages):
            if time.monotonic() > sending_until:
                left = len(messages) - position
                log.warning("outbox: half the lease has passed; %s message(s) left for the next claim", left)
                break
            try:
                content = rendered(message, batches)
                if message.lang not in senders:
                    senders[message.lang] = sender_for(message.lang)
                transport.send(build_message(content, message.to_address, message.message_id, senders[message.lang]))
            except Dropped as reason:
                record_dropped(writer, message, claimant, reason)
                continue
            except TemporaryFailure as error:
                record_failure(writer, message, claimant, error, permanent=False)
                continue
            except PermanentFailure as error:
                record_failure(writer, message, claimant, error, permanent=True)
                continue
            record_sent(writer, message, claimant)
            sent += 1
    finally:
        transport.close()
        writer.close()
    return len(messages), sent


def add_intake(app, take_in):
    """Have the senders call ``take_in()`` before each batch they send: a feature's work that
    turns into messages (the sign forms received), done outside the web request. It returns how
    many items it took in."""
    app.extensions.setdefault("outbox_intakes", []).append(take_in)


def take_in_all():
    """Run every intake once; returns how many items they took in."""
    return sum(take_in() for take_in in current_app.extensions.get("outbox_intakes", ()))


def drain_all(claimant=None, stopping=None):
    """Take in and send, batch after batch, until nothing is due (or ``stopping`` is set, looked
    at between batches). Returns the number of messages sent."""
    total = 0
    while stopping is None or not stopping.is_set():
        taken = take_in_all()
        claimed, sent = drain(claimant=claimant)
        total += sent
        # Stop when nothing was taken in and nothing was due, or nothing could be sent
        # (failures wait for their retry).
        if not taken and (not claimed or not sent):
            break
    return total
