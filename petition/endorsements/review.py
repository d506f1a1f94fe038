"""Administrators review the confirmed requests to endorse, without HTTP: the admin page and the
``endorsements requests|approve|decline`` commands call these.

Each request waits beside the organisations whose names are close to its own (similar.py), and
the other requests waiting with a close name. Approving adds the organisation at the end of the
list, with a slug of its own, and queues its contact's email with the share link, the QR code and
the figures link; declining queues a short note. Either commits with its entry in the audit log
and the contact's email, and only if the request was still waiting: two administrators pressing
at once decide it once.
"""

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from petition.audit import record_audit
from petition.counts import forget_counts
from petition.endorsements.emails import queue_request_email
from petition.endorsements.listing import forget_entries
from petition.endorsements.manage import slug_from
from petition.endorsements.models import Endorsement
from petition.endorsements.request_models import EndorsementRequest, RequestStatus
from petition.endorsements.similar import NameIndex
from petition.extensions import db
from petition.signing.validation import clean_text, has_control_characters
from petition.timeutil import utcnow

LONGEST_NAME = 300
LONGEST_REASON = 1000
RECENT = 20


class ReviewError(ValueError):
    """The request cannot be decided so; ``code`` says why (the caller words it)."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Waiting:
    """A confirmed request, the organisations on the list close to it, and the other requests
    waiting with a close name (``similar.Close``, keyed by the endorsement's or request's id)."""

    request: EndorsementRequest
    close_organisations: list
    close_requests: list


def get(request_id):
    return db.session.get(EndorsementRequest, request_id)


def waiting():
    """The requests confirmed by their contact and not yet decided, oldest first."""
    return (
        db.session.execute(
            db.select(EndorsementRequest)
            .where(EndorsementRequest.status == RequestStatus.CONFIRMED)
            .order_by(EndorsementRequest.confirmed_at, EndorsementRequest.id)
        )
        .scalars()
        .all()
    )


def organisations_index():
    rows = db.session.execute(db.select(Endorsement.name, Endorsement.id))
    return NameIndex((name, ident) for name, ident in rows)


def waiting_with_close_names():
    """Every waiting request with the names close to it, oldest first."""
    requests = waiting()
    organisations = organisations_index()
    others = NameIndex((request.name, request.id) for request in requests)
    return [
        Waiting(request, organisations.close_to(request.name), others.close_to(request.name, leave_out=request.id))
        for request in requests
    ]


def recently_decided(limit=RECENT):
    """The requests decided lately, newest first, each with the name it is on the list under
    (None when declined, or removed from the list since)."""
    return db.session.execute(
        db.select(EndorsementRequest, Endorsement.name)
        .outerjoin(Endorsement, Endorsement.id == EndorsementRequest.endorsement_id)
        .where(EndorsementRequest.status.in_((RequestStatus.APPROVED, RequestStatus.DECLINED)))
        .order_by(EndorsementRequest.decided_at.desc(), EndorsementRequest.id.desc())
        .limit(limit)
    ).all()


def checked_name(name):
    name = clean_text(name)
    if not name:
        raise ReviewError("empty name")
    if len(name) > LONGEST_NAME:
        raise ReviewError("long name")
    if has_control_characters(name):
        raise ReviewError("control characters")
    return name


def free_slug(name, request_id):
    """A slug for the new organisation that no other has: its name's, else with -2, -3…"""
    base = slug_from(name)[:90].strip("-") or f"organisation-{request_id}"
    taken = set(
        db.session.execute(
            db.select(Endorsement.slug).where(db.or_(Endorsement.slug == base, Endorsement.slug.like(f"{base}-%")))
        ).scalars()
    )
    if base not in taken:
        return base
    return next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)


def decide(request, status, **values):
    """Move ``request`` from waiting to ``status`` if nobody did meanwhile; ReviewError otherwise."""
    done = db.session.execute(
        update(EndorsementRequest)
        .where(EndorsementRequest.id == request.id, EndorsementRequest.status == RequestStatus.CONFIRMED)
        .values(status=status, decided_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        db.session.rollback()
        raise ReviewError("decided already")


def approve(request, name=None):
    """Add the organisation to the list under ``name`` (the name asked for by default), and queue
    its contact's email; returns the new endorsement. Raises ReviewError."""
    name = checked_name(request.name if name is None else name)
    for _attempt in range(3):
        try:
            return add_approved(request, name)
        except IntegrityError:
            # Another organisation took the slug between the look and the insert: look again.
            db.session.rollback()
    raise ReviewError("slug taken")


def add_approved(request, name):
    last = db.session.execute(db.select(db.func.max(Endorsement.position))).scalar_one() or 0
    endorsement = Endorsement(name=name, slug=free_slug(name, request.id), position=last + 1, is_lead=False)
    db.session.add(endorsement)
    db.session.flush()
    entry = record_audit(
        "endorsement request approved",
        {
            "request": request.id,
            "asked_name": request.name,
            "name": endorsement.name,
            "slug": endorsement.slug,
            "endorsement": endorsement.id,
        },
        commit=False,
    )
    decide(request, RequestStatus.APPROVED, endorsement_id=endorsement.id, decided_by=entry.actor)
    queue_request_email(request, "endorsement_approved")
    db.session.commit()
    forget_entries()
    forget_counts()
    db.session.refresh(request)
    return endorsement


def decline(request, reason):
    """Decline with ``reason`` (for the audit log and the administrators; the contact receives a
    short, courteous note without it). Raises ReviewError."""
    reason = clean_text(reason)
    if not reason:
        raise ReviewError("empty reason")
    if len(reason) > LONGEST_REASON:
        raise ReviewError("long reason")
    entry = record_audit(
        "endorsement request declined", {"request": request.id, "name": request.name, "reason": reason}, commit=False
    )
    decide(request, RequestStatus.DECLINED, decline_reason=reason, decided_by=entry.actor)
    queue_request_email(request, "endorsement_declined")
    db.session.commit()
    db.session.refresh(request)
    return request
