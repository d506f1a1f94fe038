"""What happens to a signature, without HTTP: callable from routes, commands and tests.

Every change commits in one transaction with the outbox message it causes, so an email is
never promised without being recorded, nor recorded without the change it announces.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError, OperationalError

from petition.counts import forget_counts
from petition.extensions import db
from petition.mail.compose import queue_signer_email
from petition.mail.models import OutboxMessage
from petition.signing import tallies
from petition.signing.canonical import canonical_email
from petition.signing.models import (
    COUNT_SHARDS,
    NameDisplay,
    Signature,
    SignatureCountShard,
    SignatureEvent,
    SignatureStatus,
    new_token_nonce,
)
from petition.timeutil import utcnow


@dataclass(frozen=True)
class Submission:
    first_name: str
    last_name: str
    email: str
    province: str
    city: str | None
    display: str
    wants_updates: bool
    consent_wording: str | None
    lang: str
    ip: str | None = None
    share_ref: str | None = None


class SigningError(Exception):
    """A signature cannot move to the state asked for."""


def record(signature, kind, detail=None):
    db.session.add(SignatureEvent(signature_id=signature.id, kind=kind, detail=detail))


def emails_sent_recently(signature):
    since = utcnow() - timedelta(hours=24)
    return db.session.execute(
        db.select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.signature_id == signature.id, OutboxMessage.created_at >= since)
    ).scalar_one()


def may_email(signature):
    return emails_sent_recently(signature) < current_app.config.get("SIGNATURE_EMAILS_PER_DAY", 3)


def apply_submission(signature, submission):
    now = utcnow()
    signature.first_name = submission.first_name
    signature.last_name = submission.last_name
    signature.email = submission.email
    signature.province = submission.province
    signature.city = submission.city or None
    signature.display = NameDisplay(submission.display)
    signature.lang = submission.lang
    signature.ip = submission.ip
    if submission.share_ref and not signature.share_ref:
        signature.share_ref = submission.share_ref
    signature.wants_updates = submission.wants_updates
    signature.updates_consented_at = now if submission.wants_updates else None
    signature.consent_wording = submission.consent_wording if submission.wants_updates else None


def submit(submission):
    """Record a submission and queue the right email. Returns the signature (None for none).

    The caller shows the same page whatever happened, so nobody learns an address's history.
    """
    canonical = canonical_email(submission.email)
    for _attempt in range(3):
        signature = db.session.execute(
            db.select(Signature).where(Signature.email_canonical == canonical)
        ).scalar_one_or_none()
        if signature is None:
            signature = Signature(
                email_canonical=canonical, email_domain=canonical.rpartition("@")[2], status=SignatureStatus.PENDING
            )
            apply_submission(signature, submission)
            db.session.add(signature)
            try:
                db.session.flush()
            except (IntegrityError, OperationalError):
                # Another request signed with the same address a moment ago (or, on SQLite,
                # held the write lock): start again, and treat this one as a repeat of it.
                db.session.rollback()
                continue
            tallies.record_new(signature)
            record(signature, "submitted")
            queue_signer_email(signature, "confirm")
            db.session.commit()
            return signature
        return submit_again(signature, submission)
    raise SigningError("could not record the signature")


def submit_again(signature, submission):
    """The address has signed before: what to do depends on where that signature stands."""
    if signature.status == SignatureStatus.PENDING:
        apply_submission(signature, submission)
        record(signature, "submitted again")
        if may_email(signature):
            queue_signer_email(signature, "confirm")
        else:
            record(signature, "email cap reached")
    elif signature.status == SignatureStatus.CONFIRMED:
        record(signature, "submitted again after confirming")
        if may_email(signature):
            queue_signer_email(signature, "already_signed")
    elif signature.status == SignatureStatus.WITHDRAWN:
        before = tallies.facts(signature)
        apply_submission(signature, submission)
        signature.status = SignatureStatus.PENDING
        signature.withdrawn_at = None
        signature.token_nonce = new_token_nonce()
        tallies.record_change(before, tallies.facts(signature))
        record(signature, "signed again after withdrawing")
        if may_email(signature):
            queue_signer_email(signature, "confirm")
    else:
        # Invalidated by an administrator: nothing is sent, and the page looks the same.
        record(signature, "submitted again after invalidation")
    db.session.commit()
    return signature


def resend_confirmation(signature):
    """Queue a new confirmation email for a pending signature (its expired link asked for it)."""
    record(signature, "confirmation re-sent on request")
    queue_signer_email(signature, "confirm")
    db.session.commit()


def change_count(delta):
    """Add ``delta`` to one shard of the confirmed count, chosen at random."""
    shard = secrets.randbelow(COUNT_SHARDS)
    db.session.execute(
        update(SignatureCountShard)
        .where(SignatureCountShard.shard == shard)
        .values(count=SignatureCountShard.count + delta)
    )


def move(signature, to_status, event, count_delta=0, **values):
    """Change a signature's status if nobody changed it meanwhile; True when this call did.

    The conditional update makes two requests racing on one signature change it once: the
    count moves once, one event is recorded.
    """
    result = db.session.execute(
        update(Signature)
        .where(Signature.id == signature.id, Signature.status == signature.status)
        .values(status=to_status, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        db.session.refresh(signature)
        return False
    if count_delta:
        change_count(count_delta)
    tallies.record_move(signature, to_status, values)
    record(signature, event)
    db.session.commit()
    db.session.refresh(signature)
    forget_counts()
    return True


def confirm(signature):
    """Count a pending signature. Confirming twice is harmless: returns False the second time."""
    if signature.status == SignatureStatus.PENDING and move(
        signature, SignatureStatus.CONFIRMED, "confirmed", count_delta=+1, confirmed_at=utcnow()
    ):
        return True
    if signature.status == SignatureStatus.CONFIRMED:
        return False
    raise SigningError(f"a {signature.status} signature cannot be confirmed")


def withdraw(signature):
    """Take a signature back: it leaves the count, and the links already sent stop working."""
    if signature.status == SignatureStatus.WITHDRAWN:
        return False
    if signature.status == SignatureStatus.INVALIDATED:
        raise SigningError("an invalidated signature cannot be withdrawn")
    return move(
        signature,
        SignatureStatus.WITHDRAWN,
        "withdrawn",
        count_delta=-1 if signature.status == SignatureStatus.CONFIRMED else 0,
        withdrawn_at=utcnow(),
        wants_updates=False,
        token_nonce=new_token_nonce(),
    )


def unsubscribe(signature):
    """Stop updates by email; the signature itself stays."""
    if not signature.wants_updates:
        return False
    signature.wants_updates = False
    record(signature, "unsubscribed")
    db.session.commit()
    return True
