"""The audit log: who did what, from where, and when, for any part of the site to write to.

``record_audit`` adds an entry to the caller's session, so that it commits with the action it
records. The actor is the one the request names (``g.audit_actor``, which the administration's
sign-in sets), or None for a command; the IP is the request's. Details given as a dict are kept
as JSON text, so they read the same in the log page and in the database.
"""

import json
from datetime import datetime

from flask import g, has_request_context, request
from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from petition.extensions import db
from petition.timeutil import utcnow


class AuditEvent(db.Model):
    """Who did what, and when: sign-ins, exports, moderation, endorsements, the privacy lifecycle."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str | None] = mapped_column(String(254))  # the administrator's email, or None for a command
    action: Mapped[str] = mapped_column(String(40), index=True)
    detail: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


def record_audit(action, detail=None, actor=None, commit=True):
    """Add an entry to the log; ``actor`` defaults to the one the request names. With
    ``commit=False`` it waits for the caller's commit, in the transaction of what it records."""
    if isinstance(detail, dict):
        detail = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    ip = None
    if has_request_context():
        if actor is None:
            actor = g.get("audit_actor")
        ip = request.remote_addr
    event = AuditEvent(action=action, detail=detail, actor=actor, ip=ip)
    db.session.add(event)
    if commit:
        db.session.commit()
    return event
