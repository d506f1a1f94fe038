"""One moment of the signatures, read in one transaction: the CSV export, the counts and the names.

The delivery document prints the SHA-256 of the CSV written beside it, so both must describe the same
signatures even while people go on signing, confirming and withdrawing. Everything is therefore read
through one connection holding one snapshot: PostgreSQL's REPEATABLE READ, or in SQLite a read
transaction (in WAL mode it sees the database as it was when it began, while writers go on).
"""

import hashlib
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import case, func, select

from petition.endorsements.models import Endorsement
from petition.extensions import db
from petition.signers.queries import public_name
from petition.signing.export import ExportFilters, write_csv
from petition.signing.models import NameDisplay, Signature, SignatureStatus

_signature = Signature.__table__.c
READ_BATCH = 2000


@contextmanager
def snapshot():
    """A connection whose reads all see the database at one moment; nothing is written through it."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        repeatable = engine.connect().execution_options(isolation_level="REPEATABLE READ")
        with repeatable as connection, connection.begin():
            yield connection
        return
    with engine.connect() as connection:
        # Python's sqlite3 begins a transaction only before a write; a read-only one is asked for.
        connection.exec_driver_sql("BEGIN")
        try:
            yield connection
        finally:
            connection.rollback()


class DigestingFile:
    """A binary file that keeps the SHA-256 of what is written to it."""

    def __init__(self, file):
        self.file = file
        self.sha256 = hashlib.sha256()

    def write(self, data):
        self.sha256.update(data)
        return self.file.write(data)

    def hexdigest(self):
        return self.sha256.hexdigest()


def write_export(connection, file, lang="en", progress=None):
    """The verified-signatures export (no filters, no emails), as ``signatures export`` writes it.

    Returns (rows, SHA-256 in hex) of what was written to the binary ``file``.
    """
    digesting = DigestingFile(file)
    rows = write_csv(digesting, ExportFilters(), lang=lang, progress=progress, connection=connection)
    return rows, digesting.hexdigest()


@dataclass(frozen=True)
class ProvinceCount:
    signatures: int
    named: int  # shown by name in the document
    asked_not: int  # who asked not to be named

    @property
    def withheld(self):
        """Not named because the moderators took the name off the public list."""
        return self.signatures - self.named - self.asked_not


def named_condition():
    """Who the document names: as on the public list, a signer who chose to be shown and was not hidden."""
    return (_signature.display != NameDisplay.NONE.value) & _signature.hidden_at.is_(None)


def province_counts(connection):
    """{province code: ProvinceCount} of the confirmed signatures, in one pass over the table."""
    named = func.sum(case((named_condition(), 1), else_=0))
    asked_not = func.sum(case((_signature.display == NameDisplay.NONE.value, 1), else_=0))
    statement = (
        select(_signature.province, func.count(), named, asked_not)
        .where(_signature.status == SignatureStatus.CONFIRMED.value)
        .group_by(_signature.province)
    )
    return {
        code: ProvinceCount(int(n), int(shown or 0), int(asked or 0))
        for code, n, shown, asked in connection.execute(statement)
    }


def endorsing_organisations(connection):
    """The organisations' names in the list's order, the lead signatory first."""
    statement = select(Endorsement.name).order_by(Endorsement.is_lead.desc(), Endorsement.position, Endorsement.id)
    return [name for (name,) in connection.execute(statement)]


def named_signers(connection, province):
    """The names (and cities) of a province's named signers, in the order they confirmed, a batch at a time.

    A keyset walk on the id, each batch a short query in the same transaction, so that memory holds
    one batch whatever the province's size.
    """
    base = (
        select(_signature.id, _signature.first_name, _signature.last_name, _signature.display, _signature.city)
        .where(
            _signature.status == SignatureStatus.CONFIRMED.value,
            _signature.province == province,
            named_condition(),
        )
        .order_by(_signature.id)
        .limit(READ_BATCH)
    )
    last = 0
    while True:
        batch = connection.execute(base.where(_signature.id > last)).all()
        for _, first, last_name, display, city in batch:
            name = public_name(first, last_name, display)
            yield f"{name}, {city}" if city else name
        if len(batch) < READ_BATCH:
            return
        last = batch[-1][0]
