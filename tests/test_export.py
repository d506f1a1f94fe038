"""The export of confirmed signatures: what it holds, how a spreadsheet reads it, and the command."""

import codecs
import csv
import io
import json
import os
import pty
import select
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.support import Translations

from petition.audit import AuditEvent
from petition.extensions import db
from petition.signing import moderation, service
from petition.signing.export import ExportFilterError, ExportFilters, count_rows, csv_chunks, row_batches, write_csv
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


@pytest.fixture
def every_state(app):
    """One signature in each state, plus a hidden name; returns the names that must be exported."""
    with app.test_request_context():
        add("Pending", "Person", "pending@example.org", confirm=False)
        withdrawn = add("Withdrawn", "Person", "withdrawn@example.org")
        service.withdraw(withdrawn)
        invalidated = add("Invalidated", "Person", "invalidated@example.org")
        moderation.invalidate(invalidated)
        add("Élodie", "Tremblay", "elodie@example.ca", province="QC", city="Gatineau", lang="fr", wants_updates=True)
        hidden = add("Hidden", "Name", "hidden@example.org", share_ref="org:al-rashid-mosque")
        moderation.hide(hidden)
        add("Zoë", "Côté-Ñúñez", "zoe@example.net", province="BC", city="Trois-Rivières")
        withdrawn_again = add("Back", "Again", "back@example.org")
        service.withdraw(withdrawn_again)
        db.session.remove()
    return sorted([("Élodie", "Tremblay"), ("Hidden", "Name"), ("Zoë", "Côté-Ñúñez")])


def test_the_export_holds_exactly_the_confirmed_signatures(app, every_state):
    data = exported(app)
    assert names(data) == every_state
    with app.app_context():
        assert count_rows(ExportFilters()) == len(every_state)


def test_header_columns_and_cells(app):
    with app.test_request_context():
        signature = add(
            "Élodie", "Tremblay", "elodie@example.ca", province="QC", city=None, lang="fr", wants_updates=True
        )
        other = add("Sam", "Smith", "sam@example.org", share_ref="ref:poster-gatineau")
        signatures = {s.id: s for s in db.session.execute(db.select(Signature)).scalars()}
    header, first, second = read(exported(app))
    assert header == HEADER
    tz = ZoneInfo("America/Toronto")
    stored = signatures[signature.id]
    assert first[:4] == ["Élodie", "Tremblay", "", "QC"]
    assert first[6:8] == ["fr", "yes"]
    for cell, moment in ((first[4], stored.created_at), (first[5], stored.confirmed_at)):
        parsed = datetime.fromisoformat(cell)
        assert parsed == moment.replace(microsecond=0, tzinfo=moment.tzinfo or UTC)
        assert parsed.utcoffset() == parsed.astimezone(tz).utcoffset()
    assert datetime.fromisoformat(first[8]) == stored.updates_consented_at.replace(microsecond=0, tzinfo=UTC)
    assert first[9] == ""
    assert second[:4] == ["Sam", "Smith", "Ottawa", "ON"]
    assert second[7:] == ["no", "", "ref:poster-gatineau"]
    assert signatures[other.id].email not in exported(app).decode("utf-8-sig")


@pytest.mark.parametrize("field", ["first_name", "last_name", "city"])
@pytest.mark.parametrize("value", FORMULAS)
def test_formula_cells_are_neutralised(app, field, value):
    fields = {"first_name": "Ada", "last_name": "Lovelace", "city": "London"} | {field: value}
    with app.test_request_context():
        add(fields.pop("first_name"), fields.pop("last_name"), "ada@example.org", **fields)
    [row] = records(exported(app))
    cell = row[{"first_name": "First name", "last_name": "Last name", "city": "City"}[field]]
    assert cell == "'" + value
    assert [row["First name"], row["Last name"], row["City"]].count(cell) == 1


def test_cells_that_only_contain_formula_characters_are_left_alone(app):
    with app.test_request_context():
        add("Anne-Marie", "Smith+Jones", "anne@example.org", city="Saint-Jérôme", share_ref="ref:a=b")
    [row] = records(exported(app))
    assert (row["First name"], row["Last name"], row["City"], row["Share reference"]) == (
        "Anne-Marie",
        "Smith+Jones",
        "Saint-Jérôme",
        "ref:a=b",
    )


def test_share_references_and_emails_are_neutralised_too(app):
    with app.test_request_context():
        add("Ada", "Lovelace", "=cmd@example.org", share_ref="@evil")
    [row] = records(exported(app, include_email=True))
    assert row["Share reference"] == "'@evil"
    assert row["Email"] == "'=cmd@example.org"


def test_utf8_with_a_bom_and_crlf_line_ends(app, every_state):
    data = exported(app)
    assert data.startswith(codecs.BOM_UTF8)
    assert data.count(codecs.BOM_UTF8) == 1
    lines = data.split(b"\r\n")
    assert lines[-1] == b""
    assert all(b"\n" not in line for line in lines)
    assert "Côté-Ñúñez".encode() in data
    assert "Trois-Rivières".encode() in data


def test_emails_only_when_asked(app, every_state):
    plain = exported(app).decode("utf-8-sig")
    assert "@example" not in plain
    assert "Email" not in read(plain.encode("utf-8-sig"))[0]
    rows = records(exported(app, include_email=True))
    assert sorted(row["Email"] for row in rows) == ["elodie@example.ca", "hidden@example.org", "zoe@example.net"]
    assert list(rows[0])[:-1] == HEADER and list(rows[0])[-1] == "Email"


def test_header_in_french_follows_the_catalogue(app):
    with app.test_request_context():
        add("Élodie", "Tremblay", "elodie@example.ca", wants_updates=True)
        catalogue = Translations.load(app.config["BABEL_TRANSLATION_DIRECTORIES"], ["fr_CA"])
        header, row = read(exported(app, include_email=True, lang="fr"))
    assert header == [catalogue.gettext(label) for label in [*HEADER, "Email"]]
    assert row[7] == catalogue.gettext("yes")


def test_an_unknown_language_is_refused(app):
    with app.app_context(), pytest.raises(ExportFilterError):
        list(csv_chunks(ExportFilters(), lang="de"))


def confirmed_on(app, **moments):
    """Signatures confirmed at the given UTC times, named after the keywords."""
    with app.test_request_context():
        for name, moment in moments.items():
            signature = add(name, "Person", f"{name.lower()}@example.org")
            db.session.execute(db.update(Signature).where(Signature.id == signature.id).values(confirmed_at=moment))
        db.session.commit()


def first_names(app, filters):
    return sorted(row["First name"] for row in records(exported(app, filters)))


# In Toronto (UTC-5 in November) B signed late on the 9th, although it was the 10th in UTC.
MOMENTS = {
    "A": datetime(2026, 11, 9, 12, 0, tzinfo=UTC),
    "B": datetime(2026, 11, 10, 4, 30, tzinfo=UTC),
    "C": datetime(2026, 11, 10, 5, 30, tzinfo=UTC),
    "D": datetime(2026, 11, 11, 12, 0, tzinfo=UTC),
}


def test_days_are_the_campaigns_and_both_ends_count(app):
    confirmed_on(app, **MOMENTS)
    assert first_names(app, ExportFilters(since=date(2026, 11, 10))) == ["C", "D"]
    assert first_names(app, ExportFilters(until=date(2026, 11, 9))) == ["A", "B"]
    assert first_names(app, ExportFilters(since=date(2026, 11, 10), until=date(2026, 11, 10))) == ["C"]
    assert first_names(app, ExportFilters(since=date(2026, 11, 12))) == []
    with app.app_context():
        assert count_rows(ExportFilters(since=date(2026, 11, 10))) == 2


@pytest.mark.parametrize("app_config", [{"CAMPAIGN_TIMEZONE": "UTC"}])
def test_the_time_zone_is_a_setting(app):
    confirmed_on(app, **MOMENTS)
    assert first_names(app, ExportFilters(until=date(2026, 11, 9))) == ["A"]
    [row] = [row for row in records(exported(app)) if row["First name"] == "B"]
    assert row["Confirmed at"] == "2026-11-10T04:30:00+00:00"


def test_filters_by_province_and_consent(app, every_state):
    with app.test_request_context():
        add("Marc", "Roy", "marc@example.org", province="QC", wants_updates=False)
    assert first_names(app, ExportFilters(province="QC")) == ["Marc", "Élodie"]
    assert first_names(app, ExportFilters(province="QC", updates="yes")) == ["Élodie"]
    assert first_names(app, ExportFilters(updates="no")) == ["Hidden", "Marc", "Zoë"]
    assert first_names(app, ExportFilters(province="NU")) == []


def test_filters_from_text(app):
    assert ExportFilters.parse(since="2026-11-01", until="", province="qc", updates="YES") == ExportFilters(
        since=date(2026, 11, 1), province="QC", updates="yes"
    )
    assert ExportFilters.parse() == ExportFilters()


@pytest.mark.parametrize(
    "values",
    [
        {"since": "2026-13-01"},
        {"until": "yesterday"},
        {"province": "ZZ"},
        {"updates": "maybe"},
        {"since": "2026-11-10", "until": "2026-11-01"},
    ],
)
def test_bad_filters_are_refused(values):
    with pytest.raises(ExportFilterError):
        ExportFilters.parse(**values)


def export_rows(filters, batch_size=1000):
    return [row for batch in row_batches(filters, batch_size=batch_size) for row in batch]


def test_batches_cover_every_row_once_in_order(app):
    with app.test_request_context():
        for n in range(7):
            add(f"Person{n}", "Batch", f"p{n}@example.org")
        add("Pending", "Batch", "pending@example.org", confirm=False)
        whole = list(export_rows(ExportFilters()))
        assert list(export_rows(ExportFilters(), batch_size=2)) == whole
        assert list(export_rows(ExportFilters(), batch_size=7)) == whole
        chunks = list(csv_chunks(ExportFilters(), batch_size=3))
    assert [row[0] for row in whole] == [f"Person{n}" for n in range(7)]
    assert len(chunks) == 1 + 3  # the header, then batches of 3, 3 and 1
    assert read("".join(chunks).encode())[1:] == [list(row) for row in whole]


def test_an_empty_export_is_a_header(app):
    assert read(exported(app)) == [HEADER]


# --- the command -------------------------------------------------------------------------------


def audit_events(app):
    with app.app_context():
        events = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "export")).scalars().all()
        return [(event.actor, json.loads(event.detail)) for event in events]


def test_the_command_writes_the_file_and_records_the_export(app, runner, every_state, tmp_path):
    out = tmp_path / "signatures.csv"
    result = runner.invoke(args=["signatures", "export", "--out", str(out), "--province", "qc", "--updates", "yes"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "Exported 1 confirmed signatures" in result.stderr
    assert names(out.read_bytes()) == [("Élodie", "Tremblay")]
    assert os.stat(out).st_mode & 0o077 == 0  # personal data: the owner's eyes only
    assert list(tmp_path.iterdir()) == [out]
    [(actor, detail)] = audit_events(app)
    assert actor is None
    assert detail["rows"] == 1
    assert detail["filters"] == {"since": None, "until": None, "province": "QC", "updates": "yes"}
    assert detail["include_email"] is False and detail["reason"] is None
    assert detail["to"] == str(out) and detail["complete"] is True


def test_the_command_writes_to_stdout(app, runner, every_state):
    result = runner.invoke(args=["signatures", "export", "--since", "2000-01-01", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert names(result.stdout_bytes) == every_state
    [(_actor, detail)] = audit_events(app)
    assert detail["to"] == "stdout" and detail["rows"] == 3
    assert detail["filters"]["since"] == "2000-01-01"


def test_emails_from_the_command_need_a_reason_kept_in_the_log(app, runner, every_state):
    result = runner.invoke(
        args=["signatures", "export", "--include-email", "--reason", "Delivery to the PMO, as agreed"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(row["Email"] for row in records(result.stdout_bytes)) == [
        "elodie@example.ca",
        "hidden@example.org",
        "zoe@example.net",
    ]
    [(_actor, detail)] = audit_events(app)
    assert detail["include_email"] is True
    assert detail["reason"] == "Delivery to the PMO, as agreed"


@pytest.mark.parametrize(
    "arguments",
    [
        ["--since", "2026-13-01"],
        ["--until", "yesterday"],
        ["--since", "2026-11-10", "--until", "2026-11-01"],
        ["--province", "ZZ"],
        ["--updates", "maybe"],
        ["--include-email"],
        ["--include-email", "--reason", "   "],
        ["--reason", "just because"],
        ["--lang", "de"],
        ["--out", "{tmp}/missing/signatures.csv"],
    ],
)
def test_bad_arguments_are_usage_errors_and_write_nothing(app, runner, every_state, tmp_path, arguments):
    out = tmp_path / "signatures.csv"
    arguments = [argument.replace("{tmp}", str(tmp_path)) for argument in arguments]
    if "--out" not in arguments:
        arguments += ["--out", str(out)]
    result = runner.invoke(args=["signatures", "export", *arguments])
    assert result.exit_code == 2, result.output
    assert "Usage:" in result.stderr and "Error" in result.stderr
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []
    assert audit_events(app) == []


def run_command(app, arguments, stderr, stdout=subprocess.DEVNULL):
    environment = os.environ | {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "TESTING": "true",
        "MAIL_BACKGROUND_SENDER": "false",
    }
    flask = Path(sys.executable).with_name("flask")
    return subprocess.Popen(
        [str(flask), "--app", "petition", "signatures", "export", *arguments],
        cwd=ROOT,
        env=environment,
        stdout=stdout,
        stderr=stderr,
    )


def test_a_progress_bar_on_a_terminal_only(app, every_state, tmp_path):
    out = tmp_path / "signatures.csv"
    controller, terminal = pty.openpty()
    process = run_command(app, ["--out", str(out)], stderr=terminal)
    os.close(terminal)
    shown = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if select.select([controller], [], [], 1)[0]:
            try:
                piece = os.read(controller, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not piece:
                break
            shown += piece
        elif process.poll() is not None:
            break
    os.close(controller)
    assert process.wait(timeout=30) == 0
    assert b"Exporting" in shown and b"100%" in shown
    assert names(out.read_bytes()) == every_state

    piped = run_command(app, ["--out", str(out)], stderr=subprocess.PIPE)
    _, errors = piped.communicate(timeout=60)
    assert piped.returncode == 0
    assert b"Exporting" not in errors and b"%" not in errors
    assert errors.decode().strip() == f"Exported 3 confirmed signatures to {out}."


def test_a_reader_that_stops_early_ends_the_command_cleanly_and_is_logged(app, tmp_path):
    """As with ``… | head``: more rows than a pipe holds, and the reader goes away after a few bytes."""
    now = datetime.now(UTC)
    with app.app_context():
        db.session.execute(
            db.insert(Signature),
            [
                {
                    "status": "confirmed",
                    "first_name": "Many",
                    "last_name": f"Person {n}",
                    "email": f"many-{n}@example.org",
                    "email_canonical": f"many-{n}@example.org",
                    "email_domain": "example.org",
                    "province": "ON",
                    "city": "Ottawa",
                    "lang": "en",
                    "created_at": now,
                    "confirmed_at": now,
                }
                for n in range(3000)
            ],
        )
        db.session.commit()
    process = run_command(app, [], stderr=subprocess.PIPE, stdout=subprocess.PIPE)
    assert process.stdout.read(100).startswith(codecs.BOM_UTF8)
    process.stdout.close()
    with process.stderr:
        errors = process.stderr.read().decode()
    assert process.wait(timeout=60) == 1
    assert "the output was closed before the end of the export" in errors
    assert "Traceback" not in errors and "Exception ignored" not in errors
    [(_actor, detail)] = audit_events(app)
    assert detail["complete"] is False and detail["to"] == "stdout"
