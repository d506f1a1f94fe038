"""An organisation's contact asks for its figures link again, from its share page.

``receive`` is all that the web request does: one insert of the slug and the address given,
whether or not that address is the contact's, so that the answer and its time are the same in
every case. ``take_in`` runs in the senders before they drain the outbox (as the sign forms'
intake does): it takes each ask, and only when the address is the contact's of a request that
brought that organisation onto the list does it queue the ``figures_link`` email, to the address
the request holds, at most ``ENDORSEMENT_EMAILS_PER_DAY`` a day. The ask is deleted in the same
transaction; an address that matched nothing is forgotten at once.
"""

import logging

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError

from petition.endorsements.emails import over_the_days_cap, queue_request_email, sent_or_waiting
from petition.endorsements.models import Endorsement
from petition.endorsements.request_models import EndorsementRequest, ReceivedFiguresAsk, RequestStatus
from petition.extensions import db
from petition.mail.outbox import add_intake
from petition.mail.wake import wake_after_commit
from petition.signing.canonical import canonical_email
from petition.timeutil import utcnow

log = logging.getLogger(__name__)

ASKS = ReceivedFiguresAsk.__table__
RECEIVE = ASKS.insert()


def receive(slug, address, lang):
    """Keep the ask for the sender, in one statement and its commit."""
    db.session.execute(RECEIVE, {"slug": slug, "address": address, "lang": lang, "received_at": utcnow()})
    wake_after_commit(db.session)
    db.session.commit()


def claim_one():
    """Delete the oldest ask and return it, in the session's open transaction (on PostgreSQL,
    skipping those another sender holds; a rollback puts it back)."""
    oldest = select(ASKS.c.id).order_by(ASKS.c.id).limit(1).with_for_update(skip_locked=True).scalar_subquery()
    return db.session.execute(delete(ASKS).where(ASKS.c.id == oldest).returning(*ASKS.c)).first()


def contact_requests(slug):
    """The approved requests that brought the organisation of ``slug`` onto the list."""
    return db.session.execute(
        db.select(EndorsementRequest)
        .join(Endorsement, Endorsement.id == EndorsementRequest.endorsement_id)
        .where(Endorsement.slug == slug, EndorsementRequest.status == RequestStatus.APPROVED)
    ).scalars()


def answer(ask):
    """Queue the figures link if ``ask`` gave the contact's address; returns True when it did."""
    canonical = canonical_email(ask.address)
    for request in contact_requests(ask.slug):
        if request.contact_email_canonical == canonical:
            if over_the_days_cap(sent_or_waiting(canonical, "figures_link")):
                return False
            queue_request_email(request, "figures_link", lang=ask.lang)
            return True
    return False


def take_in(limit=None):
    """Answer up to ``limit`` asks, oldest first, each in its own transaction; returns how many."""
    limit = limit or current_app.config["MAIL_BATCH_SIZE"]
    taken = 0
    while taken < limit:
        ask = claim_one()
        if ask is None:
            db.session.rollback()
            break
        try:
            answer(ask)
            db.session.commit()
        except OperationalError as error:
            # The database went away, or SQLite's lock stayed taken: the ask waits for the next round.
            db.session.rollback()
            log.warning("figures asks wait for the next round: %s", error)
            break
        except Exception:  # one bad ask must not hold up the others, nor come back forever
            db.session.rollback()
            log.exception("a figures ask could not be answered; it is dropped")
            db.session.execute(delete(ASKS).where(ASKS.c.id == ask.id))
            db.session.commit()
        taken += 1
    return taken


def init_app(app):
    add_intake(app, take_in)
