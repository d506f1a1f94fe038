"""Where a signature came from: an organisation's share link, or an administrator's ``?ref=`` code.

The origin is kept in the visitor's session from the page they arrived on until they sign, and
stored with the signature as ``org:<slug>`` or ``ref:<code>``.
"""

import re
from dataclasses import dataclass

from flask import request, session, url_for

from petition.endorsements.listing import all_entries
from petition.extensions import db
from petition.links import public_url
from petition.sharing.models import ShareLink

ORGANISATION = "org:"
CODE = "ref:"
SESSION_KEY = "share_ref"
# Images and files carry ``?ref=`` too, but fetching one is not someone visiting the letter.
NOT_A_VISIT = {"static", "sharing.letter_qr", "sharing.organisation_qr", "embed.counter"}
# Codes an administrator can create: what fits in a URL and reads well on a poster.
REF_CODE = re.compile(r"[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]")


def organisation(slug):
    """The endorsing organisation with this slug (from the cached list), or None."""
    for entry in all_entries():
        if entry.slug == slug:
            return entry
    return None


def share_link(code):
    """The administrator's share link with this code, or None (also for malformed codes)."""
    if not isinstance(code, str) or not REF_CODE.fullmatch(code):
        return None
    return db.session.execute(db.select(ShareLink).where(ShareLink.code == code)).scalar_one_or_none()


def remember_organisation(slug):
    session[SESSION_KEY] = ORGANISATION + slug


def remember_ref_code():
    """A ``?ref=`` on any page marks the visit; unknown codes are ignored, never an error."""
    code = request.args.get("ref")
    if code is None or request.method != "GET" or request.endpoint in NOT_A_VISIT:
        return
    link = share_link(code.strip().lower())
    if link is not None:
        session[SESSION_KEY] = CODE + link.code


def current_ref():
    return session.get(SESSION_KEY)


@dataclass(frozen=True)
class ShareTarget:
    """What the share tools pass on: the link, its QR codes, and the organisation it credits."""

    url: str
    qr_endpoint: str
    qr_values: dict
    organisation: object = None

    def qr(self, kind, download=False):
        """The path of the link's QR code as ``svg`` or ``png``, to show or to download."""
        extra = {"download": 1} if download else {}
        return url_for(self.qr_endpoint, kind=kind, **self.qr_values, **extra)


def share_target(lang, ref=None):
    """The link to pass on: an organisation's own link, a ``?ref=`` link, or the letter's."""
    entry = organisation(ref.removeprefix(ORGANISATION)) if ref and ref.startswith(ORGANISATION) else None
    if entry is not None:
        values = {"lang": lang, "slug": entry.slug}
        return ShareTarget(public_url("sharing.organisation", **values), "sharing.organisation_qr", values, entry)
    values = {"lang": lang, "ref": ref.removeprefix(CODE)} if ref and ref.startswith(CODE) else {"lang": lang}
    return ShareTarget(public_url("letter.show", **values), "sharing.letter_qr", values)


def share_url(lang, ref=None):
    return share_target(lang, ref).url


def init_app(app):
    app.before_request(remember_ref_code)
