import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Enum, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from petition.extensions import db
from petition.timeutil import utcnow


class UpdateStatus(enum.StrEnum):
    DRAFT = "draft"  # written, previewed, perhaps sent as a test; nobody has it yet
    SENDING = "sending"  # its recipients are fixed and handed to the outbox at UPDATES_PER_MINUTE
    SENT = "sent"  # every recipient handed to the outbox (some may still be on their way)
    CANCELLED = "cancelled"  # stopped: what had not left was dropped


class CampaignUpdate(db.Model):
    """One update, written in both languages, and how its sending stands."""

    __tablename__ = "campaign_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_en: Mapped[str] = mapped_column(String(200))
    body_en: Mapped[str] = mapped_column(Text)  # Markdown
    subject_fr: Mapped[str] = mapped_column(String(200))
    body_fr: Mapped[str] = mapped_column(Text)
    # Province and territory codes the update is limited to; None for every signer.
    provinces: Mapped[list | None] = mapped_column(JSON(none_as_null=True))
    status: Mapped[UpdateStatus] = mapped_column(
        Enum(UpdateStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=UpdateStatus.DRAFT,
        index=True,
    )
    created_by: Mapped[str | None] = mapped_column(String(254))  # an administrator's email; None from a command
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Fixed when sending starts: how many recipients there are in each language.
    recipients_en: Mapped[int] = mapped_column(Integer, default=0)
    recipients_fr: Mapped[int] = mapped_column(Integer, default=0)
    sending_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The throttle (sending.py): recipients are handed to the outbox as the time since
    # ``fed_until`` allows; whoever hands them over moves it on and takes the next ``turn``, in
    # the same transaction, so that two senders never take one turn.
    fed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    turn: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def subject(self, lang):
        return self.subject_fr if lang == "fr" else self.subject_en

    def body(self, lang):
        return self.body_fr if lang == "fr" else self.body_en

    def __repr__(self):
        return f"<CampaignUpdate {self.id} {self.status}>"


WAITING = text("queued_at IS NULL AND NOT skipped")


class UpdateRecipient(db.Model):
    """A signer an update goes to, fixed when its sending starts.

    The primary key is what makes an update reach a signer at most once: however many senders
    run, and whatever dies mid-send, there is one row per signer and update, and a row is handed
    to the outbox once (``queued_at`` is set in the transaction that queues its message).
    """

    __tablename__ = "update_recipient"
    __table_args__ = (
        # The recipients still to hand over, found without walking those already handed over.
        Index(
            "ix_update_recipient_waiting", "update_id", "signature_id", postgresql_where=WAITING, sqlite_where=WAITING
        ),
    )

    update_id: Mapped[int] = mapped_column(ForeignKey("campaign_update.id", ondelete="CASCADE"), primary_key=True)
    signature_id: Mapped[int] = mapped_column(ForeignKey("signature.id", ondelete="CASCADE"), primary_key=True)
    lang: Mapped[str] = mapped_column(String(2))
    # When it was handed to the outbox, and the message that carries it (None again if the outbox
    # ever lets go of the message: ``queued_at`` is what says it was handed over).
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="SET NULL"), unique=True, nullable=True
    )
    # No longer to be sent when its turn came (unsubscribed, withdrawn, refused meanwhile).
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
