"""Which signers the public sees, and how their names read. Nothing here returns an email or an IP."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import tuple_

from petition.extensions import db
from petition.signing.models import NameDisplay, Signature, SignatureStatus
from petition.timeutil import as_utc


@dataclass(frozen=True)
class PublicSigner:
    id: int
    name: str
    city: str | None
    province: str
    confirmed_at: datetime


def public_name(first_name, last_name, display):
    """The name as the signer chose to show it: "Marie Tremblay" or "Marie T."."""
    if display == NameDisplay.INITIAL:
        initial = next((c for c in last_name if c.isalpha()), "")
        return f"{first_name} {initial.upper()}." if initial else first_name
    return f"{first_name} {last_name}"


def shown():
    """Confirmed, willing to be shown, and not hidden by an administrator."""
    return (
        Signature.status == SignatureStatus.CONFIRMED,
        Signature.display != NameDisplay.NONE,
        Signature.hidden_at.is_(None),
    )


def unnamed_signer_count():
    """How many confirmed signers chose not to show their name. Names an administrator hid are
    not among them: the public is never told that those signers asked for it."""
    chose_none = (Signature.status == SignatureStatus.CONFIRMED, Signature.display == NameDisplay.NONE)
    return db.session.execute(db.select(db.func.count(Signature.id)).where(*chose_none)).scalar_one()


def public_signers(limit, before=None):
    """The newest public signers first; ``before`` is the (confirmed_at, id) of the last one seen.

    Keyset pagination walks the ``ix_signature_public_list`` index backwards, so the hundredth
    page costs what the first does.
    """
    query = (
        db.select(
            Signature.id,
            Signature.first_name,
            Signature.last_name,
            Signature.display,
            Signature.city,
            Signature.province,
            Signature.confirmed_at,
        )
        .where(*shown())
        .order_by(Signature.confirmed_at.desc(), Signature.id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(tuple_(Signature.confirmed_at, Signature.id) < tuple_(*before))
    return [
        PublicSigner(id, public_name(first, last, display), city, province, as_utc(confirmed_at))
        for id, first, last, display, city, province, confirmed_at in db.session.execute(query)
    ]
