"""How pages write the campaign's dates: in the campaign's time zone, the page's way."""

from datetime import datetime

from babel.dates import format_date, format_skeleton
from flask import current_app
from flask_babel import get_locale
from markupsafe import Markup, escape

from petition.i18n import ordinal_first
from petition.timeutil import as_utc

FORMATS = ("short", "medium", "long", "full")


def campaign_day(value):
    """The day a stored time (UTC) falls on in ``CAMPAIGN_TIMEZONE``; a date stays as it is."""
    if isinstance(value, datetime):
        return as_utc(value).astimezone(current_app.config["CAMPAIGN_ZONE"]).date()
    return value


def campaign_date(value, format="long"):
    """March 3, 2026 / 3 mars 2026; a skeleton such as ``MMMMd`` gives March 3 / 3 mars."""
    if value is None:
        return ""
    day = campaign_day(value)
    locale = get_locale()
    if format in FORMATS:
        return ordinal_first(format_date(day, format, locale=locale), day, locale)
    return ordinal_first(format_skeleton(format, day, locale=locale), day, locale)


def paragraphs(text):
    """Plain text as paragraphs: a blank line between them, a line break kept; nothing is markup."""
    blocks = [block.strip() for block in (text or "").replace("\r\n", "\n").split("\n\n") if block.strip()]
    lines = (Markup("<br>").join(escape(line) for line in block.split("\n")) for block in blocks)
    return Markup("").join(Markup("<p>{}</p>").format(block) for block in lines)


def init_app(app):
    app.add_template_filter(campaign_date)
    app.add_template_filter(paragraphs)
