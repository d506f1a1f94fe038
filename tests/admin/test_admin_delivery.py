"""The delivery document downloaded from the export page: a ZIP of the PDF and the CSV it names."""

import hashlib
import io
import json
import re
import zipfile

from petition.audit import AuditEvent
from petition.extensions import db
from tests.admin.admin_helpers import token
from tests.delivery_helpers import SHOWN, TOTAL, add_signers, comparable, pdf_text


def test_the_export_page_offers_the_delivery_document(admin):
    html = admin.get("/admin/export/").get_data(as_text=True)
    assert 'action="/admin/export/delivery"' in html
    assert "signatures delivery --out" in html


def test_the_download_holds_the_document_and_the_csv_it_was_checked_against(app, admin, endorsements, tmp_path):
    add_signers(app)
    response = admin.post("/admin/export/delivery", data={"csrf_token": token(admin, "/admin/export/")})
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(r"attachment; filename=delivery-\d{4}-\d{2}-\d{2}\.zip", disposition)
    data = response.get_data()
    response.close()  # as a server does once it is sent: the ZIP's unnamed file goes with it
    bundle = zipfile.ZipFile(io.BytesIO(data))
    names = sorted(bundle.namelist())
    assert len(names) == 2 and names[0].endswith(".pdf") and names[1].endswith(".csv")
    pdf = tmp_path / "delivery.pdf"
    pdf.write_bytes(bundle.read(names[0]))
    digest = hashlib.sha256(bundle.read(names[1])).hexdigest()
    assert digest in pdf_text(pdf, 1)
    text = comparable(pdf_text(pdf))
    assert all(comparable(shown.split(", ")[0]) in text for *_, shown in SHOWN)
    with app.app_context():
        event = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "delivery_document")).scalar_one()
        assert event.actor is not None
        detail = json.loads(event.detail)
    assert detail["to"] == "download" and detail["csv_sha256"] == digest and detail["signatures"] == TOTAL


def test_the_download_needs_the_forms_token(app, admin):
    response = admin.post("/admin/export/delivery", data={})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "delivery_document")).first() is None


def test_only_administrators_may_download_it(client):
    response = client.post("/admin/export/delivery", data={})
    assert response.status_code in (302, 303, 400, 403)
    assert response.mimetype != "application/zip"
