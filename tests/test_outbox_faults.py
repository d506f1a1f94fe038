"""The outbox through a database outage: a message the mail server accepted is sent once, not twice."""

import logging

import pytest
from sqlalchemy.exc import DBAPIError

from petition.extensions import db
from petition.mail.models import OutboxMessage, OutboxStatus
from petition.mail.outbox import drain
from tests.signing_helpers import VALID, deliver, sign


@pytest.fixture
def app_config(mail_config):
    # A lease of 2 s: the sender tries to record an outcome for 1 s before it gives up.
    return {**mail_config, "MAIL_LEASE_SECONDS": 2}


def after_each_delivery(mail_server, monkeypatch, action):
    """Run ``action`` in the mail server once it has kept a message, before the sender hears its 250."""
    keep = mail_server.inbox.handle_DATA

    async def keep_then_act(server, session, envelope):
        reply = await keep(server, session, envelope)
        action()
        return reply

    monkeypatch.setattr(mail_server.inbox, "handle_DATA", keep_then_act)


def outbox(app):
    with app.app_context():
        rows = db.session.execute(db.select(OutboxMessage)).scalars().all()
        db.session.expunge_all()
        return rows


def test_a_database_restart_after_the_250_does_not_send_twice(app, client, mail_server, outage, monkeypatch):
    sign(client)
    after_each_delivery(mail_server, monkeypatch, outage.drop_connections)

    assert deliver(app) == 1

    [message] = outbox(app)
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 1
    assert message.sent_at is not None
    assert message.lease_until is None
    monkeypatch.undo()
    assert deliver(app) == 0
    assert len(mail_server.to(VALID["email"])) == 1


def test_a_database_down_longer_than_half_the_lease_leaves_the_message_unrecorded_and_says_so(
    app, client, mail_server, outage, monkeypatch, caplog
):
    sign(client)
    after_each_delivery(mail_server, monkeypatch, outage.begin)

    with app.app_context(), pytest.raises(DBAPIError):
        drain()
    outage.end()

    [message] = outbox(app)
    assert message.status == OutboxStatus.SENDING, "not marked sent: nothing recorded it"
    assert len(mail_server.to(VALID["email"])) == 1
    errors = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert any(f"outbox message {message.id}:" in record.getMessage() for record in errors)


def test_the_worker_carries_on_through_a_database_outage(app, client, runner, mail_server, outage, monkeypatch):
    sign(client)
    after_each_delivery(mail_server, monkeypatch, outage.begin)

    result = runner.invoke(args=["mail", "worker", "--once"])
    outage.end()

    assert result.exit_code == 0, result.output
    assert "Outbox error, retrying" in result.output
    assert "Mail worker stopped." in result.output
    assert len(mail_server.to(VALID["email"])) == 1


def test_a_refused_message_is_recorded_through_a_database_restart(app, client, mail_server, outage, monkeypatch):
    mail_server.inbox.refuse = True
    sign(client)
    after_each_delivery(mail_server, monkeypatch, outage.drop_connections)

    assert deliver(app) == 0

    [message] = outbox(app)
    assert message.status == OutboxStatus.QUEUED
    assert message.attempts == 1
    assert "451" in message.last_error
    assert message.lease_until is None
