"""Finding signatures and acting on them: hide a name, invalidate one signature or all that a search finds.

Searches use the indexes on the canonical address, the email domain, the IP, the share reference
and the status; a name is matched anywhere in the first or last name (a scan, fine for a search
an administrator runs now and then). Invalidating moves the public count and the tallies with the
signature, in the same transaction.
"""

from collections import Counter
from dataclasses import asdict, dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, or_, update

from petition.audit import record_audit
from petition.counts import forget_counts
from petition.extensions import db
from petition.signing import service, tallies
from petition.signing.canonical import canonical_email
from petition.signing.models import EventKind, Signature, SignatureEvent, SignatureStatus
from petition.signing.sources import search_key
from petition.timeutil import utcnow

# What a signature's history records (``SignatureEvent.kind``), as administrators read it.
EVENT_LABELS = {
    EventKind.SUBMITTED: _l("Submitted"),
    EventKind.SUBMITTED_AGAIN: _l("Submitted again while pending"),
    EventKind.SUBMITTED_WITH_OTHER_DETAILS: _l(
        "Submitted again while pending, with other details (earlier links retired)"
    ),
    EventKind.EMAIL_CAP_REACHED: _l("Not emailed again: daily limit reached"),
    EventKind.SUBMITTED_AFTER_CONFIRMING: _l("Submitted again after confirming"),
    EventKind.SIGNED_AGAIN_AFTER_WITHDRAWING: _l("Signed again after withdrawing"),
    EventKind.SUBMITTED_AFTER_INVALIDATION: _l("Submitted again after invalidation (ignored)"),
    EventKind.CONFIRMATION_RESENT: _l("Confirmation email sent again on request"),
    EventKind.CONFIRMED: _l("Confirmed"),
    EventKind.WITHDRAWN: _l("Withdrawn by the signer"),
    EventKind.UNSUBSCRIBED: _l("Unsubscribed from updates"),
    EventKind.INVALIDATED: _l("Invalidated"),
    EventKind.INVALIDATED_BY_ADMINISTRATOR: _l("Invalidated by an administrator"),
    EventKind.INVALIDATED_IN_BULK: _l("Invalidated by an administrator (in bulk)"),
    EventKind.HIDDEN: _l("Name hidden by an administrator"),
    EventKind.SHOWN_AGAIN: _l("Name shown again by an administrator"),
}


@dataclass(frozen=True)
class SearchFilters:
    name: str = ""
    email: str = ""
    domain: str = ""
    ip: str = ""
    ref: str = ""
    status: str = ""

    @classmethod
    def from_form(cls, form):
        return cls(**{name: (getattr(form, name).data or "") for name in cls.__dataclass_fields__})

    @property
    def narrows(self):
        """True when something besides the status narrows the search (bulk actions need it)."""
        return any((self.name, self.email, self.domain, self.ip, self.ref))

    def as_args(self):
        """The filters as URL parameters, empty ones left out."""
        return {name: value for name, value in asdict(self).items() if value}


def conditions(filters):
    found = []
    if filters.name:
        words = filters.name.split()
        for word in words:
            found.append(
                or_(
                    Signature.first_name.icontains(word, autoescape=True),
                    Signature.last_name.icontains(word, autoescape=True),
                )
            )
    if filters.email:
        found.append(Signature.email_canonical == canonical_email(filters.email))
    if filters.domain:
        found.append(Signature.email_domain == filters.domain)
    if filters.ip:
        found.append(Signature.ip_hash == search_key(filters.ip))
    if filters.ref:
        found.append(Signature.share_ref == filters.ref)
    if filters.status:
        found.append(Signature.status == SignatureStatus(filters.status))
    return found


def search(filters, before=None, limit=100):
    """Signatures that match, newest first; ``before`` is the id where the previous page ended.

    Returns the page and the id to continue from (None on the last page).
    """
    query = db.select(Signature).where(*conditions(filters)).order_by(Signature.id.desc()).limit(limit + 1)
    if before is not None:
        query = query.where(Signature.id < before)
    rows = db.session.execute(query).scalars().all()
    page = rows[:limit]
    return page, (page[-1].id if len(rows) > limit else None)


def count_matching(filters, invalidatable_only=False):
    query = db.select(func.count()).select_from(Signature).where(*conditions(filters))
    if invalidatable_only:
        query = query.where(Signature.status != SignatureStatus.INVALIDATED)
    return db.session.execute(query).scalar_one()


def count_confirmed_matching(filters):
    query = (
        db.select(func.count())
        .select_from(Signature)
        .where(*conditions(filters), Signature.status == SignatureStatus.CONFIRMED)
    )
    return db.session.execute(query).scalar_one()


def history(signature):
    return (
        db.session.execute(
            db.select(SignatureEvent)
            .where(SignatureEvent.signature_id == signature.id)
            .order_by(SignatureEvent.created_at, SignatureEvent.id)
        )
        .scalars()
        .all()
    )


def hide(signature):
    """Take the name off the public list; the signature still counts. False if it was hidden already.

    Each change here is written to the audit log in its own transaction."""
    if signature.hidden_at is not None:
        return False
    signature.hidden_at = utcnow()
    service.record(signature, EventKind.HIDDEN)
    record_audit("hide", {"signature": signature.id}, commit=False)
    db.session.commit()
    return True


def unhide(signature):
    if signature.hidden_at is None:
        return False
    signature.hidden_at = None
    service.record(signature, EventKind.SHOWN_AGAIN)
    record_audit("unhide", {"signature": signature.id}, commit=False)
    db.session.commit()
    return True


def invalidate(signature, reason=None):
    """Remove one signature (spam, abuse): it leaves the count if it was in it. False if already done."""
    if signature.status == SignatureStatus.INVALIDATED:
        return False
    return service.move(
        signature,
        SignatureStatus.INVALIDATED,
        EventKind.INVALIDATED_BY_ADMINISTRATOR,
        count_delta=-1 if signature.status == SignatureStatus.CONFIRMED else 0,
        audit=("invalidate", {"signature": signature.id, "was": signature.status.value, "reason": reason or None}),
        invalidated_at=utcnow(),
        wants_updates=False,
    )


def invalidate_matching(filters, batch_size=500, up_to_id=None):
    """Invalidate every signature that the search finds, a batch per transaction; returns how many.

    Each batch changes its rows with conditional updates, one per status they were in, which
    return the rows they changed: the count and the tallies move by exactly those rows, even when
    a signer confirms or withdraws meanwhile. Signatures made after the administrator agreed
    (``id > up_to_id``) are left alone.
    """
    if not filters.narrows:
        raise ValueError("a bulk invalidation needs a search that narrows it")
    if up_to_id is None:
        up_to_id = db.session.execute(db.select(func.max(Signature.id))).scalar_one() or 0
    done, last_id = 0, 0
    while True:
        batch = db.session.execute(
            db.select(Signature.id, Signature.status)
            .where(
                *conditions(filters),
                Signature.status != SignatureStatus.INVALIDATED,
                Signature.id > last_id,
                Signature.id <= up_to_id,
            )
            .order_by(Signature.id)
            .limit(batch_size)
        ).all()
        if not batch:
            break
        last_id = batch[-1][0]
        done += invalidate_batch(batch)
    forget_counts()
    return done


def invalidate_batch(batch):
    """Invalidate the (id, status) rows of one batch in one transaction; returns how many changed."""
    now = utcnow()
    by_status = {}
    for signature_id, status in batch:
        by_status.setdefault(SignatureStatus(status), []).append(signature_id)
    changes, changed_ids, confirmed_left = Counter(), [], 0
    for status, ids in by_status.items():
        changed = db.session.execute(
            update(Signature)
            .where(Signature.id.in_(ids), Signature.status == status)
            .values(status=SignatureStatus.INVALIDATED, invalidated_at=now, updated_at=now, wants_updates=False)
            .returning(Signature.id, Signature.confirmed_at, Signature.province, Signature.share_ref)
            .execution_options(synchronize_session=False)
        ).all()
        for signature_id, confirmed_at, province, share_ref in changed:
            before = tallies.Facts(status.value, confirmed_at, province, share_ref)
            after = tallies.Facts(SignatureStatus.INVALIDATED.value, confirmed_at, province, share_ref)
            changes.update(tallies.contributions(after))
            changes.subtract(tallies.contributions(before))
            changed_ids.append(signature_id)
        if status == SignatureStatus.CONFIRMED:
            confirmed_left += len(changed)
    if changed_ids:
        tallies.apply(changes)
        if confirmed_left:
            service.change_count(-confirmed_left)
        db.session.execute(
            insert(SignatureEvent),
            [
                {"signature_id": signature_id, "kind": EventKind.INVALIDATED_IN_BULK, "created_at": now}
                for signature_id in changed_ids
            ],
        )
    db.session.commit()
    return len(changed_ids)
