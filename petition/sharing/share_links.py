"""The administrators' ``?ref=`` codes: creating them, and each one's link and figures."""

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from petition.audit import record_audit
from petition.extensions import db
from petition.links import public_url
from petition.sharing.models import ShareLink
from petition.sharing.refs import CODE
from petition.signing import tallies


class ShareLinkError(ValueError):
    """The code is already in use."""


@dataclass(frozen=True)
class ShareLinkFigures:
    link: ShareLink
    url_en: str
    url_fr: str
    confirmed: int


def create(code, label):
    """A new code, committed with its entry in the audit log; ShareLinkError if it is taken."""
    link = ShareLink(code=code, label=label)
    db.session.add(link)
    record_audit("share link created", {"code": code, "label": label}, commit=False)
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise ShareLinkError(code) from error
    return link


def exists(code):
    return db.session.execute(db.select(ShareLink.id).where(ShareLink.code == code)).first() is not None


def with_figures():
    """Every code, newest first, with its links and its confirmed signatures (from the tallies)."""
    confirmed = tallies.totals("ref")
    links = db.session.execute(db.select(ShareLink).order_by(ShareLink.created_at.desc(), ShareLink.id.desc()))
    return [
        ShareLinkFigures(
            link,
            public_url("letter.show", lang="en", ref=link.code),
            public_url("letter.show", lang="fr", ref=link.code),
            confirmed.get(CODE + link.code, 0),
        )
        for link in links.scalars()
    ]
