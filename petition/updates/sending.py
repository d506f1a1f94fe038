"""Sending an update: its recipients fixed at once, then handed to the outbox at a steady rate.

Starting fixes the list (one ``update_recipient`` row per signer, whose primary key keeps anyone
from getting an update twice). From then on the outbox's senders, before each batch, hand over
as many recipients as ``UPDATES_PER_MINUTE`` allows since the last hand-over (``hand_over``, an
intake of the outbox): each becomes one queued message, in the transaction that marks it handed
over. The rate is kept however many senders run, since a hand-over first moves the update's
``turn`` on with a conditional update, which only one of them wins; and the outbox is never
filled with a whole update at once, so a new signer's confirmation waits behind a few seconds of
it at most. Nothing lives in a process: a sender that dies mid-send leaves the update as the
database says, and any sender carries on.
"""

import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import Integer, bindparam, func, insert, literal, select, update

from petition.extensions import db
from petition.mail.models import OutboxMessage, OutboxStatus
from petition.mail.outbox import add_intake
from petition.mail.queue import drop_unsent, queued_values
from petition.signing.models import Signature
from petition.timeutil import as_utc, utcnow
from petition.updates.audience import audience, wants_updates
from petition.updates.models import WAITING, CampaignUpdate, UpdateRecipient, UpdateStatus

KIND = "update"
RECIPIENTS = UpdateRecipient.__table__
OUTBOX = OutboxMessage.__table__


class SendingError(Exception):
    """The update cannot be sent, cancelled or changed as asked; the message says why."""


def missing_sender_identification():
    """The settings Canada's anti-spam law asks of a sender that are empty (``CAMPAIGN_NAME``,
    ``CAMPAIGN_POSTAL_ADDRESS``): every update must name who sends it and where to reach them."""
    config = current_app.config
    return [name for name in ("CAMPAIGN_NAME", "CAMPAIGN_POSTAL_ADDRESS") if not (config.get(name) or "").strip()]


def start_sending(campaign_update):
    """Fix the update's recipients and start handing them over; returns the counts by language."""
    missing = missing_sender_identification()
    if missing:
        raise SendingError(f"set {' and '.join(missing)} before sending an update")
    if campaign_update.status != UpdateStatus.DRAFT:
        raise SendingError(f"update {campaign_update.id} is {campaign_update.status}, not a draft")
    now = utcnow()
    started = db.session.execute(
        update(CampaignUpdate)
        .where(CampaignUpdate.id == campaign_update.id, CampaignUpdate.status == UpdateStatus.DRAFT)
        .values(status=UpdateStatus.SENDING, sending_started_at=now, fed_until=now - timedelta(seconds=1), turn=0)
    )
    if started.rowcount != 1:
        db.session.rollback()
        raise SendingError(f"update {campaign_update.id} is being sent already")
    db.session.execute(
        insert(UpdateRecipient).from_select(
            ["update_id", "signature_id", "lang"],
            select(literal(campaign_update.id, Integer), Signature.id, Signature.lang).where(
                audience(campaign_update.provinces)
            ),
        )
    )
    counts = dict(
        db.session.execute(
            select(UpdateRecipient.lang, func.count())
            .where(UpdateRecipient.update_id == campaign_update.id)
            .group_by(UpdateRecipient.lang)
        ).all()
    )
    campaign_update.recipients_en = counts.get("en", 0)
    campaign_update.recipients_fr = counts.get("fr", 0)
    db.session.commit()
    return {"en": campaign_update.recipients_en, "fr": campaign_update.recipients_fr}


def per_turn_most(rate):
    """At most two seconds of the rate per hand-over, and at least one batch of the senders: after
    the senders were all stopped, the update carries on at its rate rather than in one burst."""
    return max(current_app.config["MAIL_BATCH_SIZE"], math.ceil(rate / 30))


def hand_over():
    """Hand the recipients that the rate allows to the outbox, for every update being sent;
    returns how many messages were queued. The outbox's senders call it before each batch."""
    sending = db.session.execute(
        select(CampaignUpdate.id, CampaignUpdate.turn, CampaignUpdate.fed_until).where(
            CampaignUpdate.status == UpdateStatus.SENDING
        )
    ).all()
    db.session.rollback()
    return sum(hand_over_turn(*row) for row in sending)


def hand_over_turn(update_id, turn, fed_until):
    """One hand-over for one update, if the rate allows one and no other sender took this turn."""
    rate = current_app.config["UPDATES_PER_MINUTE"]
    now = utcnow()
    interval = 60.0 / rate
    allowed = int((now - as_utc(fed_until)).total_seconds() / interval)
    if allowed < 1:
        return 0
    most = per_turn_most(rate)
    # Past the most, what the rate would allow is let go rather than saved up for a burst.
    clock = now if allowed > most else as_utc(fed_until) + timedelta(seconds=allowed * interval)
    taken = db.session.execute(
        update(CampaignUpdate)
        .where(
            CampaignUpdate.id == update_id, CampaignUpdate.turn == turn, CampaignUpdate.status == UpdateStatus.SENDING
        )
        .values(turn=turn + 1, fed_until=clock)
    )
    if taken.rowcount != 1:
        db.session.rollback()  # another sender took this turn
        return 0
    queued = queue_next(update_id, min(allowed, most), now)
    db.session.commit()
    return queued


def queue_next(update_id, limit, now):
    """Queue the messages of the next ``limit`` waiting recipients of the update, in the caller's
    transaction; those who stopped wanting updates meanwhile are skipped. When none are left
    waiting, the update is sent."""
    waiting = db.session.execute(
        select(RECIPIENTS.c.signature_id, Signature.email, Signature.lang, wants_updates().label("wanted"))
        .join(Signature, Signature.id == RECIPIENTS.c.signature_id)
        .where(RECIPIENTS.c.update_id == update_id, WAITING)
        .order_by(RECIPIENTS.c.signature_id)
        .limit(limit)
    ).all()
    wanted = [row for row in waiting if row.wanted]
    skipped = [row.signature_id for row in waiting if not row.wanted]
    if wanted:
        messages = [
            queued_values(
                KIND,
                row.email,
                row.lang,
                {"update_id": update_id, "signature_id": row.signature_id},
                signature_id=row.signature_id,
            )
            for row in wanted
        ]
        ids = db.session.execute(insert(OUTBOX).returning(OUTBOX.c.id, sort_by_parameter_order=True), messages)
        db.session.execute(
            update(RECIPIENTS)
            .where(RECIPIENTS.c.update_id == update_id, RECIPIENTS.c.signature_id == bindparam("recipient"))
            .values(queued_at=now, message_id=bindparam("message")),
            [
                {"recipient": row.signature_id, "message": message_id}
                for row, message_id in zip(wanted, ids.scalars(), strict=True)
            ],
        )
    if skipped:
        db.session.execute(
            update(RECIPIENTS)
            .where(RECIPIENTS.c.update_id == update_id, RECIPIENTS.c.signature_id.in_(skipped))
            .values(skipped=True)
        )
    if len(waiting) < limit:
        db.session.execute(
            update(CampaignUpdate)
            .where(CampaignUpdate.id == update_id, CampaignUpdate.status == UpdateStatus.SENDING)
            .values(status=UpdateStatus.SENT, finished_at=now)
        )
    return len(wanted)


def unsent(update_id):
    """How many of the update's messages wait in the outbox or are being sent."""
    return db.session.execute(
        select(func.count())
        .select_from(RECIPIENTS)
        .join(OUTBOX, OUTBOX.c.id == RECIPIENTS.c.message_id)
        .where(RECIPIENTS.c.update_id == update_id, OUTBOX.c.status.in_([OutboxStatus.QUEUED, OutboxStatus.SENDING]))
    ).scalar_one()


def cancellable(campaign_update):
    """A draft, an update being handed over, or one handed over whose messages have not all left."""
    if campaign_update.status == UpdateStatus.SENT:
        return unsent(campaign_update.id) > 0
    return campaign_update.status in (UpdateStatus.DRAFT, UpdateStatus.SENDING)


def cancel(campaign_update):
    """Stop the update: nothing more is handed over, and what waits in the outbox is dropped.
    Returns how many queued messages were dropped."""
    if campaign_update.status == UpdateStatus.CANCELLED:
        raise SendingError(f"update {campaign_update.id} is cancelled already")
    if not cancellable(campaign_update):
        raise SendingError(f"update {campaign_update.id} has gone out in full: there is nothing left to cancel")
    campaign_update.status = UpdateStatus.CANCELLED
    campaign_update.cancelled_at = utcnow()
    dropped = drop_unsent(
        select(RECIPIENTS.c.message_id).where(
            RECIPIENTS.c.update_id == campaign_update.id, RECIPIENTS.c.message_id.is_not(None)
        ),
        "the update was cancelled",
    )
    db.session.commit()
    return dropped


def init_app(app):
    add_intake(app, hand_over)
