"""Several mail workers on one outbox: none sends a message twice, and a stopped worker finishes
its batch and takes no other."""

import re
import select
import subprocess
import sys
import threading
import time

import pytest

from petition.extensions import db
from petition.mail.models import OutboxMessage, OutboxStatus
from tests.processes import (
    ROOT,
    START_TIMEOUT,
    base_env,
    stop,
)
from tests.signing_helpers import make_signature

# --- two mail workers on one outbox -------------------------------------------------------------


def start_mail_worker(env):
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "petition", "mail", "worker", "--poll", "0.05"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def wait_for_line(process, pattern):
    """Read the process's output until a line matches; returns the match."""
    deadline = time.monotonic() + START_TIMEOUT
    seen = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if ready:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                break
            seen.append(line)
            match = re.search(pattern, line)
            if match:
                return match
    raise AssertionError(f"no line matching {pattern!r} from the worker:\n{''.join(seen)}")


def outbox_statuses(app):
    with app.app_context():
        rows = db.session.execute(db.select(OutboxMessage.status, OutboxMessage.claimed_by)).all()
        db.session.remove()
    return rows


def test_a_stopped_mail_worker_finishes_its_batch_and_takes_no_other(monkeypatch):
    from petition.mail import outbox

    stopping = threading.Event()
    batches = []

    def one_batch(claimant):
        batches.append(claimant)
        stopping.set()  # SIGTERM arrives while this batch is being sent
        return 50, 50

    monkeypatch.setattr(outbox, "take_in_all", lambda: 0)
    monkeypatch.setattr(outbox, "drain", one_batch)
    assert outbox.drain_all("worker:test", stopping) == 50
    assert batches == ["worker:test"]


def test_a_mail_worker_drains_batch_after_batch_until_nothing_is_due(monkeypatch):
    from petition.mail import outbox

    results = iter([(50, 50), (50, 49), (3, 3), (0, 0)])
    monkeypatch.setattr(outbox, "take_in_all", lambda: 0)
    monkeypatch.setattr(outbox, "drain", lambda claimant: next(results))
    assert outbox.drain_all("worker:test", threading.Event()) == 102
    assert next(results, None) is None, "it stopped only when nothing was left"


class TestTwoMailWorkers:
    MESSAGES = 40

    @pytest.fixture
    def app_config(self, mail_config):
        return mail_config

    def test_every_message_is_sent_exactly_once(self, app, mail_server, migrated_database):
        env = base_env(
            migrated_database,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=mail_server.port,
            MAIL_DEFAULT_SENDER="Open letter <letter@example.org>",
            # One message per claim, so that the two workers take turns on the same rows.
            MAIL_BATCH_SIZE=1,
        )
        workers = [start_mail_worker(env), start_mail_worker(env)]
        try:
            names = [wait_for_line(worker, r"Mail worker (\S+) started")[1] for worker in workers]
            for n in range(self.MESSAGES):
                make_signature(app, f"worker{n}@example.org", confirm=False, lang="fr" if n % 2 else "en")
            mail_server.wait_for(self.MESSAGES, timeout=START_TIMEOUT)
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline:
                if all(status == OutboxStatus.SENT for status, _ in outbox_statuses(app)):
                    break
                time.sleep(0.05)
        finally:
            for worker in workers:
                stop(worker)
        outputs = [worker.stdout.read() for worker in workers]
        for worker, output in zip(workers, outputs, strict=True):
            worker.stdout.close()
            assert worker.returncode == 0, output
            assert "Mail worker stopped." in output

        rows = outbox_statuses(app)
        assert len(rows) == self.MESSAGES
        assert all(status == OutboxStatus.SENT for status, _ in rows), rows
        assert {claimant for _, claimant in rows} <= set(names)
        with app.app_context():
            expected = set(db.session.execute(db.select(OutboxMessage.message_id)).scalars())
            attempts = set(db.session.execute(db.select(OutboxMessage.attempts)).scalars())
            db.session.remove()
        received = [message["Message-ID"] for message in mail_server.messages]
        assert len(received) == self.MESSAGES, "no message twice"
        assert set(received) == expected, "every message once"
        assert attempts == {1}
        # Which worker sent how many: shown with -s, not asserted (it depends on scheduling).
        print({name: sum(claimant == name for _, claimant in rows) for name in names})
