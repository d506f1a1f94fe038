"""A mail worker killed in the middle of an update, and another started: the rest goes out, and
nobody receives the update twice."""

import os
import signal
import time

import pytest

from petition.extensions import db
from tests.processes import base_env, stop
from tests.test_mail_workers import start_mail_worker, wait_for_line
from tests.test_updates_throttle import consenting
from tests.updates_helpers import CASL, progress_of, send_all, sent, written


@pytest.fixture
def app_config(mail_config):
    return mail_config | CASL


def worker_env(app, mail_server):
    return base_env(
        app.config["SQLALCHEMY_DATABASE_URI"],
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=mail_server.port,
        MAIL_BATCH_SIZE=5,
        # A short lease: the batch the killed worker held is taken again two seconds on.
        MAIL_LEASE_SECONDS=2,
        UPDATES_PER_MINUTE=600_000,
        CAMPAIGN_NAME=CASL["CAMPAIGN_NAME"],
        CAMPAIGN_POSTAL_ADDRESS=CASL["CAMPAIGN_POSTAL_ADDRESS"].replace("\n", "\\n"),
    )


def update_recipients(mail_server):
    return [message["To"] for message in mail_server.messages if "Precedence" in message]


def test_a_worker_killed_mid_send_and_another_started_send_the_rest_once_each(app, mail_server):
    consenting(app, 20, "en")
    consenting(app, 20, "fr")
    update_id = written(app)
    sent(app, update_id)
    env = worker_env(app, mail_server)

    # The server keeps the first 12 update emails and holds the 13th unanswered: the worker is
    # killed while it waits, with that message and the rest of its batch claimed.
    mail_server.inbox.hold_after = len(mail_server.messages) + 12
    first = start_mail_worker(env)
    try:
        assert mail_server.inbox.held.wait(60), "the worker reached the held message"
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        stop(first)
        first.stdout.close()
    mail_server.inbox.hold_after = None
    mail_server.inbox.release.set()
    assert len(update_recipients(mail_server)) == 12
    progress = progress_of(app, update_id)
    assert progress.sent == 12 and not progress.done

    second = start_mail_worker(env)
    try:
        wait_for_line(second, r"Mail worker .* started")
        deadline = time.monotonic() + 60
        while not progress_of(app, update_id).done and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop(second)
        second.stdout.close()

    received = update_recipients(mail_server)
    assert len(received) == 40, "everyone once, the held message included"
    assert len(set(received)) == 40
    progress = progress_of(app, update_id)
    assert (progress.sent, progress.failed, progress.not_sent, progress.done) == (40, 0, 0, True)
    with app.app_context():
        db.session.remove()
    send_all(app)
    assert len(update_recipients(mail_server)) == 40
