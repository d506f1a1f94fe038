"""What other pages show of the signers: the newest few on the letter page, and how a signer's
place and time read ("Gatineau, Quebec · 2 minutes ago")."""

from flask import current_app, render_template
from flask_babel import format_timedelta

from petition.cache import Expiring
from petition.provinces import province_name
from petition.signers.queries import public_signers
from petition.timeutil import utcnow

_recent = {"en": Expiring(), "fr": Expiring()}


def describe(signer):
    """Where and when, as the list and the letter page show it: "Gatineau, Quebec · 2 minutes ago"."""
    place = ", ".join(part for part in (signer.city, province_name(signer.province)) if part)
    return place, format_timedelta(signer.confirmed_at - utcnow(), add_direction=True, threshold=1)


def recent_signers_fragment(lang):
    """The few newest public signers, for the letter page; rendered at most every second or two."""
    return _recent[lang].get(
        lambda: render_template(
            "signers/_recent.html",
            signers=public_signers(current_app.config["RECENT_SIGNERS_SHOWN"]),
            describe=describe,
        ),
        current_app.config["COUNT_CACHE_SECONDS"],
    )
