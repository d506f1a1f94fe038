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

from petition.admin.audit import record_audit
from petition.counts import forget_counts
from petition.extensions import db
from petition.mail.models import OutboxMessage, OutboxStatus
from petition.signing import tallies
from petition.signing.models import Signature, SignatureEvent, SignatureStatus, new_token_nonce
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
    """``query`` with its signature rows locked until the batch commits (PostgreSQL; SQLite takes
    the whole database at the batch's first write, and each statement re-checks its conditions)."""
    return query.with_for_update(of=Signature) if is_postgres() else query


def delete_pending_batch(conditions, after_id, size):
    """Delete up to ``size`` signatures past ``after_id`` that meet ``conditions``, with their
    history and emails, in one transaction. Returns (the last id looked at, how many were deleted)."""
    query = db.select(Signature.id).where(Signature.id > after_id, *conditions).order_by(Signature.id).limit(size)
    if is_postgres():
        # A signature locked by someone confirming it right now is not one to delete.
        query = query.with_for_update(of=Signature, skip_locked=True)
    ids = db.session.execute(query).scalars().all()
    if not ids:
        db.session.rollback()
        return None, 0
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
    return ids[-1], len(gone)


def delete_pending(cutoff, progress=None):
    """Delete the pending signatures untouched since ``cutoff`` (None: all of them), batch by batch."""
    now = utcnow()
    conditions = unconfirmed(cutoff, now)
    size = batch_size()
    after_id, removed = 0, 0
    while True:
        after_id, done = delete_pending_batch(conditions, after_id, size)
        if after_id is None:
            break
        removed += done
        if progress is not None:
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
    record_audit(
        "purge unconfirmed",
        {"older_than_days": days, "cutoff": cutoff.isoformat(timespec="seconds"), "removed": removed},
    )
    return removed


@dataclass
class Anonymised:
    """What one run of ``anonymise`` did, and what it had to leave for the next run."""

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
    size, after_id, deleted = batch_size(), 0, 0
    while True:
        condition = not_being_sent(utcnow())
        ids = (
            db.session.execute(
                db.select(OutboxMessage.id)
                .where(OutboxMessage.id > after_id, condition)
                .order_by(OutboxMessage.id)
                .limit(size)
            )
            .scalars()
            .all()
        )
        if not ids:
            db.session.rollback()
            return deleted
        result = db.session.execute(
            delete(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), condition)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        after_id = ids[-1]
        deleted += result.rowcount
        if progress is not None:
            progress(result.rowcount)


def erased_values(row, now):
    """The new values of one signature row, or None when it holds nothing left to erase."""
    placeholder = placeholder_email(row.id)
    counted = SignatureStatus(row.status) == SignatureStatus.CONFIRMED
    if (
        row.email == placeholder
        and row.email_canonical == placeholder
        and row.email_domain == ""
        and row.ip is None
        and not row.wants_updates
        and (counted or (row.first_name == "" and row.last_name == "" and row.city is None))
    ):
        return None
    values = {
        "id": row.id,
        "email": placeholder,
        "email_canonical": placeholder,
        "email_domain": "",
        "ip": None,
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
    """Replace addresses and IPs of every signature that is not pending, batch by batch."""
    size, after_id, changed = batch_size(), 0, 0
    columns = (
        Signature.id,
        Signature.status,
        Signature.email,
        Signature.email_canonical,
        Signature.email_domain,
        Signature.ip,
        Signature.wants_updates,
        Signature.first_name,
        Signature.last_name,
        Signature.city,
    )
    while True:
        query = (
            db.select(*columns)
            .where(Signature.id > after_id, Signature.status != SignatureStatus.PENDING)
            .order_by(Signature.id)
            .limit(size)
        )
        rows = db.session.execute(locked_batch(query)).all()
        if not rows:
            db.session.rollback()
            return changed
        now = utcnow()
        updates = [values for row in rows if (values := erased_values(row, now)) is not None]
        if updates:
            # One UPDATE per row by primary key, run as a batch.
            db.session.execute(update(Signature), updates)
        db.session.commit()
        after_id = rows[-1].id
        changed += len(updates)
        if progress is not None:
            progress(len(updates))


def scrub_events(progress=None):
    """Clear the free-text detail of every history entry; what happened, and when, stays."""
    size, scrubbed = batch_size(), 0
    while True:
        ids = (
            db.session.execute(
                db.select(SignatureEvent.id)
                .where(SignatureEvent.detail.is_not(None))
                .order_by(SignatureEvent.id)
                .limit(size)
            )
            .scalars()
            .all()
        )
        if not ids:
            db.session.rollback()
            return scrubbed
        db.session.execute(
            update(SignatureEvent)
            .where(SignatureEvent.id.in_(ids))
            .values(detail=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        scrubbed += len(ids)
        if progress is not None:
            progress(len(ids))


def scrub_audit_searches():
    """Erase the addresses, domains and IPs that bulk invalidations searched for, in the audit log.

    The rest of the log is about administrators and stays.
    """
    from petition.admin.models import AuditEvent

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
