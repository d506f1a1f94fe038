"""bench.sink and bench.load: the sink keeps what it accepted, links are found, a small run balances."""

import os
import shutil
import smtplib
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from bench.load.stores import confirm_path_in, sink_rows
from tests.mailserver import free_port, link_in
from tests.signing_helpers import deliver, path_of, sign
from tests.support import using_postgres

ROOT = Path(__file__).resolve().parent.parent


def start_sink(port, store):
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.sink", "--port", str(port), "--store", str(store)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    pytest.fail("the sink did not start")


def send(port, count, to="someone@example.org"):
    ids = []
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as connection:
        for n in range(count):
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = "letter@example.org", to, f"Message {n}"
            message["Message-ID"] = make_msgid(domain="example.org")
            message.set_content("Bonjour, Élodie : voici le lien.")
            connection.send_message(message)
            ids.append(message["Message-ID"])
    return ids


def test_the_sink_keeps_every_accepted_message_through_a_kill_and_a_restart(tmp_path):
    store, port = tmp_path / "sink.sqlite3", free_port()
    sink = start_sink(port, store)
    first = send(port, 3)
    sink.kill()  # kill -9: what was acknowledged must already be on disk
    sink.wait()
    sink = start_sink(port, store)
    second = send(port, 2, to="other@example.org")
    sink.terminate()
    sink.wait()

    rows = sink_rows(store)
    assert [row[3] for row in rows] == first + second
    assert [row[2] for row in rows] == ["someone@example.org"] * 3 + ["other@example.org"] * 2


class TestConfirmationLinks:
    @pytest.fixture
    def app_config(self, mail_config):
        return mail_config

    def test_the_link_is_found_in_the_raw_bytes_of_a_french_confirmation_email(self, app, client, mail_server):
        assert sign(client, lang="fr", first_name="Éloïse", last_name="Côté").status_code == 303
        deliver(app)
        [message] = mail_server.messages

        assert confirm_path_in(bytes(message)) == path_of(link_in(message, "confirm"))

    def test_a_message_without_a_confirmation_link_gives_none(self):
        message = EmailMessage()
        message.set_content("Nothing to confirm here: https://example.org/en/withdraw/abc")
        assert confirm_path_in(bytes(message)) is None


def run_harness(*extra):
    command = [sys.executable, "-m", "bench.load", "--clients", "8", "--workers", "2"]
    command += ["--mail-workers", "1", "--baseline-seconds", "1", "--limits", "off", *extra]
    if using_postgres():
        command += ["--database-url", os.environ["TEST_DATABASE_URL"]]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")


@needs_wrk
def test_a_small_run_balances_and_exits_zero():
    completed = run_harness("--signatures", "40")

    assert completed.returncode == 0, completed.stderr[-3000:] + completed.stdout[-3000:]
    assert "**FAIL**" not in completed.stdout
    assert "PASS: public count exactly 40, equal to the confirmed rows and the shards" in completed.stdout
    assert "PASS: no message delivered twice" in completed.stdout


@needs_wrk
def test_mail_that_never_arrives_is_a_discrepancy_and_a_non_zero_exit():
    # The mail workers are pointed at a closed port: nothing reaches the sink.
    completed = run_harness("--signatures", "10", "--delivery-timeout", "3", "--set", f"MAIL_PORT={free_port()}")

    assert completed.returncode == 1, completed.stderr[-3000:] + completed.stdout[-3000:]
    assert "**FAIL**: outbox drained" in completed.stdout
    assert "**FAIL**: a confirmation email received for every accepted address" in completed.stdout
    assert "DISCREPANCY" in completed.stderr
