"""Where messages go: an SMTP server, or in development a mailbox folder under ``instance/``.

The sender hands over a message already rendered (kinds.py); nothing here composes. An email is
written here straight to the bytes that go on the wire (``build_message``): the
stdlib's ``EmailMessage`` parses every header it is given and folds it again when flattened, which
cost the sender more than anything else it did. Only what needs encoding is encoded: the From
header and a subject outside ASCII (once per distinct value), and the two bodies, as
quoted-printable UTF-8.
"""

import binascii
import functools
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from email import policy
from email.header import Header
from email.utils import format_datetime, parseaddr
from pathlib import Path

from flask import current_app

from petition.timeutil import utcnow

CRLF = "\r\n"


class TemporaryFailure(Exception):
    """Try again later: the server is down, busy, or said 4xx."""


class PermanentFailure(Exception):
    """Do not try again: the server refused the message for good (5xx)."""


class RecipientRefused(PermanentFailure):
    """The recipient's server refused the address itself for good (a 5xx to RCPT TO: no such
    mailbox, disabled): later mail to it would be refused too (suppression.py)."""


@dataclass(frozen=True)
class Email:
    """An email ready to send: the envelope's two addresses and the message, CRLF line endings."""

    sender: str
    recipient: str
    message_id: str
    data: bytes

    @property
    def international(self):
        """An address outside ASCII can only travel with the server's SMTPUTF8 (RFC 6531)."""
        return not (self.sender.isascii() and self.recipient.isascii())


@functools.lru_cache(maxsize=16)
def envelope_sender(sender):
    """The address alone, for MAIL FROM."""
    return parseaddr(sender)[1]


@functools.lru_cache(maxsize=16)
def from_header(sender):
    """The From field for ``sender`` ("Name <address>"), folded by the stdlib's address-aware
    policy, which encodes only the words of the name outside ASCII."""
    chosen = policy.SMTP if envelope_sender(sender).isascii() else policy.SMTPUTF8
    return chosen.fold(*chosen.header_store_parse("From", sender))


@functools.lru_cache(maxsize=64)
def encoded_words(name, value):
    """``value`` as RFC 2047 encoded words, folded to fit the line that starts with ``name``."""
    return Header(value, "utf-8", header_name=name).encode(linesep=CRLF)


def field(name, value):
    """``Name: value`` and its line break; a line break inside ``value`` would start a field of its own."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"the {name} header may not contain a line break")
    return f"{name}: {value}{CRLF}"


def header(name, value):
    """An unstructured field: an ASCII value as it is, unfolded (List-Unsubscribe's URL must not be
    encoded, RFC 2369, and no value here nears the 998-character limit); any other as encoded words."""
    line = field(name, value)
    return line if value.isascii() else f"{name}: {encoded_words(name, value)}{CRLF}"


def quoted_printable(text):
    """UTF-8 text as quoted-printable lines (at most 76 characters, CRLF-terminated)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").encode()
    return binascii.b2a_qp(lines, istext=True).replace(b"\n", b"\r\n")


def text_part(subtype, text):
    head = f'Content-Type: text/{subtype}; charset="utf-8"{CRLF}Content-Transfer-Encoding: quoted-printable{CRLF * 2}'
    return head.encode() + quoted_printable(text)


def multipart_alternative(text_body, html_body):
    """The Content-Type field and the body of a text and HTML message.

    Quoted-printable writes ``=`` only before two hex digits or a line break, so a boundary that
    starts with ``=_`` cannot occur in either part: it needs no search of the bodies.
    """
    boundary = f"=_{secrets.token_hex(16)}"
    delimiter = f"{CRLF}--{boundary}{CRLF}".encode()
    content_type = f'MIME-Version: 1.0{CRLF}Content-Type: multipart/alternative; boundary="{boundary}"{CRLF}'
    body = (
        f"--{boundary}{CRLF}".encode()
        + text_part("plain", text_body)
        + delimiter
        + text_part("html", html_body)
        + f"{CRLF}--{boundary}--{CRLF}".encode()
    )
    return content_type, body


def build_message(content, recipient, message_id, sender):
    """The email that says ``content`` (a ``kinds.Rendered``: subject, bodies, headers), from
    ``sender`` to ``recipient``."""
    head = [
        from_header(sender),
        # As it is: an address outside ASCII is written in UTF-8 and sent with SMTPUTF8.
        field("To", recipient),
        header("Subject", content.subject),
        field("Date", format_datetime(utcnow())),
        field("Message-ID", message_id),
    ]
    head += [header(name, value) for name, value in content.headers.items()]
    content_type, body = multipart_alternative(content.text_body, content.html_body)
    data = ("".join(head) + content_type + CRLF).encode() + body
    return Email(envelope_sender(sender), recipient, message_id, data)


class SMTPTransport:
    """One connection for a batch of messages."""

    def __init__(self, config):
        self.config = config
        self.connection = None

    def open(self):
        config = self.config
        try:
            connection = smtplib.SMTP(
                config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT_SECONDS"]
            )
            if config.get("MAIL_USE_TLS"):
                connection.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                connection.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        except (OSError, smtplib.SMTPException) as error:
            raise TemporaryFailure(f"cannot reach the mail server: {error}") from error
        self.connection = connection

    def international_options(self):
        """SMTPUTF8 for an address outside ASCII, as ``smtplib.send_message`` asks for it."""
        self.connection.ehlo_or_helo_if_needed()
        if not self.connection.has_extn("smtputf8"):
            raise smtplib.SMTPNotSupportedError("an address needs SMTPUTF8, which the mail server does not offer")
        return ["SMTPUTF8", "BODY=8BITMIME"]

    def send(self, email):
        if self.connection is None:
            self.open()
        try:
            options = self.international_options() if email.international else []
            self.connection.sendmail(email.sender, [email.recipient], email.data, options)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            failure = RecipientRefused if all(code >= 500 for code in codes) else TemporaryFailure
            raise failure(f"recipient refused: {error.recipients}") from error
        except smtplib.SMTPResponseException as error:
            self.close()
            failure = PermanentFailure if error.smtp_code >= 500 else TemporaryFailure
            raise failure(f"{error.smtp_code} {error.smtp_error!r}") from error
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise TemporaryFailure(f"mail server error: {error}") from error

    def close(self):
        if self.connection is not None:
            try:
                self.connection.quit()
            except (OSError, smtplib.SMTPException):
                self.connection.close()
            self.connection = None


class MailboxTransport:
    """Development mail: each message is saved as an ``.eml`` file that ``/dev/mail`` shows."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def open(self):
        self.folder.mkdir(parents=True, exist_ok=True)

    def send(self, email):
        self.open()
        name = email.message_id.strip("<>").replace("/", "_")
        (self.folder / f"{name}.eml").write_bytes(email.data)

    def close(self):
        pass


def mailbox_folder():
    return Path(current_app.instance_path) / "mailbox"


def make_transport(config):
    if config.get("MAIL_SERVER"):
        return SMTPTransport(config)
    return MailboxTransport(mailbox_folder())
