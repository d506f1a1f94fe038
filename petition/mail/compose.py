"""Emails to signers: queued as a kind and a signature, rendered in the signer's language when sent.

Queuing writes one short row in the signer's transaction (``outbox_values``); the sender renders
the subject, the two bodies and the headers just before sending (``rendered``), so that a spike of
signatures costs the web processes one insert each, and the links in the email carry the
signature's tokens as they stand when it leaves.
"""

import secrets
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from petition.extensions import db
from petition.i18n import LANGUAGES
from petition.links import public_url
from petition.mail.models import OutboxMessage
from petition.signing import tokens
from petition.signing.models import Signature

SIGNER_KINDS = ("confirm", "already_signed")


class NothingToRender(Exception):
    """The signature an email was about no longer exists (purged before the email left)."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text_body: str
    html_body: str
    headers: dict


def subject_for(kind):
    subjects = {
        "confirm": _("Please confirm your signature on the open letter"),
        "already_signed": _("You have already signed the open letter"),
    }
    return subjects[kind]


def signer_links(signature):
    lang = signature.lang
    unsubscribe = tokens.unsubscribe_token(signature)
    return {
        "confirm_url": public_url("signing.confirm", lang=lang, token=tokens.confirm_token(signature)),
        "withdraw_url": public_url("signing.withdraw", lang=lang, token=tokens.withdraw_token(signature)),
        "unsubscribe_url": public_url("signing.unsubscribe", lang=lang, token=unsubscribe),
        "one_click_unsubscribe_url": public_url("signing.one_click_unsubscribe", token=unsubscribe),
        "letter_url": public_url("letter.show", lang=lang),
    }


def message_id(domain):
    """A unique Message-ID; ``secrets`` rather than ``random``, which others may seed."""
    return f"<{secrets.token_hex(16)}@{domain}>"


def outbox_values(signature_id, to_address, kind):
    """The columns of a queued signer's email; the rest is rendered when it is sent."""
    if kind not in SIGNER_KINDS:
        raise ValueError(f"no signer's email of kind {kind!r}")
    return {
        "kind": kind,
        "signature_id": signature_id,
        "to_address": to_address,
        "message_id": message_id(current_app.config.get("MAIL_MESSAGE_ID_DOMAIN", "petition.local")),
    }


def queue_signer_email(signature, kind):
    """Add the ``kind`` email for ``signature`` to the outbox, in the caller's transaction."""
    message = OutboxMessage(**outbox_values(signature.id, signature.email, kind))
    db.session.add(message)
    db.session.info["outbox_added"] = True
    return message


def render_signer_email(signature, kind):
    links = signer_links(signature)
    with force_locale(LANGUAGES[signature.lang]):
        context = {"signature": signature, "lang": signature.lang, **links}
        context["confirm_days"] = current_app.config["SIGNATURE_CONFIRM_MAX_AGE"] // 86400
        return Rendered(
            subject=subject_for(kind),
            text_body=render_template(f"email/{kind}.txt", **context),
            html_body=render_template(f"email/{kind}.html", **context),
            headers={
                "List-Unsubscribe": f"<{links['one_click_unsubscribe_url']}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Content-Language": f"{signature.lang}-CA",
                "Auto-Submitted": "auto-generated",
            },
        )


def rendered(message):
    """What ``message`` says: as stored, or rendered now from its kind and signature."""
    if message.text_body is not None:
        return Rendered(message.subject, message.text_body, message.html_body, message.headers or {})
    signature = db.session.get(Signature, message.signature_id) if message.signature_id is not None else None
    if signature is None:
        raise NothingToRender(f"outbox message {message.id}: its signature no longer exists")
    return render_signer_email(signature, message.kind)
