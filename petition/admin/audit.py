"""The audit log: who did what in the administration, from where, and when.

``record_audit`` takes the administrator and the IP from the request when there is one; a command
records with no actor. Details are kept as JSON text when given as a dict, so they read the same
in the log page and in the database.
"""

import json

from flask import g, has_request_context, request

from petition.admin.models import AuditEvent
from petition.extensions import db

# The actions the log records; the page names them in the administrator's language.
ACTIONS = (
    "sign-in",
    "sign-in failed",
    "sign-out",
    "administrator created",
    "export",
    "invalidate",
    "bulk invalidate",
    "hide",
    "unhide",
    "endorsement added",
    "endorsement changed",
    "endorsement removed",
    "endorsement moved",
    "endorsement lead",
    "endorsements imported",
    "share link created",
    "stats link issued",
)


def record_audit(action, detail=None, actor=None, commit=True):
    """Add an entry to the log; ``actor`` defaults to the signed-in administrator's address."""
    if isinstance(detail, dict):
        detail = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    ip = None
    if has_request_context():
        administrator = g.get("administrator")
        if actor is None and administrator is not None:
            actor = administrator.email
        ip = request.remote_addr
    event = AuditEvent(action=action, detail=detail, actor=actor, ip=ip)
    db.session.add(event)
    if commit:
        db.session.commit()
    return event


def audit_page(page, per_page, action=None):
    """One page of the log, newest first, and whether there is a next page."""
    query = db.select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    rows = db.session.execute(query.offset((page - 1) * per_page).limit(per_page + 1)).scalars().all()
    return rows[:per_page], len(rows) > per_page
