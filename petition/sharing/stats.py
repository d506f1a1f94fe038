"""An organisation's own figures, read at a private link that an administrator issues.

The link carries a token signed with its own salt and bound to the organisation's slug, so it
opens that organisation's figures and no other's.
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func

from petition.extensions import db
from petition.links import public_url
from petition.sharing.refs import ORGANISATION
from petition.signing.models import Signature, SignatureStatus
from petition.timeutil import as_utc
from petition.tokens import InvalidToken, make_token, read_token

STATS_SALT = "organisation-stats"


def stats_token(slug):
    return make_token(STATS_SALT, {"o": slug})


def stats_url(slug, lang):
    """The private link to an organisation's figures, to be sent to the organisation."""
    return public_url("sharing.organisation_stats", lang=lang, slug=slug, token=stats_token(slug))


def token_opens(token, slug):
    """True when ``token`` was issued for this organisation."""
    try:
        payload = read_token(STATS_SALT, token)
    except InvalidToken:
        return False
    return isinstance(payload, dict) and payload.get("o") == slug


@dataclass(frozen=True)
class Figures:
    total: int
    days: list  # [(date, count)], oldest first, days with none left out


def hour_bucket(column):
    """The UTC hour of a timestamp as text; hours convert to any time zone's days exactly."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24')
    return func.strftime("%Y-%m-%dT%H", column)


def local_day(hour_text, zone):
    moment = as_utc(datetime.strptime(hour_text, "%Y-%m-%dT%H"))
    return moment.astimezone(zone).date()


def organisation_figures(slug):
    """Confirmed signatures that came through the organisation's link, in total and per day."""
    zone = ZoneInfo(current_app.config.get("CAMPAIGN_TIMEZONE", "America/Toronto"))
    hour = hour_bucket(Signature.confirmed_at)
    rows = db.session.execute(
        db.select(hour, func.count())
        .where(Signature.share_ref == ORGANISATION + slug, Signature.status == SignatureStatus.CONFIRMED)
        .group_by(hour)
    ).all()
    days: dict[date, int] = {}
    for hour_text, count in rows:
        day = local_day(hour_text, zone)
        days[day] = days.get(day, 0) + count
    return Figures(total=sum(days.values()), days=sorted(days.items()))
