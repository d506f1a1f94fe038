"""An organisation asks to endorse and its contact confirms their address, without HTTP; the purge
of the requests never confirmed, and the erasure of the contacts when the campaign closes.

``submit`` is all that ``POST /<lang>/endorse`` does with a valid form: a new request and its
confirmation email, the same two inserts whatever the name or the address asked before, so that
neither the answer nor its time tells a stranger anything. Where the history matters (no more than
``ENDORSEMENT_EMAILS_PER_DAY`` confirmations to one address in a day) the email's renderer decides,
in the sender (emails.py). Until the contact confirms, administrators do not see the request.
"""

from dataclasses import dataclass

from sqlalchemy import delete, exists, update
from sqlalchemy.orm import aliased

from petition.endorsements.emails import queue_request_email
from petition.endorsements.request_models import EndorsementRequest, ReceivedFiguresAsk, RequestStatus
from petition.extensions import db
from petition.mail.models import OutboxMessage, OutboxStatus
from petition.signing.canonical import canonical_email
from petition.timeutil import utcnow


@dataclass(frozen=True)
class Asked:
    """What the form sends: the organisation, and who speaks for it."""

    name: str
    website: str | None
    province: str | None
    contact_name: str
    contact_email: str
    lang: str


def submit(asked):
    """Record a new request and queue its confirmation email, in one transaction; returns its id."""
    now = utcnow()
    request = EndorsementRequest(
        status=RequestStatus.UNCONFIRMED,
        name=asked.name,
        website=asked.website or None,
        province=asked.province or None,
        contact_name=asked.contact_name,
        contact_email=asked.contact_email,
        contact_email_canonical=canonical_email(asked.contact_email),
        lang=asked.lang,
        created_at=now,
        emailed_at=now,
    )
    db.session.add(request)
    db.session.flush()  # its id, which the email names
    queue_request_email(request, "endorsement_confirm")
    db.session.commit()
    return request.id


def confirm(request):
    """The contact confirmed their address: the request goes to the administrators. True when this
    call confirmed it; confirming twice is harmless (False)."""
    done = db.session.execute(
        update(EndorsementRequest)
        .where(EndorsementRequest.id == request.id, EndorsementRequest.status == RequestStatus.UNCONFIRMED)
        .values(status=RequestStatus.CONFIRMED, confirmed_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    db.session.refresh(request)
    return done == 1


def resend_confirmation(request):
    """A new confirmation email for the contact of an expired link, while still unconfirmed."""
    if request.status != RequestStatus.UNCONFIRMED:
        return False
    request.emailed_at = utcnow()
    queue_request_email(request, "endorsement_confirm")
    db.session.commit()
    return True


def being_sent(now):
    """An email of the request's is in a sender's hands right now: the next purge takes it."""
    message = aliased(OutboxMessage)
    return exists().where(
        message.endorsement_request_id == EndorsementRequest.id,
        message.status == OutboxStatus.SENDING,
        message.lease_until >= now,
    )


def purge_unconfirmed(cutoff):
    """Delete the requests still unconfirmed with no email asked for since ``cutoff``, with their
    emails in the outbox (which hold the address), and the figures asks older than it (a sender
    takes those within seconds: these are ones no sender ran for). Returns how many requests went.

    The signatures' purge calls this (signing/lifecycle.py), so that one command and one timer keep
    both; requests are few, so one transaction does it.
    """
    conditions = (
        EndorsementRequest.status == RequestStatus.UNCONFIRMED,
        EndorsementRequest.emailed_at < cutoff,
        ~being_sent(utcnow()),
    )
    doomed = db.select(EndorsementRequest.id).where(*conditions)
    db.session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.endorsement_request_id.in_(doomed))
        .execution_options(synchronize_session=False)
    )
    removed = db.session.execute(
        delete(EndorsementRequest).where(*conditions).execution_options(synchronize_session=False)
    ).rowcount
    db.session.execute(
        delete(ReceivedFiguresAsk)
        .where(ReceivedFiguresAsk.received_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return removed


def count_unconfirmed(cutoff):
    """How many requests a purge with ``cutoff`` would delete now."""
    return db.session.execute(
        db.select(db.func.count())
        .select_from(EndorsementRequest)
        .where(EndorsementRequest.status == RequestStatus.UNCONFIRMED, EndorsementRequest.emailed_at < cutoff)
    ).scalar_one()


def anonymise_requests():
    """For when the campaign has closed (signing/anonymising.py): the requests not decided go, and
    the decided ones lose their contact's name and address; the organisations stay on the list.
    Returns how many requests were deleted and how many erased."""
    undecided = EndorsementRequest.status.in_((RequestStatus.UNCONFIRMED, RequestStatus.CONFIRMED))
    db.session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.endorsement_request_id.in_(db.select(EndorsementRequest.id).where(undecided)))
        .execution_options(synchronize_session=False)
    )
    deleted = db.session.execute(
        delete(EndorsementRequest).where(undecided).execution_options(synchronize_session=False)
    ).rowcount
    placeholder = "anonymised-request-" + db.func.cast(EndorsementRequest.id, db.String) + "@invalid"
    erased = db.session.execute(
        update(EndorsementRequest)
        .where(EndorsementRequest.contact_name != "")
        .values(contact_name="", contact_email=placeholder, contact_email_canonical=placeholder)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.execute(delete(ReceivedFiguresAsk).execution_options(synchronize_session=False))
    db.session.commit()
    return deleted, erased
