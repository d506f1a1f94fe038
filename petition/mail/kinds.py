"""The registry of message kinds: what each kind of queued message says, rendered when it is sent.

A feature registers its kinds when the app is made (``register_kind(app, "confirm", render,
load=...)``) and queues messages of them (``queue.queue_message``); the senders render each
message through its kind just before sending, so queuing costs one short row in the caller's
transaction, and what an email says is what holds when it leaves. The outbox knows nothing of
the features: a kind is a name, a renderer, and perhaps a loader of what a batch needs.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app


@dataclass(frozen=True)
class Rendered:
    """What an email says: its subject, its two bodies, and headers of its own (name: value)."""

    subject: str
    text_body: str
    html_body: str
    headers: dict


class NothingToRender(Exception):
    """What the message was about no longer exists (a signature purged before its email left): the
    message fails for good, and the rest of its batch is sent."""


class Dropped(Exception):
    """The message is no longer wanted (its recipient unsubscribed, what it announces was
    cancelled): it is recorded as dropped, not sent and not failed, and the batch goes on."""


class UnknownKind(Exception):
    """No kind of this name is registered in this process (perhaps one still running older code)."""


@dataclass(frozen=True)
class MessageKind:
    """``render(message, batch)`` returns a ``Rendered``, or raises ``NothingToRender`` or
    ``Dropped``; ``message`` is the claimed row (its ``payload``, ``lang``, ``to_address``…).
    ``load(messages)``, if given, reads what a batch of messages of this kind needs in one go,
    before sending starts; what it returns is the ``batch`` each of them is rendered with (None
    for a kind without a loader)."""

    name: str
    render: Callable[[Any, Any], Rendered]
    load: Callable[[list], Any] | None = None


def register_kind(app, name, render, load=None):
    """Make ``name`` a kind of message that ``app`` can queue and send."""
    registry = app.extensions.setdefault("mail_kinds", {})
    if name in registry:
        raise ValueError(f"a message kind {name!r} is registered already")
    registry[name] = MessageKind(name, render, load)


def registered():
    return current_app.extensions.get("mail_kinds", {})


def kind_named(name):
    try:
        return registered()[name]
    except KeyError:
        raise UnknownKind(f"no message kind {name!r} is registered") from None


def to_render(messages):
    """The messages that are rendered when sent: not those stored with their content."""
    return [message for message in messages if message.text_body is None]


def load_batches(messages):
    """What each kind's loader reads for its messages among ``messages``, by kind name."""
    by_kind = {}
    for message in to_render(messages):
        by_kind.setdefault(message.kind, []).append(message)
    batches = {}
    for name, of_kind in by_kind.items():
        kind = registered().get(name)
        if kind is not None and kind.load is not None:
            batches[name] = kind.load(of_kind)
    return batches


def render(message, batches=None):
    """What ``message`` says: as stored (messages queued before migration 0004 kept their content),
    or rendered now through its kind. ``batches`` comes from ``load_batches``; without it, a kind
    with a loader loads for this one message."""
    if message.text_body is not None:
        return Rendered(message.subject, message.text_body, message.html_body, message.headers or {})
    kind = kind_named(message.kind)
    if kind.load is None:
        batch = None
    elif batches is not None and message.kind in batches:
        batch = batches[message.kind]
    else:
        batch = kind.load([message])
    return kind.render(message, batch)
