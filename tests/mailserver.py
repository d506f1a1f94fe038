"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the tests."""

import asyncio
import email
import re
import socket
import threading
import time
from email import policy

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """Collects messages; ``refuse`` makes the server answer 451 (try again later), an address in
    ``unknown`` is refused for good at RCPT (550, no such mailbox), and ``hold_after`` set to a
    number keeps the message after that many waiting until ``release`` is set, then refuses it
    unseen (a sender can be stopped while it waits for an answer that never counts)."""

    def __init__(self):
        self.messages = []
        self.refuse = False
        self.unknown = set()
        self.hold_after = None
        self.held = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.unknown:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.hold_after is not None and len(self.messages) >= self.hold_after:
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
            return "451 4.3.0 Held, not kept"
        if self.refuse:
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 OK"


class MailServer:
    def __init__(self):
        self.inbox = Inbox()
        self.port = free_port()
        self.controller = None

    @property
    def messages(self):
        with self.inbox.lock:
            return list(self.inbox.messages)

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]

    def wait_for(self, count, timeout=15):
        """Wait until ``count`` messages have arrived (a bound, not a timing assertion)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


def text_of(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message):
    return message.get_body(preferencelist=("html",)).get_content()


def link_in(message, kind):
    """The first link to ``/<lang>/<kind>/...`` in the text body."""
    match = re.search(rf"https?://\S+/(?:en|fr)/{kind}/\S+", text_of(message))
    assert match, f"no {kind} link in:\n{text_of(message)}"
    return match.group(0)
