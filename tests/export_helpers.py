"""Signatures to export, and the export read back as a spreadsheet would."""

import codecs
import csv
import io
from pathlib import Path

from petition.extensions import db
from petition.signing import service
from petition.signing.export import ExportFilters, write_csv
from petition.signing.models import Signature
from petition.signing.service import Submission
from tests.signing_helpers import hashed

ROOT = Path(__file__).resolve().parent.parent
HEADER = [
    "First name",
    "Last name",
    "City",
    "Province",
    "Signed at",
    "Confirmed at",
    "Language",
    "Wants updates",
    "Consented to updates at",
    "Share reference",
]
FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1", "-2", "@SUM(A1:A9)", "\tTab", "\rReturn"]


def add(first, last, email, confirm=True, **fields):
    """A signature made as the signing journey makes it, confirmed unless asked otherwise."""
    values = {
        "province": "ON",
        "city": "Ottawa",
        "display": "full",
        "wants_updates": False,
        "consent_wording": None,
        "lang": "en",
        "ip_hash": hashed("192.0.2.7"),
    } | fields
    if values["wants_updates"]:
        values["consent_wording"] = "2026-11-updates-v1"
    signature = db.session.get(
        Signature, service.submit(Submission(first_name=first, last_name=last, email=email, **values))
    )
    if confirm:
        service.confirm(signature)
    return signature


def exported(app, filters=None, **options):
    with app.app_context():
        out = io.BytesIO()
        rows = write_csv(out, filters or ExportFilters(), **options)
    data = out.getvalue()
    assert len(read(data)) == rows + 1
    return data


def read(data):
    """The file as a spreadsheet would read it: a BOM, UTF-8, then CSV rows."""
    assert data.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def records(data):
    header, *rows = read(data)
    return [dict(zip(header, row, strict=True)) for row in rows]


def names(data):
    return sorted((row["First name"], row["Last name"]) for row in records(data))
