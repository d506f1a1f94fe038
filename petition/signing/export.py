"""The export of confirmed signatures as CSV, for the command and the dashboard.

Only confirmed signatures leave: pending, withdrawn and invalidated ones never do; a hidden name is
still exported, since hiding only concerns the public list. The rows are read in batches by keyset
pagination on the id (``id > last id of the previous batch``), each batch a short query of its own
that selects plain columns, so memory stays flat at any size and no transaction stays open while a
slow client downloads. The file is UTF-8 with a byte order mark (Excel then reads accents right),
has CRLF line ends, and any cell a spreadsheet would take for a formula is neutralised.
"""

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, case, func, literal, select, type_coerce

from petition.extensions import db
from petition.i18n import LANGUAGES
from petition.signing.export_filters import (  # noqa: F401 (the export's names, where callers look for them)
    FIRST_DAY,
    LAST_DAY,
    UPDATES_CHOICES,
    ExportFilterError,
    ExportFilters,
)
from petition.signing.models import Signature, SignatureStatus

BATCH_SIZE = 5000
BOM = "\ufeff"
# A spreadsheet reads a cell starting with one of these as a formula (OWASP, "CSV injection").
FORMULA_STARTS = frozenset("=+-@\t\r")

_signature = Signature.__table__.c
# The file's headers, in its column order, which stays stable; the email, when asked for, comes last.
HEADERS = (
    _l("First name"),
    _l("Last name"),
    _l("City"),
    _l("Province"),
    _l("Signed at"),
    _l("Confirmed at"),
    _l("Language"),
    _l("Wants updates"),
    _l("Consented to updates at"),
    _l("Share reference"),
)
EMAIL_HEADER = _l("Email")


def campaign_timezone():
    return current_app.config["CAMPAIGN_ZONE"]


def start_of_day(day, tz):
    """The first instant of ``day`` in the campaign's time zone, in UTC (as the database keeps times)."""
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def conditions(filters, tz):
    found = [_signature.status == SignatureStatus.CONFIRMED.value]
    if filters.since:
        found.append(_signature.confirmed_at >= start_of_day(filters.since, tz))
    if filters.until:
        found.append(_signature.confirmed_at < start_of_day(filters.until + timedelta(days=1), tz))
    if filters.province:
        found.append(_signature.province == filters.province)
    if filters.updates != "any":
        found.append(_signature.wants_updates.is_(filters.updates == "yes"))
    return found


def count_rows(filters):
    """How many rows the export of ``filters`` holds (read now; the export may differ if signing goes on)."""
    statement = select(func.count()).select_from(Signature.__table__).where(*conditions(filters, campaign_timezone()))
    with db.engine.connect() as connection:
        return connection.execute(statement).scalar_one()


def safe_text(column):
    """The column as a cell's text: empty for NULL, and a quote in front of what a spreadsheet would run.

    The database does this, in C, rather than Python once per cell: the export must reach
    100,000 rows a second.
    """
    text = func.coalesce(column, "")
    return case((func.substr(text, 1, 1).in_(sorted(FORMULA_STARTS)), literal("'") + text), else_=text)


def utc_text(column, dialect):
    """The column's time as UTC text, ``YYYY-MM-DD HH:MM:SS`` then perhaps more, without parsing it."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24:MI:SS")
    return type_coerce(column, String)  # SQLite keeps times as UTC text already


def selected_cells(dialect, include_email, yes, no):
    """What each batch selects: the id (for the next batch), then the file's cells in order."""
    c = _signature
    cells = [
        c.id,
        safe_text(c.first_name),
        safe_text(c.last_name),
        safe_text(c.city),
        safe_text(c.province),
        utc_text(c.created_at, dialect),
        utc_text(c.confirmed_at, dialect),
        safe_text(c.lang),
        case((c.wants_updates, literal(yes)), else_=literal(no)),
        case((c.wants_updates, utc_text(c.updates_consented_at, dialect))),
        safe_text(c.share_ref),
    ]
    if include_email:
        cells.append(safe_text(c.email))
    return cells


def local_times(tz):
    """A function from UTC text to ISO 8601 in ``tz``, with the zone's offset.

    Converting each time through ``datetime`` costs more than the rest of a row together, so the
    conversion is made once per minute (offsets are whole minutes) and kept for the rows that
    follow, which are close in time; the cache is cleared when it grows, so memory stays flat.
    """
    minutes = {}

    def when(text):
        if not text:
            return ""
        minute = text[:16]
        found = minutes.get(minute)
        if found is None:
            if len(minutes) >= 4096:
                minutes.clear()
            local = datetime.fromisoformat(minute).replace(tzinfo=UTC).astimezone(tz).isoformat(timespec="seconds")
            found = minutes[minute] = (local[:16], local[19:])
        return found[0] + text[16:19] + found[1]

    return when


def row_batches(filters, include_email=False, batch_size=BATCH_SIZE, lang="en", connection=None):
    """Yield the exported rows a batch (a list of tuples) at a time, each batch read by its own query.

    The next batch is read in a thread while this one is turned into text, so that the database and
    Python work at the same time; at most two batches are in memory, whatever the size of the export.
    Given a ``connection``, every batch is read on it in turn instead, inside its transaction: what
    else reads in that transaction (the delivery document) then sees the very same signatures.
    """
    tz = campaign_timezone()
    when = local_times(tz)
    yes, no = words_for(lang)
    engine = db.engine
    cells = selected_cells(engine.dialect.name, include_email, yes, no)
    base = select(*cells).where(*conditions(filters, tz)).order_by(_signature.id).limit(batch_size)

    def read_after(last_id):
        # Every cell arrives as text, so the driver's plain tuples are taken as they are:
        # SQLAlchemy's rows, with nothing to convert, would cost a quarter of the export's time.
        if connection is not None:
            return connection.execute(base.where(_signature.id > last_id)).cursor.fetchall()
        # A connection per batch: no transaction stays open while a slow client downloads.
        with engine.connect() as own:
            return own.execute(base.where(_signature.id > last_id)).cursor.fetchall()

    for batch in read_batches(read_after, batch_size, ahead=connection is None):
        rows = [
            (r[1], r[2], r[3], r[4], when(r[5]), when(r[6]), r[7], r[8], when(r[9]) if r[9] else "", r[10])
            for r in batch
        ]
        if include_email:
            rows = [(*row, r[11]) for row, r in zip(rows, batch, strict=True)]
        if rows:
            yield rows


def read_batches(read_after, batch_size, ahead):
    """The batches of a keyset walk (``read_after(last id)``), the next one read in a thread if ``ahead``."""
    if not ahead:
        batch = read_after(0)
        while batch:
            yield batch
            batch = read_after(batch[-1][0]) if len(batch) == batch_size else []
        return
    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export")
    try:
        coming = reader.submit(read_after, 0)
        while coming is not None:
            batch = coming.result()
            coming = reader.submit(read_after, batch[-1][0]) if len(batch) == batch_size else None
            yield batch
    finally:
        reader.shutdown(wait=True, cancel_futures=True)


def words_for(lang):
    with in_language(lang):
        return _("yes"), _("no")


def header(include_email=False, lang="en"):
    labels = [*HEADERS, EMAIL_HEADER] if include_email else HEADERS
    with in_language(lang):
        return [str(label) for label in labels]


def in_language(lang):
    if lang not in LANGUAGES:
        raise ExportFilterError(f"unknown language {lang!r}")
    return force_locale(LANGUAGES[lang])


def csv_chunks(filters, include_email=False, lang="en", batch_size=BATCH_SIZE, progress=None, connection=None):
    """Yield the CSV file as text: the byte order mark and the header first, then a batch of rows per chunk.

    ``progress``, when given, is called with the number of rows in each chunk once it is made.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header(include_email, lang))
    yield BOM + buffer.getvalue()
    for rows in row_batches(filters, include_email, batch_size, lang, connection):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(rows)
        if progress is not None:
            progress(len(rows))
        yield buffer.getvalue()


def write_csv(fileobj, filters, include_email=False, progress=None, lang="en", batch_size=BATCH_SIZE, connection=None):
    """Write the export to ``fileobj`` (binary, or text opened with ``newline=""``); returns the row count."""
    written = 0

    def counted(n):
        nonlocal written
        written += n
        if progress is not None:
            progress(n)

    binary = not isinstance(fileobj, io.TextIOBase)
    chunks = csv_chunks(filters, include_email, lang, batch_size, progress=counted, connection=connection)
    for chunk in chunks:
        fileobj.write(chunk.encode("utf-8") if binary else chunk)
    return written


def audit_detail(filters, rows, include_email, reason, lang, destination, complete=True):
    """What the audit log keeps of an export: which rows went where, and why emails went with them."""
    return {
        "filters": filters.describe(),
        "rows": rows,
        "include_email": include_email,
        "reason": reason if include_email else None,
        "lang": lang,
        "to": destination,
        "complete": complete,
    }
