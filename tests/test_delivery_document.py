"""The delivery document, read back with poppler: every shown name and none of the others, the counts,
the digest of the CSV written beside it, in every script; and the command that makes them."""

import hashlib
import json
import os

import pytest

from petition.audit import AuditEvent
from petition.delivery import snapshot
from petition.delivery.service import DeliveryFiles, make_delivery
from petition.extensions import db
from tests.delivery_helpers import HIDDEN_NAMES, SHOWN, TOTAL, add_signers, comparable, pdf_pages, pdf_text
from tests.export_helpers import add, read


@pytest.fixture
def signers(app):
    add_signers(app)


@pytest.fixture
def delivered(app, endorsements, signers, tmp_path):
    files = DeliveryFiles(tmp_path / "delivery.pdf", tmp_path / "delivery.csv")
    with app.test_request_context():
        made = make_delivery(files)
    return files, made


def test_every_shown_name_is_printed_as_the_signer_chose_and_no_other(delivered):
    files, made = delivered
    text = comparable(pdf_text(files.pdf))
    for *_, shown in SHOWN:
        # The name and the city apart: poppler writes a line that mixes directions in its own order.
        for part in shown.split(", "):
            assert comparable(part) in text, shown
    for hidden in HIDDEN_NAMES:
        assert hidden not in text
    assert "@" not in text  # no email address
    assert made.named == len(SHOWN) and made.signatures == TOTAL


def test_no_character_prints_as_an_empty_box(delivered):
    _, made = delivered
    assert made.unknown_glyphs == 0


def test_the_cover_gives_the_counts_and_the_digest_of_the_csv_beside_it(delivered):
    files, made = delivered
    digest = hashlib.sha256(files.csv.read_bytes()).hexdigest()
    assert made.csv_sha256 == digest
    cover = pdf_text(files.pdf, 1)
    assert digest in cover
    assert f"{TOTAL} verified signatures" in cover and f"{TOTAL} signatures confirmées" in cover
    assert "414 endorsing organisations" in cover and "414 organisations signataires" in cover
    assert "(15 rows)" in cover
    header, *rows = read(files.csv.read_bytes())
    assert header[0] == "First name" and len(rows) == TOTAL  # the export, the hidden name included
    assert os.stat(files.csv).st_mode & 0o077 == 0 and os.stat(files.pdf).st_mode & 0o077 == 0


def test_the_letter_the_organisations_and_the_table_are_in_it(app, delivered):
    files, made = delivered
    text = pdf_text(files.pdf)
    assert "Dear Prime Minister Trudeau," in text
    assert "Cher Premier Ministre Trudeau," in text or "Premier Ministre" in text
    assert "National Council of Canadian Muslims" in text
    assert "Verified signatures by province and territory" in text
    assert "Île-du-Prince-Édouard" in text and "Outside Canada" in text
    assert made.pages == pdf_pages(files.pdf) and made.pages >= 8


def test_those_not_named_are_counted_in_their_province(delivered):
    files, _ = delivered
    text = " ".join(pdf_text(files.pdf).split())
    assert "and 1 other who asked not to be named" in text
    assert "and 1 other whose name the moderators withheld" in text


def test_running_headers_and_page_numbers(delivered):
    files, made = delivered
    last = pdf_text(files.pdf, made.pages)
    assert "Open letter to the Prime Minister" in last
    assert str(made.pages) in last.split()
    assert "Open letter to the Prime Minister · Lettre" not in pdf_text(files.pdf, 1).split("\n")[0]


def test_the_audit_log_keeps_the_digest(app, delivered):
    _, made = delivered
    with app.app_context():
        event = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "delivery_document")).scalar_one()
        detail = json.loads(event.detail)
    assert detail["csv_sha256"] == made.csv_sha256 and detail["signatures"] == TOTAL


def test_the_snapshot_does_not_see_what_is_signed_while_it_reads(app, signers):
    with app.test_request_context():
        with snapshot.snapshot() as connection:
            before = snapshot.province_counts(connection)
            add("Late", "Comer", "late@example.org", province="ON")
            db.session.remove()
            assert snapshot.province_counts(connection) == before
        with snapshot.snapshot() as connection:
            assert snapshot.province_counts(connection)["ON"].signatures == before["ON"].signatures + 1


def test_an_empty_campaign_still_makes_a_document(app, endorsements, tmp_path):
    files = DeliveryFiles(tmp_path / "empty.pdf", tmp_path / "empty.csv")
    with app.test_request_context():
        made = make_delivery(files)
    assert made.signatures == 0 and made.pages >= 6
    assert "0 verified signatures" in pdf_text(files.pdf, 1)


def test_the_command_writes_both_files(app, runner, endorsements, signers, tmp_path):
    out = tmp_path / "for-the-pm.pdf"
    result = runner.invoke(args=["signatures", "delivery", "--out", str(out)])
    assert result.exit_code == 0, result.output
    csv_file = tmp_path / "for-the-pm.csv"
    digest = hashlib.sha256(csv_file.read_bytes()).hexdigest()
    assert digest in result.stderr and digest in pdf_text(out, 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["for-the-pm.csv", "for-the-pm.pdf"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "delivery.txt"], "must end in .pdf"),
        (["--out", "/no/such/folder/delivery.pdf"], "does not exist"),
        ([], "Missing option '--out'"),
        (["--out", "d.pdf", "--lang", "de"], "Invalid value for '--lang'"),
    ],
)
def test_the_command_refuses_what_it_cannot_do(runner, tmp_path, args, message):
    os.chdir(tmp_path)
    result = runner.invoke(args=["signatures", "delivery", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert list(tmp_path.iterdir()) == []
