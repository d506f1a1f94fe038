import enum
import secrets
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from petition.extensions import db
from petition.timeutil import utcnow


class SignatureStatus(enum.StrEnum):
    PENDING = "pending"  # submitted, waiting for the signer to confirm by email
    CONFIRMED = "confirmed"  # counted, shown as the signer chose, exported
    WITHDRAWN = "withdrawn"  # taken back by the signer; signing again starts over
    INVALIDATED = "invalidated"  # removed by an administrator (spam, abuse)


class NameDisplay(enum.StrEnum):
    FULL = "full"
    INITIAL = "initial"
    NONE = "none"


class EventKind(enum.StrEnum):
    """What a signature's history records (``SignatureEvent.kind``); the values are stored."""

    SUBMITTED = "submitted"
    SUBMITTED_AGAIN = "submitted again"  # while pending, with the same details
    SUBMITTED_WITH_OTHER_DETAILS = "submitted again with other details"  # a new nonce
    EMAIL_CAP_REACHED = "email cap reached"
    SUBMITTED_AFTER_CONFIRMING = "submitted again after confirming"
    SIGNED_AGAIN_AFTER_WITHDRAWING = "signed again after withdrawing"
    SUBMITTED_AFTER_INVALIDATION = "submitted again after invalidation"
    CONFIRMATION_RESENT = "confirmation re-sent on request"
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"
    UNSUBSCRIBED = "unsubscribed"
    INVALIDATED = "invalidated"  # by the earliest administration, before the two below
    INVALIDATED_BY_ADMINISTRATOR = "invalidated by an administrator"
    INVALIDATED_IN_BULK = "invalidated by an administrator (bulk)"
    HIDDEN = "hidden by an administrator"
    SHOWN_AGAIN = "shown again by an administrator"


def new_token_nonce():
    return secrets.token_urlsafe(12)


class Signature(db.Model):
    """One person's signature, unique by the canonical form of their email address."""

    __tablename__ = "signature"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[SignatureStatus] = mapped_column(
        Enum(SignatureStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=SignatureStatus.PENDING,
        index=True,
    )
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    email_canonical: Mapped[str] = mapped_column(String(254), unique=True)
    # The part after the @ of the canonical address, for search and for spotting bulk sign-ups.
    email_domain: Mapped[str] = mapped_column(String(254), index=True, default="")
    province: Mapped[str] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(100))
    display: Mapped[NameDisplay] = mapped_column(
        Enum(NameDisplay, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]),
        default=NameDisplay.FULL,
    )
    lang: Mapped[str] = mapped_column(String(2))
    wants_updates: Mapped[bool] = mapped_column(default=False)
    updates_consented_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    consent_wording: Mapped[str | None] = mapped_column(String(40))
    # A keyed hash of the IP the signature came from (signing/sources.py), never the address
    # itself: enough to see many signatures from one source, search them and invalidate them.
    ip_hash: Mapped[str | None] = mapped_column(String(16), index=True)
    share_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    # Changed whenever links already sent must stop working (withdrawal, signing again).
    token_nonce: Mapped[str] = mapped_column(String(32), default=new_token_nonce)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    invalidated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set by an administrator: the name leaves the public list; the signature still counts.
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # The public list of signers, newest first, read page by page (keyset pagination).
        Index("ix_signature_public_list", "confirmed_at", "id"),
    )

    def __repr__(self):
        return f"<Signature {self.id} {self.status}>"


class SignatureEvent(db.Model):
    """What happened to a signature and when: its history, for administrators and audits."""

    __tablename__ = "signature_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    signature_id: Mapped[int] = mapped_column(ForeignKey("signature.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SignatureCountShard(db.Model):
    """The confirmed count, spread over a few rows so that confirmations do not queue on one.

    Reading the count sums a fixed number of rows, whatever the number of signatures.
    """

    __tablename__ = "signature_count_shard"

    shard: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(BigInteger, default=0)


COUNT_SHARDS = 16


class SignatureTally(db.Model):
    """Running totals for the administrators' figures, kept up to date with every change.

    ``kind`` names a breakdown (a status, the hour of confirmation, the province, the share
    reference) and ``key`` one of its values; like the public count, each total is spread over
    a few shards so that a spike of confirmations does not queue on one row. Reading a
    breakdown costs the same at ten signatures and at a million.
    """

    __tablename__ = "signature_tally"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    shard: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class ReceivedSubmission(db.Model):
    """A sign form as it was sent, waiting for the sender to take it in (signing/intake.py).

    The web request only writes this row, the same one whatever the address's history, so that
    neither its answer nor its time tells whether the address has signed; what the history calls
    for (a new signature, a new link, an "already signed" note) is decided when it is taken in,
    within seconds, and the row is deleted in that transaction.
    """

    __tablename__ = "received_submission"
    __table_args__ = (Index("ix_received_submission_due", "next_attempt_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    province: Mapped[str] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(100))
    display: Mapped[str] = mapped_column(String(10))
    lang: Mapped[str] = mapped_column(String(2))
    wants_updates: Mapped[bool] = mapped_column(default=False)
    consent_wording: Mapped[str | None] = mapped_column(String(40))
    ip_hash: Mapped[str | None] = mapped_column(String(16))
    share_ref: Mapped[str | None] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Taking it in failed this many times (a bug, a database error): tried again later, so one
    # bad row does not hold up the others.
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
