from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from petition.extensions import db
from petition.timeutil import utcnow


class Administrator(db.Model):
    """An account made with ``flask --app petition admin create``; there is no sign-up page."""

    __tablename__ = "administrator"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self):
        return f"<Administrator {self.id}>"


class AdminSession(db.Model):
    """A signed-in browser. Its cookie names it by a random key, kept here only as a SHA-256 (a copy
    of this table opens nothing); the session lasts as long as its row, which signing out, ending
    every session and a new password delete."""

    __tablename__ = "admin_session"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    administrator_id: Mapped[int] = mapped_column(ForeignKey("administrator.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SignInFailure(db.Model):
    """Wrong passwords in a row for one administrator from one source (an IPv4 address or an IPv6
    /64), each within ``ADMIN_LOCK_MINUTES`` of the one before; enough of them lock that source
    out of that account, and no one else."""

    __tablename__ = "admin_sign_in_failure"

    administrator_id: Mapped[int] = mapped_column(ForeignKey("administrator.id", ondelete="CASCADE"), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int]
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
