"""IPs and email domains that sign at unusual rates: many signatures in the last hour.

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


@dataclass(frozen=True)
class Trend:
    value: str
    count: int


def busiest(column, threshold, since, excluded=()):
    count = func.count()
    query = (
        db.select(column, count)
        .where(Signature.created_at >= since, column.is_not(None), column != "")
        .group_by(column)
        .having(count >= threshold)
        .order_by(count.desc(), column)
        .limit(SHOWN)
    )
    if excluded:
        query = query.where(column.not_in(list(excluded)))
    return [Trend(value, n) for value, n in db.session.execute(query)]


def trending(now=None):
    """(IPs, domains) with at least their threshold of signatures in the last hour, most first."""
    config = current_app.config
    since = (now or utcnow()) - WINDOW
    ips = busiest(Signature.ip, config["ADMIN_TRENDING_IP_THRESHOLD"], since)
    domains = busiest(
        Signature.email_domain,
        config["ADMIN_TRENDING_DOMAIN_THRESHOLD"],
        since,
        excluded=config["ADMIN_TRENDING_COMMON_DOMAINS"],
    )
    return ips, domains
