"""Addresses that refused mail for good: kept so that bulk mail (campaign updates) leaves them out.

When a recipient's server answers a 5xx to the address itself (no such mailbox, a disabled
account), sending to it again only hurts the site's standing with the big mail providers. The
outbox records each such refusal here as it happens, whatever the kind of message; a feature that
sends in bulk selects its recipients without these addresses, and administrators see the list.
Addresses are kept as they were written, compared without regard to case.
"""

from datetime import datetime

from sqlalchemy import DateTime, String, Text, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from petition.extensions import db
from petition.timeutil import utcnow


class SuppressedAddress(db.Model):
    __tablename__ = "suppressed_address"

    # Lower case, so that "Ana@Example.ca" and "ana@example.ca" are one entry.
    address: Mapped[str] = mapped_column(String(254), primary_key=True)
    # What the server answered, and the kind of message it refused.
    reason: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))
    refused_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


TABLE = SuppressedAddress.__table__


def suppression_statement(dialect_name, address, reason, kind):
    """The insert of one refusal, doing nothing when the address is listed already (the first
    refusal is the one kept)."""
    insert = postgresql_insert if dialect_name == "postgresql" else sqlite_insert
    values = {"address": address.lower(), "reason": reason[:2000], "kind": kind, "refused_at": utcnow()}
    return insert(TABLE).values(**values).on_conflict_do_nothing(index_elements=["address"])


def record_refusal(writer, message, error):
    """List ``message``'s recipient, through the sender's ``OutcomeWriter`` (autocommit)."""
    statement = suppression_statement(writer.engine.dialect.name, message.to_address, str(error), message.kind)
    writer.write(statement, {})


def suppressed(address_column):
    """A condition true where ``address_column`` holds a listed address, for a bulk sender's query."""
    return select(TABLE.c.address).where(TABLE.c.address == func.lower(address_column)).exists()


def suppressed_addresses(limit=None):
    """The listed addresses, the latest refusal first."""
    query = select(SuppressedAddress).order_by(SuppressedAddress.refused_at.desc(), SuppressedAddress.address)
    return db.session.execute(query.limit(limit)).scalars().all()


def suppressed_count():
    return db.session.execute(select(func.count()).select_from(TABLE)).scalar_one()


def lift(address):
    """Take ``address`` off the list (the person fixed their mailbox and asked), in the caller's
    transaction, which records why; True if it was listed."""
    deleted = db.session.execute(TABLE.delete().where(TABLE.c.address == address.strip().lower()))
    return deleted.rowcount > 0


def forget_refused_addresses():
    """Empty the list (the anonymisation at the campaign's close); returns how many it held."""
    deleted = db.session.execute(TABLE.delete())
    db.session.commit()
    return deleted.rowcount
