"""The dashboard's figures, read from the running tallies and the outbox, never by counting signatures.

Each figure costs a handful of rows whatever the number of signatures: the tallies hold a few
rows per status, hour, province and share reference, and the outbox is read through its index
on status.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func

from petition.endorsements.models import Endorsement
from petition.extensions import db
from petition.mail.models import OutboxMessage, OutboxStatus
from petition.provinces import PROVINCES
from petition.sharing.models import ShareLink
from petition.sharing.refs import CODE, ORGANISATION
from petition.signing import tallies
from petition.signing.models import SignatureStatus
from petition.timeutil import as_utc, utcnow


@dataclass(frozen=True)
class StatusFigures:
    confirmed: int
    pending: int
    withdrawn: int
    invalidated: int
    submitted: int
    ever_confirmed: int

    @property
    def confirmed_share(self):
        """The share of submissions that were confirmed (at least once), or None before any."""
        return self.ever_confirmed / self.submitted if self.submitted else None


@dataclass(frozen=True)
class Reference:
    ref: str
    kind: str  # "organisation", "code" or "other"
    name: str | None  # the organisation's name or the code's label, when it still exists
    count: int


@dataclass(frozen=True)
class OutboxHealth:
    queued: int
    sending: int
    failed: int
    oldest_waiting: datetime | None


def campaign_zone():
    return current_app.config["CAMPAIGN_ZONE"]


def status_figures():
    by_status = tallies.totals("status")
    return StatusFigures(
        confirmed=by_status.get(SignatureStatus.CONFIRMED.value, 0),
        pending=by_status.get(SignatureStatus.PENDING.value, 0),
        withdrawn=by_status.get(SignatureStatus.WITHDRAWN.value, 0),
        invalidated=by_status.get(SignatureStatus.INVALIDATED.value, 0),
        submitted=tallies.total("submitted"),
        ever_confirmed=tallies.total("ever_confirmed"),
    )


def confirmed_per_day(zone=None, today=None):
    """[(day, confirmed)] for every day of the campaign's time zone from the first confirmation to today.

    Counts the signatures confirmed now, by the day they were confirmed; days without any are 0.
    """
    zone = zone or campaign_zone()
    days = Counter()
    for hour_key, count in tallies.totals("hour").items():
        days[tallies.local_day(hour_key, zone)] += count
    days = Counter({day: n for day, n in days.items() if n})
    if not days:
        return []
    today = today or utcnow().astimezone(zone).date()
    first, last = min(days), max(max(days), today)
    return [(first + timedelta(days=n), days.get(first + timedelta(days=n), 0)) for n in range((last - first).days + 1)]


def by_province():
    """[(code, name, confirmed)], most first; names in the language of the request."""
    names = dict(PROVINCES)
    found = tallies.totals("province")
    return sorted(
        ((code, str(names.get(code, code)), n) for code, n in found.items()),
        key=lambda row: (-row[2], row[1]),
    )


def by_reference():
    """The confirmed signatures of each share reference, most first, with the name of who shared."""
    found = tallies.totals("ref")
    slugs = [ref.removeprefix(ORGANISATION) for ref in found if ref.startswith(ORGANISATION)]
    codes = [ref.removeprefix(CODE) for ref in found if ref.startswith(CODE)]
    organisations = dict(
        db.session.execute(db.select(Endorsement.slug, Endorsement.name).where(Endorsement.slug.in_(slugs))).all()
        if slugs
        else []
    )
    labels = dict(
        db.session.execute(db.select(ShareLink.code, ShareLink.label).where(ShareLink.code.in_(codes))).all()
        if codes
        else []
    )
    references = []
    for ref, n in found.items():
        if ref.startswith(ORGANISATION):
            references.append(Reference(ref, "organisation", organisations.get(ref.removeprefix(ORGANISATION)), n))
        elif ref.startswith(CODE):
            references.append(Reference(ref, "code", labels.get(ref.removeprefix(CODE)), n))
        else:
            references.append(Reference(ref, "other", None, n))
    return sorted(references, key=lambda r: (-r.count, r.ref))


def outbox_health():
    """Messages waiting, being sent and given up on, and since when the oldest has waited."""

    def count(status):
        return db.session.execute(
            db.select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == status)
        ).scalar_one()

    oldest = db.session.execute(
        db.select(func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status.in_([OutboxStatus.QUEUED, OutboxStatus.SENDING])
        )
    ).scalar_one()
    return OutboxHealth(
        queued=count(OutboxStatus.QUEUED),
        sending=count(OutboxStatus.SENDING),
        failed=count(OutboxStatus.FAILED),
        oldest_waiting=as_utc(oldest),
    )
