"""The export downloaded from the administration: a streamed CSV of confirmed signatures, audited."""

import csv
import io
import json
import re

import pytest

from petition.audit import AuditEvent
from petition.extensions import db
from petition.signing import service
from petition.signing.models import Signature
from tests.admin.admin_helpers import token


@pytest.fixture
def people(app, signature_factory):
    signature_factory("marie@example.org", first="Marie-Ève", last="Côté", province="QC")
    signature_factory("omar@example.org", first="=HYPERLINK(1)", last="Ali", province="ON")
    signature_factory("pending@example.org", first="Paula", last="Pending", confirm=False)
    withdrawn = signature_factory("withdrawn@example.org", first="Wanda", last="Withdrawn")
    with app.app_context():
        service.withdraw(db.session.get(Signature, withdrawn))


def download(admin, **fields):
    return admin.post("/admin/export/", data={"csrf_token": token(admin, "/admin/export/"), **fields})


def rows_of(response):
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def export_events(app):
    with app.app_context():
        rows = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "export")).scalars().all()
        return [(row.actor, json.loads(row.detail)) for row in rows]


def test_the_export_form(admin, people):
    page = admin.get("/admin/export/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="include_email"' in html and 'name="reason"' in html and 'type="date"' in html
    assert "2 confirmed signatures in all." in html


def test_the_download_holds_exactly_the_confirmed_signatures(app, admin, people):
    response = download(admin)
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="signatures-\d{4}-\d{2}-\d{2}\.csv"', disposition)
    header, *rows = rows_of(response)
    assert "Email" not in header
    names = sorted((row[0], row[1]) for row in rows)
    assert names == [("'=HYPERLINK(1)", "Ali"), ("Marie-Ève", "Côté")]
    [(actor, detail)] = export_events(app)
    assert actor == "admin@example.org"
    assert detail["filters"] == {"since": None, "until": None, "province": None, "updates": "any"}
    assert (detail["rows"], detail["include_email"], detail["reason"], detail["to"]) == (2, False, None, "download")


def test_filters_narrow_the_download(app, admin, people):
    _header, *rows = rows_of(download(admin, province="QC"))
    assert [row[1] for row in rows] == ["Côté"]
    assert export_events(app)[0][1]["filters"]["province"] == "QC"


def test_email_addresses_need_a_reason(app, admin, people):
    refused = download(admin, include_email="y", reason="")
    assert refused.status_code == 400
    assert "why the email addresses are needed" in refused.get_data(as_text=True)
    assert export_events(app) == []

    response = download(admin, include_email="y", reason="To send the campaign's update to those who agreed")
    assert response.status_code == 200
    header, *rows = rows_of(response)
    assert header[-1] == "Email"
    assert sorted(row[-1] for row in rows) == ["marie@example.org", "omar@example.org"]
    [(_actor, detail)] = export_events(app)
    assert detail["include_email"] is True
    assert detail["reason"] == "To send the campaign's update to those who agreed"


@pytest.mark.parametrize(
    "fields",
    [
        {"since": "yesterday"},
        {"since": "2026-03-05", "until": "2026-03-01"},
        {"province": "ZZ"},
        {"updates": "maybe"},
        {"reason": "x" * 501, "include_email": "y"},
    ],
)
def test_bad_filters_are_a_400(app, admin, people, fields):
    response = download(admin, **fields)
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
    assert export_events(app) == []


def test_the_export_in_french_has_french_headers(admin, people):
    admin.get("/admin/language/fr")
    header, *_rows = rows_of(download(admin))
    assert header[0] == "Prénom"
