"""The privacy lifecycle, without HTTP: purging unconfirmed signatures (here), and anonymising at
the close (``anonymising.py``, on the same batches).

Both work through the signatures a batch at a time, one short transaction per batch, so that
signers confirming meanwhile never wait long; both can be run again, and a second run finds
nothing left to do. Each batch re-checks what it selected inside the transaction that changes it
(on PostgreSQL the rows are also locked), so a signature confirmed a moment earlier is left alone.

What anonymising keeps and erases, and why, is written for signers in ``content/privacy.*.md``:
the letter needs names, so a confirmed signature keeps its first and last name, city, province,
display choice, language, share reference and dates; every email address and IP goes, with the
emails in the outbox and anything written in a signature's history. A signature that is not
counted (withdrawn, invalidated) loses its name and city too; a pending one is deleted.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, exists, func
from sqlalchemy.orm import aliased

from petition.audit import record_audit
from petition.counts import forget_counts
from petition.endorsements import joining
from petition.extensions import db
from petition.mail.models import OutboxMessage, OutboxStatus
from petition.signing import tallies
from petition.signing.models import (
    ReceivedSubmission,
    Signature,
    SignatureEvent,
    SignatureStatus,
)
from petition.timeutil import utcnow


def batch_size():
    return current_app.config["PRIVACY_BATCH_SIZE"]


def is_postgres():
    return db.session.get_bind().dialect.name == "postgresql"


def being_sent(now):
    """A message of the signature's is in a sender's hands right now (its lease still runs).

    Deleting it under the sender would make the sender fail; the next run takes it. Aliased, so
    that inside a DELETE on the outbox it still names its own rows.
    """
    message = aliased(OutboxMessage)
    return exists().where(
        message.signature_id == Signature.id,
        message.status == OutboxStatus.SENDING,
        message.lease_until >= now,
    )


def active_since(moment):
    """Something happened to the signature since ``moment``: signed again, a new link asked for."""
    event = aliased(SignatureEvent)
    return exists().where(event.signature_id == Signature.id, event.created_at >= moment)


def unconfirmed(cutoff, now):
    """Conditions for a pending signature that may go: untouched since ``cutoff`` (None: any)."""
    conditions = [Signature.status == SignatureStatus.PENDING, ~being_sent(now)]
    if cutoff is not None:
        conditions += [Signature.created_at < cutoff, ~active_since(cutoff)]
    return conditions


def locked_batch(query):
    """``query`` with its signature rows locked until the batch commits, on PostgreSQL. SQLite has
    no row locks: a row that a signer changes between the read and the write is put right by the
    next run, which looks at each row's state afresh."""
    return query.with_for_update(of=Signature) if is_postgres() else query


def id_windows(query):
    """Consecutive ranges of ``batch_size()`` ids, from the first to the last id ``query`` (a
    select of min and max) finds.

    Walking ids by range reads each batch through the primary key, whatever the planner thinks of
    the other conditions, so a batch costs the same at the start of a million rows as at the end.
    """
    first, last = db.session.execute(query).one()
    db.session.rollback()
    if first is None:
        return
    size = batch_size()
    for low in range(first, last + 1, size):
        yield low, low + size - 1


def delete_pending_batch(conditions, low, high):
    """Delete the signatures with ids from ``low`` to ``high`` that meet ``conditions``, with their
    history and emails, in one transaction; returns how many went."""
    query = db.select(Signature.id).where(Signature.id.between(low, high), *conditions).order_by(Signature.id)
    if is_postgres():
        # A signature locked by someone confirming it right now is not one to delete.
        query = query.with_for_update(of=Signature, skip_locked=True)
    ids = db.session.execute(query).scalars().all()
    if not ids:
        db.session.rollback()
        return 0
    # The outbox first: deleting a signature would only cut its messages loose (SET NULL), and
    # they hold the address, the name and the links.
    still_there = db.select(Signature.id).where(Signature.id.in_(ids), *conditions)
    db.session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.signature_id.in_(still_there))
        .execution_options(synchronize_session=False)
    )
    gone = db.session.execute(
        delete(Signature)
        .where(Signature.id.in_(ids), *conditions)
        .returning(Signature.id, Signature.status, Signature.confirmed_at, Signature.province, Signature.share_ref)
        .execution_options(synchronize_session=False)
    ).all()
    if gone:
        # The foreign key cascades; said here as well so that the history goes even where it does not.
        db.session.execute(
            delete(SignatureEvent)
            .where(SignatureEvent.signature_id.in_([row.id for row in gone]))
            .execution_options(synchronize_session=False)
        )
        changes = Counter()
        for row in gone:
            facts = tallies.Facts(SignatureStatus(row.status).value, row.confirmed_at, row.province, row.share_ref)
            changes.subtract(tallies.contributions(facts))
        tallies.apply(changes)
    db.session.commit()
    return len(gone)


def delete_pending(cutoff, progress=None):
    """Delete the pending signatures untouched since ``cutoff`` (None: all of them), batch by batch."""
    conditions = unconfirmed(cutoff, utcnow())
    span = db.select(func.min(Signature.id), func.max(Signature.id)).where(Signature.status == SignatureStatus.PENDING)
    if cutoff is not None:
        span = span.where(Signature.created_at < cutoff)
    removed = 0
    for low, high in id_windows(span):
        done = delete_pending_batch(conditions, low, high)
        removed += done
        if done and progress is not None:
            progress(done)
    forget_counts()
    return removed


def retention_cutoff(days, now=None):
    if days < 1:
        raise ValueError("the retention must be at least one day")
    return (now or utcnow()) - timedelta(days=days)


@dataclass(frozen=True)
class Purged:
    """What a purge deleted, or would delete: signatures, and requests to endorse."""

    signatures: int
    requests: int


def count_unconfirmed(days):
    """How many pending signatures and unconfirmed requests a purge with ``days`` would delete now."""
    cutoff = retention_cutoff(days)
    conditions = unconfirmed(cutoff, utcnow())
    signatures = db.session.execute(db.select(func.count()).select_from(Signature).where(*conditions)).scalar_one()
    return Purged(signatures, joining.count_unconfirmed(cutoff))


def purge_unconfirmed(days, progress=None):
    """Delete the signatures still pending after ``days`` days without any activity, and the
    requests to endorse never confirmed in as long (endorsements/joining.py); returns how many of
    each (``Purged``).

    "Without activity": created more than ``days`` days ago, and neither signed again nor sent a
    new link since, so that a link sent yesterday keeps working. Their history and their emails
    in the outbox go with them; the administrators' tallies follow; the audit log records the purge.
    """
    cutoff = retention_cutoff(days)
    removed = delete_pending(cutoff, progress)
    received = delete_received(cutoff)
    requests = joining.purge_unconfirmed(cutoff)
    record_audit(
        "purge unconfirmed",
        {
            "older_than_days": days,
            "cutoff": cutoff.isoformat(timespec="seconds"),
            "removed": removed,
            "received_removed": received,
            "requests_removed": requests,
        },
    )
    return Purged(removed, requests)


def delete_received(cutoff=None):
    """Delete the sign forms received before ``cutoff`` (None: all) that were never taken in: the
    sender takes a form in within seconds, so these are ones it gave up on, or that no sender ran
    for. They hold a name and an address like a pending signature."""
    query = delete(ReceivedSubmission)
    if cutoff is not None:
        query = query.where(ReceivedSubmission.received_at < cutoff)
    deleted = db.session.execute(query.execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return deleted
