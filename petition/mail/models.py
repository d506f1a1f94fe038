import enum
from datetime import datetime

from sqlalchemy import JSON, DateTime, Enum, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from petition.extensions import db
from petition.timeutil import utcnow


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for a sender (again, after a failure, from next_attempt_at)
    SENDING = "sending"  # claimed by a sender until lease_until
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt; last_error says why
    # No longer wanted before it left (its update was cancelled, its recipient unsubscribed):
    # neither sent nor failed, and never tried again.
    DROPPED = "dropped"


UNSENT = text("status IN ('queued', 'sending')")


class OutboxMessage(db.Model):
    """An email waiting to be sent, written in the same transaction as what caused it."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
        # The senders' claim takes the oldest unsent messages by id; without this it would walk
        # the primary key past every message ever sent.
        Index("ix_outbox_message_unsent", "id", postgresql_where=UNSENT, sqlite_where=UNSENT),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A registered kind (kinds.py), whose renderer reads the payload when the message is sent.
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    # The recipient's language (``en``, ``fr``), as the message was queued.
    lang: Mapped[str | None] = mapped_column(String(2))
    # The signature a message is about, for the privacy lifecycle: purging and anonymising delete
    # a signature's messages by it. The outbox keeps it and never reads it.
    signature_id: Mapped[int | None] = mapped_column(
        ForeignKey("signature.id", ondelete="SET NULL"), index=True, nullable=True
    )
    # Likewise the request to endorse a message is about (a contact's emails), for the purge of
    # requests never confirmed.
    endorsement_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("endorsement_request.id", ondelete="SET NULL"), index=True, nullable=True
    )
    to_address: Mapped[str] = mapped_column(String(254))
    # Empty: a message is rendered through its kind by the sender (kinds.render), so that queuing
    # stays one short row and what it says is current. Only messages queued before migration 0004
    # kept their content here.
    subject: Mapped[str | None] = mapped_column(String(300))
    text_body: Mapped[str | None] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict | None] = mapped_column(JSON)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(OutboxStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=OutboxStatus.QUEUED,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self):
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"
