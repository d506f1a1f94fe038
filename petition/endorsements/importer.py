"""Load the endorsement list from a CSV file (``name,slug,lead``), idempotently.

An organisation is matched by its slug: a changed name, position or lead flag is updated, a new
slug is added, and a slug that is in the database but not in the file is reported, not deleted,
unless the caller asks for it to be removed. An organisation that joined through a request to
endorse (review.py) is never removed: it is not in any file, and stays after the file's rows.
"""

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from petition.endorsements.models import Endorsement
from petition.endorsements.request_models import EndorsementRequest, RequestStatus
from petition.extensions import db

BUNDLED_LIST = Path(__file__).resolve().parent.parent / "content" / "endorsements.csv"


class ImportFileError(ValueError):
    """The file cannot be imported; the message says where and why."""


@dataclass(frozen=True)
class Row:
    name: str
    slug: str
    position: int
    is_lead: bool


@dataclass
class ImportReport:
    added: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: int = 0
    missing_from_file: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    joined: list = field(default_factory=list)  # approved from a request, not in the file: kept

    @property
    def changed(self):
        return bool(self.added or self.updated or self.removed)


# Slugs appear in share links (/en/o/<slug>): plain, lowercase, unambiguous.
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def read_rows(path):
    """Read and check the file: every row has a name and a unique slug; at most one lead."""
    rows, slugs = [], set()
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            if not reader.fieldnames or not {"name", "slug"} <= set(reader.fieldnames):
                raise ImportFileError(f"{path}: the header must name the columns name, slug and lead")
            for line, record in enumerate(reader, start=2):
                name = " ".join((record.get("name") or "").split())
                slug = (record.get("slug") or "").strip()
                if not name or not slug:
                    raise ImportFileError(f"{path}, line {line}: a name and a slug are required")
                if len(name) > 300 or len(slug) > 100:
                    raise ImportFileError(f"{path}, line {line}: the name or slug is too long")
                if not SLUG.fullmatch(slug):
                    raise ImportFileError(
                        f"{path}, line {line}: the slug {slug!r} must be lowercase letters, digits and dashes"
                    )
                if any(unicodedata.category(c) == "Cc" for c in name):
                    raise ImportFileError(f"{path}, line {line}: the name contains control characters")
                if slug in slugs:
                    raise ImportFileError(f"{path}, line {line}: the slug {slug!r} appears twice")
                slugs.add(slug)
                lead = (record.get("lead") or "").strip().lower() in {"1", "true", "yes"}
                rows.append(Row(name, slug, len(rows) + 1, lead))
    except UnicodeDecodeError as error:
        raise ImportFileError(f"{path}: not UTF-8 text ({error})") from error
    if sum(row.is_lead for row in rows) > 1:
        raise ImportFileError(f"{path}: only one organisation can be the lead signatory")
    return rows


def import_endorsements(path=BUNDLED_LIST, remove_missing=False):
    """Bring the endorsements table in line with the file and commit; returns what changed."""
    rows = read_rows(path)
    report = ImportReport()
    existing = {e.slug: e for e in db.session.execute(db.select(Endorsement)).scalars()}
    for row in rows:
        endorsement = existing.pop(row.slug, None)
        if endorsement is None:
            db.session.add(Endorsement(name=row.name, slug=row.slug, position=row.position, is_lead=row.is_lead))
            report.added.append(row.name)
        elif (endorsement.name, endorsement.position, endorsement.is_lead) != (row.name, row.position, row.is_lead):
            endorsement.name, endorsement.position, endorsement.is_lead = row.name, row.position, row.is_lead
            report.updated.append(row.name)
        else:
            report.unchanged += 1
    joined_ids = joined_through_requests()
    position = len(rows)
    for endorsement in sorted(existing.values(), key=lambda e: (e.position, e.id)):
        if endorsement.id in joined_ids:
            position += 1
            if endorsement.position != position:
                endorsement.position = position
            report.joined.append(endorsement.name)
        elif remove_missing:
            db.session.delete(endorsement)
            report.removed.append(endorsement.name)
        else:
            report.missing_from_file.append(endorsement.name)
    db.session.commit()
    return report


def joined_through_requests():
    """The ids of the organisations that an approved request to endorse added."""
    query = db.select(EndorsementRequest.endorsement_id).where(
        EndorsementRequest.status == RequestStatus.APPROVED, EndorsementRequest.endorsement_id.is_not(None)
    )
    return set(db.session.execute(query).scalars())
