"""The outbox's sender: claiming a batch, what goes on the wire, and what is recorded.

The emails cross a real SMTP server (aiosmtpd on loopback) and are read back by the standard
library's parser, as a mail client would.
"""

import asyncio

import pytest
from aiosmtpd.controller import Controller
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import create_engine, delete, text, update
from sqlalchemy.pool import NullPool

from petition.extensions import db
from petition.mail.kinds import render
from petition.mail.models import OutboxMessage, OutboxStatus
from petition.mail.outbox import claim, drain
from petition.mail.transport import build_message
from petition.signing.models import Signature
from petition.timeutil import utcnow
from tests.mailserver import MailServer, html_of, link_in, text_of
from tests.signing_helpers import confirm_through_page, deliver, sign
from tests.support import using_postgres

SENDER = "Lettre ouverte — Équipe de la Côte-Nord <lettre@example.org>"

# Long enough to be folded over several encoded words, with accents on both sides of the folds.
SUBJECT = "Votre signature a été reçue : merci, Éloïse Côté-Lévesque, de la part de toute l’équipe à Québec"

# What quoted-printable must carry through untouched: accents and a character outside the BMP, a
# line far longer than 76 characters, spaces at the end of a line, "=" signs, and lines that SMTP
# or mbox treat specially (a lone ".", "From ").
TEXT_BODY = (
    "Bonjour Éloïse,\n"
    "\n"
    "Merci d’avoir signé la lettre ouverte au premier ministre ; voici le lien à conserver précieusement "
    "pour retirer votre signature : https://lettre.example.ca/fr/withdraw/eyJzIjo0Mn0.aBcDeF.x=y=z\n"
    "Espaces à la fin   \n"
    ".\n"
    ".point en début de ligne\n"
    "From the team, with 💌\n"
)
HTML_BODY = (
    '<!doctype html>\n<html lang="fr-CA"><body><p style="margin:0 0 16px;">Bonjour Éloïse,</p>\n'
    "<p>Merci d’avoir signé : &laquo; la lettre &raquo; — 1 000 personnes l’ont déjà fait, et vous êtes "
    "la suivante sur une très, très longue ligne.</p></body></html>\n"
)
HEADERS = {
    "List-Unsubscribe": "<https://lettre.example.ca/mail/unsubscribe/eyJzIjo0Mn0.aBcDeF.GhIjKlMnOpQrStUvWxYz0123456789>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    "Content-Language": "fr-CA",
    "Auto-Submitted": "auto-generated",
}


@pytest.fixture
def app_config(mail_config):
    return {**mail_config, "MAIL_DEFAULT_SENDER": SENDER}


def queue_stored(app, to_address="eloise.cote@example.ca"):
    """A message kept with its content, as messages queued before migration 0004 are."""
    with app.app_context():
        message = OutboxMessage(
            kind="notice",
            to_address=to_address,
            subject=SUBJECT,
            text_body=TEXT_BODY,
            html_body=HTML_BODY,
            headers=HEADERS,
            message_id="<round-trip@petition.local>",
        )
        db.session.add(message)
        db.session.commit()
        ident = message.id
        db.session.remove()
    return ident


def outbox(app):
    with app.app_context():
        rows = db.session.execute(db.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
        db.session.expunge_all()
        return rows


def lines_of(data):
    assert data.endswith(b"\r\n")
    return data[:-2].split(b"\r\n")


# --- what goes on the wire -------------------------------------------------------------------


def test_a_french_email_round_trips_exactly_through_a_parser(app, mail_server):
    queue_stored(app)
    assert deliver(app) == 1

    [message] = mail_server.messages
    assert message["Subject"] == SUBJECT
    assert message["From"].addresses[0].display_name == "Lettre ouverte — Équipe de la Côte-Nord"
    assert message["From"].addresses[0].addr_spec == "lettre@example.org"
    assert message["To"] == "eloise.cote@example.ca"
    assert message["Message-ID"] == "<round-trip@petition.local>"
    assert message["Date"].datetime is not None
    for name, value in HEADERS.items():
        assert message[name] == value
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.iter_parts()
    assert (plain.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    for part in (plain, html):
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
    # Every line crossed the wire ending in CRLF, which the parser keeps.
    assert text_of(message).replace("\r\n", "\n") == TEXT_BODY
    assert html_of(message).replace("\r\n", "\n") == HTML_BODY


def test_the_bytes_are_seven_bit_lines_with_crlf_and_list_unsubscribe_is_not_encoded(app):
    ident = queue_stored(app)
    with app.app_context():
        message = db.session.get(OutboxMessage, ident)
        email = build_message(render(message), message.to_address, message.message_id, SENDER)

    assert email.sender == "lettre@example.org"
    assert email.recipient == "eloise.cote@example.ca"
    assert not email.international
    assert email.data.isascii()
    lines = lines_of(email.data)
    assert not any(b"\r" in line or b"\n" in line for line in lines), "CRLF only"
    assert max(len(line) for line in lines) <= 998
    # RFC 2369: mail clients read the URL as it is; an encoded word would hide it.
    assert f"List-Unsubscribe: {HEADERS['List-Unsubscribe']}".encode() in lines
    head = email.data.split(b"\r\n\r\n", 1)[0]
    assert b"Subject: =?utf-8?" in head


def test_a_signers_email_in_french_reads_back_with_its_accents(app, client, mail_server):
    sign(client, "fr", first_name="Éloïse", last_name="Côté-Lévesque")
    deliver(app)
    confirm_through_page(client, link_in(mail_server.messages[0], "confirm"))
    sign(client, "fr", first_name="Éloïse", last_name="Côté-Lévesque")
    deliver(app)

    first, note = mail_server.messages
    with app.test_request_context("/fr/"), force_locale("fr_CA"):
        assert first["Subject"] == _("Please confirm your signature on the open letter")
        assert note["Subject"] == _("You have already signed the open letter")
    assert "é" in note["Subject"], "an accented subject, encoded and decoded"
    [row_first, row_note] = outbox(app)
    for message, row in ((first, row_first), (note, row_note)):
        assert message["Message-ID"] == row.message_id
        assert message["Content-Language"] == "fr-CA"
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["List-Unsubscribe"].startswith("<http://localhost/mail/unsubscribe/")
        assert message["From"].addresses[0].display_name == "Lettre ouverte — Équipe de la Côte-Nord"
        assert text_of(message).splitlines()[2].startswith("Bonjour Éloïse,")
        assert "Bonjour Éloïse,</p>" in html_of(message)


def test_an_address_outside_ascii_goes_with_smtputf8_and_reads_back_exactly(app, client, mail_server):
    assert sign(client, "fr", email="éloïse@exemple.ca").status_code == 303
    assert deliver(app) == 1

    [message] = mail_server.messages
    assert message["To"] == "éloïse@exemple.ca"
    assert text_of(message).splitlines()[2].startswith("Bonjour Élodie,")


class ServerWithoutSMTPUTF8(MailServer):
    """An older mail server: no SMTPUTF8 (RFC 6531), so no address outside ASCII."""

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=False)
        self.controller.start()


class TestServerWithoutSMTPUTF8:
    @pytest.fixture
    def mail_server(self):
        server = ServerWithoutSMTPUTF8()
        server.start()
        yield server
        server.stop()

    def test_an_address_outside_ascii_waits_for_another_try(self, app, client, mail_server):
        sign(client, "fr", email="éloïse@exemple.ca")
        sign(client, "fr", email="eloise@exemple.ca")

        assert deliver(app) == 1

        assert [message["To"] for message in mail_server.messages] == ["eloise@exemple.ca"]
        waiting, sent = outbox(app)
        assert (waiting.status, sent.status) == (OutboxStatus.QUEUED, OutboxStatus.SENT)
        assert "SMTPUTF8" in waiting.last_error


# --- a batch -----------------------------------------------------------------------------------


def test_a_message_whose_signature_was_purged_fails_for_good_and_the_rest_of_its_batch_is_sent(
    app, client, mail_server
):
    for n in range(3):
        sign(client, email=f"signer{n}@example.org")
    with app.app_context():
        # Deleted without its email, which the foreign key cuts loose (signature_id set to NULL).
        db.session.execute(delete(Signature).where(Signature.email == "signer1@example.org"))
        db.session.commit()

    assert deliver(app) == 2

    assert sorted(message["To"] for message in mail_server.messages) == ["signer0@example.org", "signer2@example.org"]
    statuses = {row.to_address: row for row in outbox(app)}
    purged = statuses["signer1@example.org"]
    assert purged.status == OutboxStatus.FAILED, "not retried: there is nothing left to send"
    assert purged.attempts == 1
    assert purged.lease_until is None
    assert purged.last_error == f"outbox message {purged.id}: its signature no longer exists"
    assert {statuses[f"signer{n}@example.org"].status for n in (0, 2)} == {OutboxStatus.SENT}


def test_a_claim_takes_each_due_message_once_until_its_lease_runs_out(app, client):
    for n in range(3):
        sign(client, email=f"signer{n}@example.org")
    with app.app_context():
        first = claim(10, "sender-a")
        assert [message.to_address for message in first] == [f"signer{n}@example.org" for n in range(3)]
        assert [message.attempts for message in first] == [0, 0, 0]
        assert claim(10, "sender-b") == [], "all three are sender-a's while its lease lasts"

        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == first[1].id).values(lease_until=utcnow()))
        db.session.commit()
        again = claim(10, "sender-b")
        assert [message.id for message in again] == [first[1].id], "a lease that ran out is claimed again"
        claimed_by = dict(db.session.execute(db.select(OutboxMessage.id, OutboxMessage.claimed_by)).all())
        db.session.remove()
    assert claimed_by == {first[0].id: "sender-a", first[1].id: "sender-b", first[2].id: "sender-a"}


@pytest.mark.skipif(not using_postgres(), reason="row locks: PostgreSQL only (SQLite has one writer at a time)")
def test_a_claim_skips_the_messages_another_sender_is_claiming_without_waiting(app, client, migrated_database):
    for n in range(3):
        sign(client, email=f"signer{n}@example.org")
    other = create_engine(migrated_database.replace("postgresql://", "postgresql+psycopg://"), poolclass=NullPool)
    with other.connect() as connection:
        # Another sender, in the middle of its claim, holds the two oldest messages.
        held = connection.execute(text("SELECT id FROM outbox_message ORDER BY id LIMIT 2 FOR UPDATE")).scalars().all()
        with app.app_context():
            # Were the claim to wait for those rows, it would fail here rather than hang.
            db.session.execute(text("SET LOCAL lock_timeout = '5s'"))
            taken = claim(10, "sender-b")
            db.session.remove()
        connection.rollback()
    other.dispose()

    assert len(held) == 2
    assert [message.to_address for message in taken] == ["signer2@example.org"]


class TestSlowMailServer:
    @pytest.fixture
    def app_config(self, mail_config):
        # Half of a 2-second lease: one slow message uses it up.
        return {**mail_config, "MAIL_LEASE_SECONDS": 2}

    def test_a_batch_stops_sending_once_half_its_lease_has_passed(self, app, client, mail_server, monkeypatch):
        for n in range(3):
            sign(client, email=f"signer{n}@example.org")
        keep = mail_server.inbox.handle_DATA

        async def slowly(server, session, envelope):
            await asyncio.sleep(1.2)
            return await keep(server, session, envelope)

        monkeypatch.setattr(mail_server.inbox, "handle_DATA", slowly)
        with app.app_context():
            assert drain() == (3, 1)
            db.session.remove()
        monkeypatch.undo()

        rows = outbox(app)
        assert [row.status for row in rows] == [OutboxStatus.SENT, OutboxStatus.SENDING, OutboxStatus.SENDING]
        assert [m["To"] for m in mail_server.messages] == ["signer0@example.org"]
        # Once their lease runs out, the next claim sends the other two, once each.
        with app.app_context():
            db.session.execute(
                update(OutboxMessage).values(lease_until=utcnow()).where(OutboxMessage.status == "sending")
            )
            db.session.commit()
        assert deliver(app) == 2
        assert sorted(m["To"] for m in mail_server.messages) == [f"signer{n}@example.org" for n in range(3)]
