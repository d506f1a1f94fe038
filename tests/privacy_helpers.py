"""Signatures in every state, aged at will, and what the privacy tests look at afterwards."""

import json
from datetime import timedelta

from sqlalchemy import select, update

from petition.audit import AuditEvent
from petition.extensions import db
from petition.mail.models import OutboxMessage
from petition.signing import service, tallies
from petition.signing.models import Signature, SignatureEvent
from petition.signing.service import Submission
from petition.timeutil import utcnow
from tests.signing_helpers import hashed, running_totals


def add(email, first="Sam", last="Signer", confirm=False, ip="198.51.100.23", **fields):
    """A signature made as the signing journey makes it, with its confirmation email in the outbox."""
    values = {
        "province": "ON",
        "city": "Ottawa",
        "display": "full",
        "wants_updates": False,
        "consent_wording": None,
        "lang": "en",
    } | fields
    if values["wants_updates"]:
        values["consent_wording"] = "2026-11-updates-v1"
    signature = db.session.get(
        Signature,
        service.submit(Submission(first_name=first, last_name=last, email=email, ip_hash=hashed(ip), **values)),
    )
    if confirm:
        service.confirm(signature)
    return signature.id


def age(signature_id, days):
    """Move a signature, its history and its emails ``days`` into the past."""
    then = utcnow() - timedelta(days=days)
    db.session.execute(update(Signature).where(Signature.id == signature_id).values(created_at=then))
    db.session.execute(
        update(SignatureEvent).where(SignatureEvent.signature_id == signature_id).values(created_at=then)
    )
    db.session.execute(update(OutboxMessage).where(OutboxMessage.signature_id == signature_id).values(created_at=then))
    db.session.commit()


def ids_of(model, column="id"):
    return set(db.session.execute(select(getattr(model, column))).scalars())


def everything():
    """Every row of every table, as text, in a fixed order."""
    rows = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table).order_by(*table.primary_key.columns)):
            rows.append(f"{table.name}: " + " | ".join(str(value) for value in row))
    db.session.rollback()
    return rows


def audit_entries(action):
    entries = db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars().all()
    return [json.loads(entry.detail) for entry in entries]


def tallies_agree():
    return running_totals() == tallies.computed_totals()
