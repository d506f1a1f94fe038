"""Organisations asking to join the list: their requests, and the asks for a figures link.

A request is kept whatever becomes of it: once approved it names the organisation it added
(``endorsement_id``), and its contact's address is what a new figures link is matched against.
"""

import enum
import secrets
from datetime import datetime

from sqlalchemy import DateTime, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from petition.extensions import db
from petition.timeutil import utcnow


class RequestStatus(enum.StrEnum):
    UNCONFIRMED = "unconfirmed"  # sent; the contact has not confirmed their address (administrators do not see it)
    CONFIRMED = "confirmed"  # waiting for an administrator's review
    APPROVED = "approved"  # the organisation is on the list
    DECLINED = "declined"


def new_token_nonce():
    return secrets.token_urlsafe(12)


class EndorsementRequest(db.Model):
    """An organisation's request to endorse the letter, made by its contact."""

    __tablename__ = "endorsement_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[RequestStatus] = mapped_column(
        Enum(RequestStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=RequestStatus.UNCONFIRMED,
        index=True,
    )
    # The name as the contact wants it to appear; an administrator may approve another spelling.
    name: Mapped[str] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(300))
    province: Mapped[str | None] = mapped_column(String(2))
    contact_name: Mapped[str] = mapped_column(String(100))
    # Never shown outside the administration; the figures link goes to it alone.
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_email_canonical: Mapped[str] = mapped_column(String(254), index=True)
    lang: Mapped[str] = mapped_column(String(2))
    # Links in emails carry it: a row that SQLite gives the id of a purged one has another.
    token_nonce: Mapped[str] = mapped_column(String(32), default=new_token_nonce)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # The last confirmation email asked for: the purge counts the days of silence from it.
    emailed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    endorsement_id: Mapped[int | None] = mapped_column(
        ForeignKey("endorsement.id", ondelete="SET NULL"), index=True, nullable=True
    )

    def __repr__(self):
        return f"<EndorsementRequest {self.id} {self.status}>"


class ReceivedFiguresAsk(db.Model):
    """Someone asked for an organisation's figures link, giving an address (figures_links.py).

    The web request writes only this row, whether or not the address is the contact's, so that
    neither the answer nor its time tells; the sender matches it within seconds and deletes it.
    """

    __tablename__ = "received_figures_ask"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(254))
    lang: Mapped[str] = mapped_column(String(2))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
