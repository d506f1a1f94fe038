"""The audit log as administrators read it: the names of its actions, and its pages. Entries are
written through ``petition.audit.record_audit``."""

from flask_babel import lazy_gettext as _l

from petition.audit import AuditEvent
from petition.extensions import db

# The actions the log records, as the log page names them in the administrator's language.
ACTIONS = {
    "sign-in": _l("Signed in"),
    "sign-in failed": _l("Sign-in refused"),
    "sign-out": _l("Signed out"),
    "sessions ended": _l("All sessions ended"),
    "password changed": _l("Password changed"),
    "password change refused": _l("Password change refused"),
    "administrator created": _l("Administrator created"),
    "export": _l("Export"),
    "invalidate": _l("Signature invalidated"),
    "bulk invalidate": _l("Signatures invalidated in bulk"),
    "hide": _l("Name hidden"),
    "unhide": _l("Name shown again"),
    "endorsement added": _l("Organisation added"),
    "endorsement changed": _l("Organisation changed"),
    "endorsement removed": _l("Organisation removed"),
    "endorsement moved": _l("Organisation moved"),
    "endorsement lead": _l("Lead signatory changed"),
    "endorsements imported": _l("Endorsements imported"),
    "endorsement request approved": _l("Request to endorse approved"),
    "endorsement request declined": _l("Request to endorse declined"),
    "share link created": _l("Share link created"),
    "stats link issued": _l("Private figures link issued"),
    "purge unconfirmed": _l("Unconfirmed signatures purged"),
    "anonymise": _l("Personal data anonymised"),
    "update created": _l("Update written"),
    "update changed": _l("Update changed"),
    "update test sent": _l("Update sent as a test"),
    "update sent": _l("Update sent"),
    "update cancelled": _l("Update cancelled"),
    "suppression lifted": _l("Address taken off the refused list"),
}


def audit_page(page, per_page, action=None):
    """One page of the log, newest first, and whether there is a next page."""
    query = db.select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    rows = db.session.execute(query.offset((page - 1) * per_page).limit(per_page + 1)).scalars().all()
    return rows[:per_page], len(rows) > per_page
