"""What happens to a signature, without HTTP: callable from routes, commands and tests.

Every change commits in one transaction with the outbox message it causes, so an email is
never promised without being recorded, nor recorded without the change it announces.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, update

from petition.audit import record_audit
from petition.campaign import milestones
from petition.campaign import state as campaign
from petition.counts import forget_counts, signature_count
from petition.extensions import db
from petition.mail.models import OutboxMessage
from petition.signing import insertion, tallies
from petition.signing.canonical import canonical_email
from petition.signing.emails import queue_signer_email
from petition.signing.models import (
    COUNT_SHARDS,
    EventKind,
    NameDisplay,
    Signature,
    SignatureCountShard,
    SignatureEvent,
    SignatureStatus,
    new_token_nonce,
)
from petition.timeutil import utcnow

SUBMIT_ATTEMPTS = 3


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
    ip_hash: str | None = None
    share_ref: str | None = None


class SigningError(Exception):
    """A signature cannot move to the state asked for."""


class LetterClosed(SigningError):
    """The letter has closed and its grace period for confirmations is over."""


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


def submission_values(submission):
    """The columns a submission sets on its signature, new or signed before."""
    wants_updates = submission.wants_updates
    return {
        "first_name": submission.first_name,
        "last_name": submission.last_name,
        "email": submission.email,
        "province": submission.province,
        "city": submission.city or None,
        "display": NameDisplay(submission.display),
        "lang": submission.lang,
        "ip_hash": submission.ip_hash,
        "wants_updates": wants_updates,
        "updates_consented_at": utcnow() if wants_updates else None,
        "consent_wording": submission.consent_wording if wants_updates else None,
    }


def apply_submission(signature, submission):
    for name, value in submission_values(submission).items():
        setattr(signature, name, value)
    if submission.share_ref and not signature.share_ref:
        signature.share_ref = submission.share_ref


def new_signature_values(submission, canonical):
    now = utcnow()
    return submission_values(submission) | {
        "email_canonical": canonical,
        "email_domain": canonical.rpartition("@")[2],
        "status": SignatureStatus.PENDING,
        "share_ref": submission.share_ref,
        "token_nonce": new_token_nonce(),
        "created_at": now,
        "updated_at": now,
    }


def insert_new_signature(submission, canonical):
    """The id of a new pending signature for ``submission``, or None if the address has signed."""
    return insertion.insert_pending(new_signature_values(submission, canonical))


def submit(submission):
    """Do what a sign form calls for, given the address's history, and commit it with its email.

    The sender calls this for each form it takes in (intake.py), so its cost, which depends on
    the history, is never part of the web request's time. Returns the signature's id.
    """
    canonical = canonical_email(submission.email)
    for _attempt in range(SUBMIT_ATTEMPTS):
        signature_id = insert_new_signature(submission, canonical)
        if signature_id is not None:
            db.session.commit()
            return signature_id
        signature = db.session.execute(
            db.select(Signature).where(Signature.email_canonical == canonical)
        ).scalar_one_or_none()
        if signature is not None:
            return submit_again(signature, submission).id
        # Signed before, and purged between the two statements: start again as new.
    raise SigningError("could not record the signature")


# What a signer chooses on the form, all of which confirming makes true.
CHOSEN = ("first_name", "last_name", "email", "province", "city", "display", "lang", "wants_updates")


def differs(signature, submission):
    """True when ``submission`` asks for anything other than what ``signature`` holds."""
    chosen = submission_values(submission)
    return any(getattr(signature, name) != chosen[name] for name in CHOSEN)


def submit_again(signature, submission):
    """The address has signed before: what to do depends on where that signature stands."""
    if signature.status == SignatureStatus.PENDING:
        resubmit_pending(signature, submission)
    elif signature.status == SignatureStatus.CONFIRMED:
        # Its details never change through the form: the owner confirmed them.
        record(signature, EventKind.SUBMITTED_AFTER_CONFIRMING)
        if may_email(signature):
            queue_signer_email(signature, "already_signed")
    elif signature.status == SignatureStatus.WITHDRAWN:
        before = tallies.facts(signature)
        apply_submission(signature, submission)
        signature.status = SignatureStatus.PENDING
        signature.withdrawn_at = None
        signature.token_nonce = new_token_nonce()
        tallies.record_change(before, tallies.facts(signature))
        record(signature, EventKind.SIGNED_AGAIN_AFTER_WITHDRAWING)
        if may_email(signature):
            queue_signer_email(signature, "confirm")
    else:
        # Invalidated by an administrator: nothing is sent, and the page looks the same.
        record(signature, EventKind.SUBMITTED_AFTER_INVALIDATION)
    db.session.commit()
    return signature


def resubmit_pending(signature, submission):
    """A pending address signed again. The same details: the link already sent still confirms
    them, and a new email carries it again. Other details (perhaps a stranger's): they replace
    the pending ones only with a new nonce, so a link already sent stops working, and only the
    newest email, which shows them, can confirm them. Past the day's cap of emails nothing changes,
    so the latest link keeps confirming what its email said."""
    if not may_email(signature):
        record(signature, EventKind.EMAIL_CAP_REACHED)
        return
    if differs(signature, submission):
        before = tallies.facts(signature)
        apply_submission(signature, submission)
        signature.token_nonce = new_token_nonce()
        tallies.record_change(before, tallies.facts(signature))
        record(signature, EventKind.SUBMITTED_WITH_OTHER_DETAILS)
    else:
        record(signature, EventKind.SUBMITTED_AGAIN)
    queue_signer_email(signature, "confirm")


def resend_confirmation(signature):
    """Queue a new confirmation email for a pending signature (its expired link asked for it)."""
    record(signature, EventKind.CONFIRMATION_RESENT)
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


def move(signature, to_status, event, count_delta=0, audit=None, **values):
    """Change a signature's status if nobody changed it meanwhile; True when this call did.

    The conditional update makes two requests racing on one signature change it once: the
    count moves once, one event is recorded. ``audit``, an (action, detail) pair, is written to
    the audit log in the same transaction.
    """
    result = db.session.execute(
        update(Signature)
        .where(
            Signature.id == signature.id,
            Signature.status == signature.status,
            # A new nonce means new details: what the caller read is not what it would change.
            Signature.token_nonce == signature.token_nonce,
        )
        .values(status=to_status, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        db.session.refresh(signature)
        return False
    near_a_goal = False
    if count_delta:
        change_count(count_delta)
        if count_delta > 0:
            # In the transaction that moves the count, so that confirmations racing across a goal
            # record it once (campaign/milestones.py).
            near_a_goal = milestones.record_reached(signature_count)
    tallies.record_move(signature, to_status, values)
    record(signature, event)
    if audit is not None:
        record_audit(*audit, commit=False)
    db.session.commit()
    if near_a_goal:
        milestones.check_after_commit(signature_count)
    db.session.refresh(signature)
    forget_counts()
    return True


def confirm(signature):
    """Count a pending signature. Confirming twice is harmless: returns False the second time."""
    if signature.status == SignatureStatus.PENDING and not campaign.accepts_confirmations():
        raise LetterClosed("the letter has closed and its grace period for confirmations is over")
    if signature.status == SignatureStatus.PENDING and move(
        signature, SignatureStatus.CONFIRMED, EventKind.CONFIRMED, count_delta=+1, confirmed_at=utcnow()
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
        EventKind.WITHDRAWN,
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
    record(signature, EventKind.UNSUBSCRIBED)
    db.session.commit()
    return True
