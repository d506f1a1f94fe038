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
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, g
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from petition.extensions import db
from petition.i18n import LANGUAGES
from petition.signing.forms import PROVINCE_CODES
from petition.signing.models import Signature, SignatureStatus

BATCH_SIZE = 5000
UPDATES_CHOICES = ("any", "yes", "no")
BOM = "\ufeff"
# A spreadsheet reads a cell starting with one of these as a formula (OWASP, "CSV injection").
FORMULA_STARTS = frozenset("=+-@\t\r")

_signature = Signature.__table__.c
# (the column read, its header); the order is the file's and stays stable, the email always last.
COLUMNS = (
    (_signature.first_name, _l("First name")),
    (_signature.last_name, _l("Last name")),
    (_signature.city, _l("City")),
    (_signature.province, _l("Province")),
    (_signature.created_at, _l("Signed at")),
    (_signature.confirmed_at, _l("Confirmed at")),
    (_signature.lang, _l("Language")),
    (_signature.wants_updates, _l("Wants updates")),
    (_signature.updates_consented_at, _l("Consented to updates at")),
    (_signature.share_ref, _l("Share reference")),
)
EMAIL_COLUMN = (_signature.email, _l("Email"))


class ExportFilterError(ValueError):
    """A filter cannot be used; the message says which and why."""


@dataclass(frozen=True)
class ExportFilters:
    """Which confirmed signatures to export. Days are the campaign's days, both ends included."""

    since: date | None = None
    until: date | None = None
    province: str | None = None
    updates: str = "any"  # "yes": only those who want updates, "no": only those who do not

    def __post_init__(self):
        if self.province is not None and self.province not in PROVINCE_CODES:
            raise ExportFilterError(f"unknown province {self.province!r}")
        if self.updates not in UPDATES_CHOICES:
            raise ExportFilterError(f"updates must be one of {', '.join(UPDATES_CHOICES)}, not {self.updates!r}")
        if self.since and self.until and self.since > self.until:
            raise ExportFilterError("the first day comes after the last day")

    @classmethod
    def parse(cls, since=None, until=None, province=None, updates=None):
        """Filters from text, as a form or a command line gives them (empty means no filter)."""
        return cls(
            since=parse_day(since, "since"),
            until=parse_day(until, "until"),
            province=(province or "").strip().upper() or None,
            updates=(updates or "any").strip().lower(),
        )

    def describe(self):
        """The filters as plain values, for the audit log."""
        return {name: value.isoformat() if isinstance(value, date) else value for name, value in asdict(self).items()}


def parse_day(text, name):
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ExportFilterError(f"{name} must be a date written YYYY-MM-DD, not {text!r}") from None


def campaign_timezone():
    return ZoneInfo(current_app.config.get("CAMPAIGN_TIMEZONE") or "UTC")


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


def neutralise(value):
    """The text of a cell, with a quote in front when a spreadsheet would run it as a formula."""
    if value and value[0] in FORMULA_STARTS:
        return "'" + value
    return value or ""


def export_rows(filters, include_email=False, batch_size=BATCH_SIZE, lang="en"):
    """Yield each exported signature as a tuple of cells (text), in the order of ``header(...)``."""
    tz = campaign_timezone()
    yes, no = words_for(lang)
    columns = [column for column, _label in COLUMNS] + ([EMAIL_COLUMN[0]] if include_email else [])
    base = select(_signature.id, *columns).where(*conditions(filters, tz)).order_by(_signature.id).limit(batch_size)

    def when(moment):
        if moment is None:
            return ""
        if moment.tzinfo is None:  # SQLite hands times back without their zone; they are UTC
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(tz).isoformat(timespec="seconds")

    last_id = 0
    while True:
        with db.engine.connect() as connection:
            batch = connection.execute(base.where(_signature.id > last_id)).all()
        for row in batch:
            cells = (
                neutralise(row[1]),
                neutralise(row[2]),
                neutralise(row[3]),
                neutralise(row[4]),
                when(row[5]),
                when(row[6]),
                neutralise(row[7]),
                yes if row[8] else no,
                when(row[9]) if row[8] else "",
                neutralise(row[10]),
            )
            yield (*cells, neutralise(row[11])) if include_email else cells
        if len(batch) < batch_size:
            return
        last_id = batch[-1][0]


def words_for(lang):
    with in_language(lang):
        return _("yes"), _("no")


def header(include_email=False, lang="en"):
    labels = [label for _column, label in COLUMNS] + ([EMAIL_COLUMN[1]] if include_email else [])
    with in_language(lang):
        return [str(label) for label in labels]


def in_language(lang):
    if lang not in LANGUAGES:
        raise ExportFilterError(f"unknown language {lang!r}")
    # Flask-Babel ignores force_locale while ``g`` is still empty, as it is in a command.
    g.setdefault("export_lang", lang)
    return force_locale(LANGUAGES[lang])


def csv_chunks(filters, include_email=False, lang="en", batch_size=BATCH_SIZE, progress=None):
    """Yield the CSV file as text, the byte order mark and the header first, then many rows per chunk.

    ``progress``, when given, is called with the number of rows in each chunk after it is made.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header(include_email, lang))
    yield BOM + buffer.getvalue()
    rows = []
    for row in export_rows(filters, include_email=include_email, batch_size=batch_size, lang=lang):
        rows.append(row)
        if len(rows) == batch_size:
            yield flush(buffer, writer, rows, progress)
    if rows:
        yield flush(buffer, writer, rows, progress)


def flush(buffer, writer, rows, progress):
    buffer.seek(0)
    buffer.truncate()
    writer.writerows(rows)
    if progress is not None:
        progress(len(rows))
    rows.clear()
    return buffer.getvalue()


def write_csv(fileobj, filters, include_email=False, progress=None, lang="en", batch_size=BATCH_SIZE):
    """Write the export to ``fileobj`` (binary, or text opened with ``newline=""``); returns the row count."""
    written = 0

    def counted(n):
        nonlocal written
        written += n
        if progress is not None:
            progress(n)

    binary = not isinstance(fileobj, io.TextIOBase)
    for chunk in csv_chunks(filters, include_email, lang=lang, batch_size=batch_size, progress=counted):
        fileobj.write(chunk.encode("utf-8") if binary else chunk)
    return written


def audit_detail(filters, rows, include_email, reason, lang, destination):
    """What the audit log keeps of an export: who got which rows, and why emails went with them."""
    return {
        "filters": filters.describe(),
        "rows": rows,
        "include_email": include_email,
        "reason": reason if include_email else None,
        "lang": lang,
        "to": destination,
    }
