"""Sources (hashed IPs) and email domains that sign at unusual rates: many signatures in the last hour.

The query reads the last hour through the index on ``created_at``, so it costs what that hour
holds, not what the campaign holds. The big mail providers are left out of the domains: many
people share them.
"""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func

from petition.extensions import db
from petition.signing.models import Signature
from petition.timeutil import utcnow

WINDOW = timedelta(hours=1)
SHOWN = 50
# The most recent signatures looked at, so that even a viral hour costs a bounded time.
MAX_RECENT = 100_000


@dataclass(frozen=True)
class Trend:
    value: str
    count: int


def busiest(column, threshold, since, excluded=()):
    """Values of ``column`` with at least ``threshold`` signatures since ``since``, most first.

    The recent rows are read first, through the index on ``created_at``, at most ``MAX_RECENT``
    of them; the limit also keeps SQLite from walking the whole index of ``column`` instead.
    """
    recent = (
        db.select(column.label("value"))
        .where(Signature.created_at >= since)
        .order_by(Signature.created_at.desc())
        .limit(MAX_RECENT)
        .subquery()
    )
    count = func.count()
    query = (
        db.select(recent.c.value, count)
        .where(recent.c.value.is_not(None), recent.c.value != "")
        .group_by(recent.c.value)
        .having(count >= threshold)
        .order_by(count.desc(), recent.c.value)
        .limit(SHOWN)
    )
    if excluded:
        query = query.where(recent.c.value.not_in(list(excluded)))
    return [Trend(value, n) for value, n in db.session.execute(query)]


def trending(now=None):
    """(IPs, domains) with at least their threshold of signatures in the last hour, most first."""
    config = current_app.config
    since = (now or utcnow()) - WINDOW
    ips = busiest(Signature.ip_hash, config["ADMIN_TRENDING_IP_THRESHOLD"], since)
    domains = busiest(
        Signature.email_domain,
        config["ADMIN_TRENDING_DOMAIN_THRESHOLD"],
        since,
        excluded=config["ADMIN_TRENDING_COMMON_DOMAINS"],
    )
    return ips, domains
