"""Where messages go: an SMTP server, or in development a mailbox folder under ``instance/``."""

import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from flask import current_app

from petition.mail.compose import NothingToRender, rendered


class TemporaryFailure(Exception):
    """Try again later: the server is down, busy, or said 4xx."""


class PermanentFailure(Exception):
    """Do not try again: the server refused the message for good (5xx)."""


def build_message(outbox_message, sender):
    """The email for an outbox message, rendered now if it was queued as a kind and a signature."""
    try:
        content = rendered(outbox_message)
    except NothingToRender as error:
        raise PermanentFailure(str(error)) from error
    message = EmailMessage()
    message["From"] = sender
    message["To"] = outbox_message.to_address
    message["Subject"] = content.subject
    message["Message-ID"] = outbox_message.message_id
    message.set_content(content.text_body)
    message.add_alternative(content.html_body, subtype="html")
    # After the bodies: setting content replaces any Content-* header set before it.
    for name, value in content.headers.items():
        message[name] = value
    return message


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

    def send(self, message):
        if self.connection is None:
            self.open()
        try:
            self.connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            failure = PermanentFailure if all(code >= 500 for code in codes) else TemporaryFailure
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

    def send(self, message):
        self.open()
        name = message["Message-ID"].strip("<>").replace("/", "_")
        (self.folder / f"{name}.eml").write_bytes(bytes(message))

    def close(self):
        pass


def mailbox_folder():
    return Path(current_app.instance_path) / "mailbox"


def make_transport(config):
    if config.get("MAIL_SERVER"):
        return SMTPTransport(config)
    return MailboxTransport(mailbox_folder())
