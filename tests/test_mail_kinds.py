"""The outbox is generic: a feature's new kind of message is registered, and the senders send it.

Campaign updates and organisations' emails are to be kinds like these, registered by their
features; here a throwaway one crosses the real SMTP server (aiosmtpd on loopback).
"""

import pytest
from flask_babel import gettext as _

from petition.extensions import db
from petition.mail.compose import in_language
from petition.mail.kinds import NothingToRender, Rendered, register_kind
from petition.mail.models import OutboxMessage, OutboxStatus
from petition.mail.queue import queue_message
from petition.mail.wake import woken
from tests.mailserver import html_of, text_of
from tests.signing_helpers import deliver


@pytest.fixture
def app_config(mail_config):
    return mail_config


class CampaignNote:
    """A throwaway kind: its loader reads a batch's notes in one go, as signing's reads signatures."""

    def __init__(self):
        self.loads = []

    def load(self, messages):
        self.loads.append(sorted(message.payload["note"] for message in messages))
        return {message.payload["note"]: f"Note {message.payload['note']}" for message in messages}

    def render(self, message, notes):
        if message.payload.get("withdrawn"):
            raise NothingToRender("its note was withdrawn")
        with in_language(message.lang):
            # A string of the catalogue, to show the message rendered in its recipient's language.
            subject = _("You have already signed the open letter")
        note = notes[message.payload["note"]]
        return Rendered(subject, f"{note}\n", f"<p>{note}</p>\n", {"X-Campaign-Note": str(message.payload["note"])})


@pytest.fixture
def note_kind(app):
    kind = CampaignNote()
    register_kind(app, "campaign_note", kind.render, load=kind.load)
    return kind


def queue(app, *messages):
    with app.app_context():
        for to_address, lang, payload in messages:
            queue_message("campaign_note", to_address, lang, payload)
        assert woken(db.session), "queuing asks this process's sender to look once it commits"
        db.session.commit()
        db.session.remove()


def outbox(app):
    with app.app_context():
        rows = db.session.execute(db.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
        db.session.expunge_all()
        return rows


def test_a_kind_registered_by_a_feature_goes_through_the_smtp_server(app, mail_server, note_kind):
    queue(
        app,
        ("marie@example.ca", "fr", {"note": 1}),
        ("sam@example.org", "en", {"note": 2}),
        ("lea@example.ca", "fr", {"note": 3}),
    )

    assert deliver(app) == 3

    assert note_kind.loads == [[1, 2, 3]], "one load for the batch, before sending"
    received = {message["To"]: message for message in mail_server.messages}
    assert received["marie@example.ca"]["Subject"] == "Vous avez déjà signé la lettre ouverte"
    assert received["sam@example.org"]["Subject"] == "You have already signed the open letter"
    assert text_of(received["lea@example.ca"]).replace("\r\n", "\n") == "Note 3\n"
    assert html_of(received["lea@example.ca"]).replace("\r\n", "\n") == "<p>Note 3</p>\n"
    assert received["sam@example.org"]["X-Campaign-Note"] == "2"
    rows = outbox(app)
    assert {row.status for row in rows} == {OutboxStatus.SENT}
    assert [(row.kind, row.lang, row.payload, row.signature_id) for row in rows] == [
        ("campaign_note", "fr", {"note": 1}, None),
        ("campaign_note", "en", {"note": 2}, None),
        ("campaign_note", "fr", {"note": 3}, None),
    ]
    assert {row.message_id for row in rows} == {message["Message-ID"] for message in mail_server.messages}


def test_nothing_to_render_fails_that_message_for_good_and_the_rest_is_sent(app, mail_server, note_kind):
    queue(app, ("marie@example.ca", "fr", {"note": 1, "withdrawn": True}), ("sam@example.org", "en", {"note": 2}))

    assert deliver(app) == 1

    assert [message["To"] for message in mail_server.messages] == ["sam@example.org"]
    withdrawn, sent = outbox(app)
    assert (withdrawn.status, withdrawn.attempts) == (OutboxStatus.FAILED, 1)
    assert withdrawn.last_error == f"outbox message {withdrawn.id}: its note was withdrawn"
    assert sent.status == OutboxStatus.SENT


def test_a_kind_is_registered_once_and_only_registered_kinds_are_queued(app, note_kind):
    with pytest.raises(ValueError, match="registered already"):
        register_kind(app, "campaign_note", note_kind.render)
    with app.app_context(), pytest.raises(ValueError, match="no message kind 'campaign_notes'"):
        queue_message("campaign_notes", "marie@example.ca", "fr", {"note": 1})


def test_a_message_of_a_kind_this_process_does_not_know_waits_for_a_sender_that_does(app, mail_server):
    # Queued by a process running newer code, say, during a deploy.
    with app.app_context():
        db.session.add(OutboxMessage(kind="from_newer_code", to_address="sam@example.org", message_id="<n@x>"))
        db.session.commit()
        db.session.remove()

    assert deliver(app) == 0

    [message] = outbox(app)
    assert (message.status, message.attempts) == (OutboxStatus.QUEUED, 1)
    assert message.last_error == f"outbox message {message.id}: no message kind 'from_newer_code' is registered"
    assert mail_server.messages == []
