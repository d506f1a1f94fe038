"""``flask --app petition signatures export``: the file, stdout, the reason for emails, the
progress bar, and a reader that stops early."""

import codecs
import json
import os
import pty
import select
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from petition.audit import AuditEvent
from petition.extensions import db
from petition.signing.models import Signature
from tests.export_helpers import (
    ROOT,
    names,
    records,
)


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
