"""An organisation's own figures, read at a private link that an administrator issues.

The link carries a token signed with its own salt and bound to the organisation's slug, so it
opens that organisation's figures and no other's.
"""

from collections import Counter
from dataclasses import dataclass

from flask import current_app

from petition.links import public_url
from petition.sharing.refs import ORGANISATION
from petition.signing import tallies
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


def organisation_figures(slug):
    """Confirmed signatures that came through the organisation's link, in total and per day.

    Read from the running tallies of its share reference per hour: at most a row per hour and
    shard, however many signatures the organisation has gathered. The total is the sum of the
    hours: one query, and the figure and the table always agree.
    """
    zone = current_app.config["CAMPAIGN_ZONE"]
    days = Counter()
    for hour_key, count in tallies.ref_hours(ORGANISATION + slug).items():
        days[tallies.local_day(hour_key, zone)] += count
    return Figures(total=sum(days.values()), days=sorted(days.items()))
