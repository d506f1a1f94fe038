"""The privacy lifecycle, without HTTP: purging unconfirmed signatures, and anonymising at the close.

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

import json
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, exists, func, or_, update
from sqlalchemy.orm import aliased

from petition.audit import record_audit
from petition.counts import forget_counts
from petition.extensions import db
from petition.mail.models import OutboxMessage, OutboxStatus
from petition.signing import tallies
from petition.signing.models import (
    ReceivedSubmission,
    Signature,
    SignatureEvent,
    SignatureStatus,
    new_token_nonce,
)
from petition.timeutil import utcnow

# Addresses under the reserved top-level domain ".invalid" (RFC 2606) can never be real, and the
# sign form refuses them, so a placeholder can never collide with a signer's address.
PLACEHOLDER_DOMAIN = "invalid"
# Searches by these fields name a signer; anonymising erases them from the audit log's bulk actions.
PERSONAL_SEARCH_FIELDS = ("email", "domain", "ip")
ERASED = "(erased)"


def placeholder_email(signature_id):
    """The unique, non-personal address that takes the place of a signer's once anonymised."""
    return f"anonymised-{signature_id}@{PLACEHOLDER_DOMAIN}"


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


def count_unconfirmed(days):
    """How many pending signatures a purge with ``days`` would delete now."""
    conditions = unconfirmed(retention_cutoff(days), utcnow())
    return db.session.execute(db.select(func.count()).select_from(Signature).where(*conditions)).scalar_one()


def purge_unconfirmed(days, progress=None):
    """Delete the signatures still pending after ``days`` days without any activity; returns how many.

    "Without activity": created more than ``days`` days ago, and neither signed again nor sent a
    new link since, so that a link sent yesterday keeps working. Their history and their emails
    in the outbox go with them; the administrators' tallies follow; the audit log records the purge.
    """
    cutoff = retention_cutoff(days)
    removed = delete_pending(cutoff, progress)
    received = delete_received(cutoff)
    record_audit(
        "purge unconfirmed",
        {
            "older_than_days": days,
            "cutoff": cutoff.isoformat(timespec="seconds"),
            "removed": removed,
            "received_removed": received,
        },
    )
    return removed


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


@dataclass
class Anonymised:
    """What one run of ``anonymise`` did, and what it had to leave for the next run."""

    received_deleted: int = 0
    pending_deleted: int = 0
    signatures: int = 0
    messages_deleted: int = 0
    events_scrubbed: int = 0
    audit_entries_scrubbed: int = 0
    # Messages a sender holds right now; their signatures' pending rows are left too.
    messages_left: int = 0
    pending_left: int = 0


def anonymise(progress=None):
    """Erase every signer's email address and IP, for when the campaign has closed; returns ``Anonymised``.

    Running it again is harmless: it only changes what is not yet anonymised, so a second run
    after late signatures anonymises those. The public count does not move.
    """
    result = Anonymised()
    result.received_deleted = delete_received()
    result.pending_deleted = delete_pending(None, progress)
    result.messages_deleted = delete_messages(progress)
    result.signatures = anonymise_signatures(progress)
    result.events_scrubbed = scrub_events(progress)
    result.audit_entries_scrubbed = scrub_audit_searches()
    result.messages_left = db.session.execute(db.select(func.count()).select_from(OutboxMessage)).scalar_one()
    result.pending_left = db.session.execute(
        db.select(func.count()).select_from(Signature).where(Signature.status == SignatureStatus.PENDING)
    ).scalar_one()
    record_audit("anonymise", asdict(result))
    forget_counts()
    return result


def not_being_sent(now):
    return or_(
        OutboxMessage.status != OutboxStatus.SENDING,
        OutboxMessage.lease_until.is_(None),
        OutboxMessage.lease_until < now,
    )


def delete_messages(progress=None):
    """Delete every message of the outbox (they hold addresses, names and links), except those a
    sender holds this very moment."""
    deleted = 0
    for low, high in id_windows(db.select(func.min(OutboxMessage.id), func.max(OutboxMessage.id))):
        result = db.session.execute(
            delete(OutboxMessage)
            .where(OutboxMessage.id.between(low, high), not_being_sent(utcnow()))
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        deleted += result.rowcount
        if result.rowcount and progress is not None:
            progress(result.rowcount)
    return deleted


def erased_values(row, now):
    """The new values of one signature row, or None when it holds nothing left to erase."""
    placeholder = placeholder_email(row.id)
    counted = SignatureStatus(row.status) == SignatureStatus.CONFIRMED
    if (
        row.email == placeholder
        and row.email_canonical == placeholder
        and row.email_domain == ""
        and row.ip_hash is None
        and not row.wants_updates
        and (counted or (row.first_name == "" and row.last_name == "" and row.city is None))
    ):
        return None
    values = {
        "id": row.id,
        "email": placeholder,
        "email_canonical": placeholder,
        "email_domain": "",
        "ip_hash": None,
        # Every link in the emails already sent stops working.
        "token_nonce": new_token_nonce(),
        # Nobody can be written to any more; the time and wording of a consent given stay, as the
        # record that the updates sent had consent.
        "wants_updates": False,
        "updated_at": now,
    }
    if not counted:
        # Not on the letter: its name is not needed either.
        values |= {"first_name": "", "last_name": "", "city": None}
    return values


def anonymise_signatures(progress=None):
    """Replace the address and IP of every signature that is not pending, batch by batch."""
    columns = (
        Signature.id,
        Signature.status,
        Signature.email,
        Signature.email_canonical,
        Signature.email_domain,
        Signature.ip_hash,
        Signature.wants_updates,
        Signature.first_name,
        Signature.last_name,
        Signature.city,
    )
    changed = 0
    for low, high in id_windows(db.select(func.min(Signature.id), func.max(Signature.id))):
        query = (
            db.select(*columns)
            .where(Signature.id.between(low, high), Signature.status != SignatureStatus.PENDING)
            .order_by(Signature.id)
        )
        rows = db.session.execute(locked_batch(query)).all()
        now = utcnow()
        updates = [values for row in rows if (values := erased_values(row, now)) is not None]
        if updates:
            # One UPDATE per row by primary key, sent as one batch.
            db.session.execute(update(Signature), updates)
        db.session.commit()
        changed += len(updates)
        if updates and progress is not None:
            progress(len(updates))
    return changed


def scrub_events(progress=None):
    """Clear the free-text detail of every history entry; what happened, and when, stays."""
    scrubbed = 0
    for low, high in id_windows(db.select(func.min(SignatureEvent.id), func.max(SignatureEvent.id))):
        result = db.session.execute(
            update(SignatureEvent)
            .where(SignatureEvent.id.between(low, high), SignatureEvent.detail.is_not(None))
            .values(detail=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        scrubbed += result.rowcount
        if result.rowcount and progress is not None:
            progress(result.rowcount)
    return scrubbed


def scrub_audit_searches():
    """Erase the addresses, domains and IPs that bulk invalidations searched for, in the audit log.

    The rest of the log is about administrators and stays.
    """
    from petition.audit import AuditEvent

    entries = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "bulk invalidate")).scalars().all()
    scrubbed = 0
    for entry in entries:
        try:
            detail = json.loads(entry.detail or "")
        except ValueError:
            continue
        filters = detail.get("filters") if isinstance(detail, dict) else None
        if not isinstance(filters, dict):
            continue
        personal = [name for name in PERSONAL_SEARCH_FIELDS if filters.get(name) not in (None, "", ERASED)]
        if personal:
            filters.update(dict.fromkeys(personal, ERASED))
            entry.detail = json.dumps(detail, ensure_ascii=False, sort_keys=True)
            scrubbed += 1
    db.session.commit()
    return scrubbed
