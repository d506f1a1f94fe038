"""Closing the letter, reopening it, and recording its delivery and the government's response.

Callable from the administration's page, the ``campaign`` commands and tests alike; each change
commits with its audit entry, and is seen by this process at once (``state.forget``) and by the
others within ``COUNT_CACHE_SECONDS``.
"""

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from petition.audit import record_audit
from petition.campaign import state
from petition.campaign.models import CAMPAIGN_ID, Campaign
from petition.extensions import db
from petition.timeutil import as_utc

# What the administration's forms and the commands accept, as the columns hold it.
RECIPIENT_MAX = 200
DELIVERY_TEXT_MAX = 2000
RESPONSE_TEXT_MAX = 10000
LINK_MAX = 500
# A closing time is in these years: anything else is a typing slip (and year 9999 in a zone behind
# UTC would not even convert).
FIRST_YEAR, LAST_YEAR = 2000, 2999


class CampaignError(ValueError):
    """A change that cannot be made as asked; the message says why, for a person to read."""


def insert_ignoring_conflict(model, values, key):
    """An INSERT that does nothing when a row with the same ``key`` exists (or is being inserted
    by another transaction, which it waits for): PostgreSQL and SQLite spell it alike."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(values).on_conflict_do_nothing(index_elements=[key])
    return db.session.execute(statement)


def campaign_row():
    """The campaign's row, made on first use and locked for this transaction's change."""
    insert_ignoring_conflict(Campaign, {"id": CAMPAIGN_ID}, "id")
    locked = db.select(Campaign).where(Campaign.id == CAMPAIGN_ID).with_for_update()
    return db.session.execute(locked.execution_options(populate_existing=True)).scalar_one()


def parse_moment(text, zone=None):
    """An ISO-8601 time (``2026-03-01T17:00``, ``2026-03-01 17:00-05:00``, ``…Z``) as an aware UTC
    datetime; one without an offset is read in ``CAMPAIGN_TIMEZONE``."""
    try:
        moment = datetime.fromisoformat(str(text).strip())
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise ValueError(moment.year)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone or current_app.config["CAMPAIGN_ZONE"])
        return moment.astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise CampaignError(
            _(
                "%(value)s is not a time in ISO-8601 form, such as 2026-03-01T17:00 or 2026-03-01T17:00-05:00.",
                value=repr(str(text)[:40]),
            )
        ) from error


def close(at=None):
    """Close the letter now, or at ``at`` (an aware datetime, in the future); returns the closing time.

    Closing a letter already closed is refused: its closing time is what the page, the count and
    the grace period of confirmations go by, so it is changed only by reopening first.
    """
    now = state.now()
    row = campaign_row()
    current = state.CampaignState(closes_at=as_utc(row.closes_at))
    if current.closed_at(now) is not None:
        db.session.rollback()
        raise CampaignError(_("The letter is already closed; reopen it first to close it at another time."))
    if at is not None and at <= now:
        db.session.rollback()
        raise CampaignError(_("The closing time has passed; leave it out to close the letter now."))
    closes_at = row.closes_at = at or now
    action = "campaign close scheduled" if at is not None else "campaign closed"
    record_audit(action, {"closes_at": closes_at.isoformat()}, commit=False)
    db.session.commit()
    state.forget()
    return closes_at


def reopen():
    """Open the letter again, or cancel a scheduled close; False when it was open with none."""
    row = campaign_row()
    if row.closes_at is None:
        db.session.rollback()
        return False
    was = as_utc(row.closes_at)
    row.closes_at = None
    record_audit("campaign reopened", {"closed_at": was.isoformat()}, commit=False)
    db.session.commit()
    state.forget()
    return True


def checked_text(value, label, maximum, required=True):
    text = (value or "").strip()
    if required and not text:
        raise CampaignError(_("%(field)s is needed.", field=label))
    if len(text) > maximum:
        raise CampaignError(_("%(field)s is longer than %(maximum)s characters.", field=label, maximum=maximum))
    return text or None


def checked_link(value, label):
    """An http(s) link with a host, or None; anything else (``javascript:``, ``data:``) is refused."""
    link = checked_text(value, label, LINK_MAX, required=False)
    if link is None:
        return None
    parts = urlsplit(link)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in link):
        raise CampaignError(_("%(field)s must be a web address beginning with https:// or http://.", field=label))
    return link


def record_delivery(on, to_en, to_fr, text_en, text_fr, link=None):
    """Record (or correct) when the letter was delivered and to whom, with its texts and link."""
    if on is None:
        raise CampaignError(_("The date of delivery is needed."))
    values = {
        "delivered_on": on,
        "delivered_to_en": checked_text(to_en, _("To whom it was delivered, in English"), RECIPIENT_MAX),
        "delivered_to_fr": checked_text(to_fr, _("To whom it was delivered, in French"), RECIPIENT_MAX),
        "delivery_text_en": checked_text(text_en, _("The English text"), DELIVERY_TEXT_MAX),
        "delivery_text_fr": checked_text(text_fr, _("The French text"), DELIVERY_TEXT_MAX),
        "delivery_link": checked_link(link, _("The link")),
    }
    return save("delivery recorded", values)


def record_response(on, text_en, text_fr, link=None):
    """Record (or correct) the government's response: its date, its texts and its source."""
    if on is None:
        raise CampaignError(_("The date of the response is needed."))
    values = {
        "response_on": on,
        "response_text_en": checked_text(text_en, _("The English text"), RESPONSE_TEXT_MAX),
        "response_text_fr": checked_text(text_fr, _("The French text"), RESPONSE_TEXT_MAX),
        "response_link": checked_link(link, _("The source link")),
    }
    return save("response recorded", values)


def save(action, values):
    row = campaign_row()
    for name, value in values.items():
        setattr(row, name, value)
    record_audit(action, values, commit=False)
    db.session.commit()
    state.forget()
    return state.read()
