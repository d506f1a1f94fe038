"""The campaign's one row of state, and the milestones reached."""

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from petition.extensions import db
from petition.timeutil import utcnow

# The campaign is one: its row always has this id.
CAMPAIGN_ID = 1


class Campaign(db.Model):
    """When the letter closes (or closed), and what became of it: its delivery and the response.

    A closing time in the future is a scheduled close: the letter stays open until then and closes
    without anyone acting, since every reader compares it with the clock.
    """

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_on: Mapped[date | None] = mapped_column(Date)
    # To whom, as each language writes it ("the Office of the Prime Minister", « le Cabinet du
    # premier ministre »): the letter page puts it in a sentence of its language.
    delivered_to_en: Mapped[str | None] = mapped_column(String(200))
    delivered_to_fr: Mapped[str | None] = mapped_column(String(200))
    delivery_text_en: Mapped[str | None] = mapped_column(Text)
    delivery_text_fr: Mapped[str | None] = mapped_column(Text)
    delivery_link: Mapped[str | None] = mapped_column(String(500))
    response_on: Mapped[date | None] = mapped_column(Date)
    response_text_en: Mapped[str | None] = mapped_column(Text)
    response_text_fr: Mapped[str | None] = mapped_column(Text)
    response_link: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Milestone(db.Model):
    """A step of ``SIGNATURE_GOALS`` the count reached, and when it first did.

    The goal is the primary key, so that confirmations racing across it record it once; a
    withdrawal that takes the count back below it leaves it recorded.
    """

    __tablename__ = "milestone"

    goal: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    reached_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
