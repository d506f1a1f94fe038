"""The campaign's state as pages read it: through a short process-local cache.

The letter page, the sign form, the counters and ``/api/count`` read it on every request, while
it changes a few times in a campaign. A cache of ``COUNT_CACHE_SECONDS`` keeps it out of the
database's hot path, and a change made by another process (an administrator, a command) shows
everywhere within those seconds, as a new signature does. What is cached is the row, not whether
the letter is closed: a close scheduled for later takes effect at its time, in every process.

These plain functions (``closing``, ``closed_at``, ``is_closed``, ``delivery``, ``response``,
``milestones``) are also what other features call, for instance to announce the delivery.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app

from petition.cache import Expiring
from petition.campaign.models import CAMPAIGN_ID, Campaign, Milestone
from petition.extensions import db
from petition.timeutil import as_utc, utcnow


@dataclass(frozen=True)
class Delivery:
    """When the letter was delivered, to whom, what the campaign says of it, and a link."""

    on: date
    to_en: str
    to_fr: str
    text_en: str
    text_fr: str
    link: str | None

    def text(self, lang):
        return self.text_fr if lang == "fr" else self.text_en

    def to(self, lang):
        return self.to_fr if lang == "fr" else self.to_en


@dataclass(frozen=True)
class Response:
    """The government's response: its date, its text in both languages, and its source."""

    on: date
    text_en: str
    text_fr: str
    link: str | None

    def text(self, lang):
        return self.text_fr if lang == "fr" else self.text_en


@dataclass(frozen=True)
class Reached:
    """A goal of ``SIGNATURE_GOALS`` and when the count first reached it."""

    goal: int
    reached_at: datetime


@dataclass(frozen=True)
class CampaignState:
    """Everything pages show of the campaign; hashable, so that it can be part of a cache key."""

    closes_at: datetime | None = None
    delivery: Delivery | None = None
    response: Response | None = None
    milestones: tuple = ()

    def closed_at(self, now):
        """The closing time once it has passed, else None (open, or a close still to come)."""
        return self.closes_at if self.closes_at is not None and self.closes_at <= now else None

    def confirmations_end(self, now):
        """Until when signers who signed before the close may confirm; None while open."""
        closed_at = self.closed_at(now)
        if closed_at is None:
            return None
        return closed_at + timedelta(hours=current_app.config["CAMPAIGN_CONFIRM_GRACE_HOURS"])

    def accepts_confirmations(self, now):
        end = self.confirmations_end(now)
        return end is None or now < end

    def reached_goals(self):
        return {milestone.goal for milestone in self.milestones}


_state = Expiring()


def now():
    """The campaign's clock: every decision here reads it, so that a test can set it."""
    return utcnow()


def read():
    """The state as the database holds it now, bypassing the cache."""
    row = db.session.get(Campaign, CAMPAIGN_ID, populate_existing=True)
    reached = db.session.execute(db.select(Milestone).order_by(Milestone.goal)).scalars()
    milestones = tuple(Reached(m.goal, as_utc(m.reached_at)) for m in reached)
    if row is None:
        return CampaignState(milestones=milestones)
    return CampaignState(
        closes_at=as_utc(row.closes_at),
        delivery=delivery_of(row),
        response=response_of(row),
        milestones=milestones,
    )


def delivery_of(row):
    if row.delivered_on is None:
        return None
    texts = (row.delivery_text_en or "", row.delivery_text_fr or "")
    recipients = (row.delivered_to_en or "", row.delivered_to_fr or "")
    return Delivery(row.delivered_on, *recipients, *texts, row.delivery_link)


def response_of(row):
    if row.response_on is None:
        return None
    return Response(row.response_on, row.response_text_en or "", row.response_text_fr or "", row.response_link)


def current():
    """The state, at most ``COUNT_CACHE_SECONDS`` old."""
    return _state.get(read, current_app.config["COUNT_CACHE_SECONDS"])


def forget():
    """The next read goes to the database (after a change made in this process)."""
    _state.forget()


def closing():
    """When the letter closes or closed (a scheduled close included), or None."""
    return current().closes_at


def closed_at():
    """When the letter closed, once it has; None while it is open."""
    return current().closed_at(now())


def is_closed():
    return closed_at() is not None


def accepts_confirmations():
    """Open, or closed less than ``CAMPAIGN_CONFIRM_GRACE_HOURS`` ago."""
    return current().accepts_confirmations(now())


def delivery():
    """The delivery (a ``Delivery``), or None before it is recorded."""
    return current().delivery


def response():
    """The government's response (a ``Response``), or None before it is recorded."""
    return current().response


def milestones():
    """The goals reached, smallest first, as ``Reached`` (goal, reached_at)."""
    return current().milestones
