"""Anonymising at the close of the campaign: every signer's email address and IP erased, batch by
batch, as ``lifecycle.py`` describes; the letter keeps the names it needs."""

import json
from dataclasses import asdict, dataclass

from sqlalchemy import delete, func, or_, update

from petition.audit import record_audit
from petition.counts import forget_counts
from petition.endorsements import joining
from petition.extensions import db
from petition.mail.models import OutboxMessage, OutboxStatus
from petition.mail.suppression import forget_refused_addresses
from petition.signing.lifecycle import delete_pending, delete_received, id_windows, locked_batch
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


@dataclass
class Anonymised:
    """What one run of ``anonymise`` did, and what it had to leave for the next run."""

    received_deleted: int = 0
    pending_deleted: int = 0
    signatures: int = 0
    messages_deleted: int = 0
    refused_addresses_deleted: int = 0
    events_scrubbed: int = 0
    audit_entries_scrubbed: int = 0
    # Requests to endorse: the undecided deleted, the decided without their contact's name and address.
    requests_deleted: int = 0
    requests_erased: int = 0
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
    result.requests_deleted, result.requests_erased = joining.anonymise_requests()
    result.messages_deleted = delete_messages(progress)
    result.refused_addresses_deleted = forget_refused_addresses()
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
    """Erase the addresses, domains and IPs that bulk invalidations searched for, and the addresses
    taken off the list of refused ones, in the audit log.

    The rest of the log is about administrators and stays.
    """
    from petition.audit import AuditEvent

    lifted = db.session.execute(
        update(AuditEvent)
        .where(AuditEvent.action == "suppression lifted", AuditEvent.detail != ERASED)
        .values(detail=ERASED)
        .execution_options(synchronize_session=False)
    )
    entries = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "bulk invalidate")).scalars().all()
    scrubbed = lifted.rowcount
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
