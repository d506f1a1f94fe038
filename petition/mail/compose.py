"""Emails to signers: queued as a kind and a signature, rendered in the signer's language when sent.

Queuing writes one short row in the signer's transaction (``outbox_values``); the sender renders
the subject, the two bodies and the headers just before sending (``rendered``), so that a spike of
signatures costs the web processes one insert each, and the links in the email carry the
signature's tokens as they stand when it leaves.
"""

import secrets
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale, get_translations
from flask_babel import gettext as _
from jinja2 import pass_context
from markupsafe import Markup

from petition.extensions import db
from petition.i18n import LANGUAGES
from petition.links import public_url
from petition.mail.models import OutboxMessage
from petition.mail.wake import wake_after_commit
from petition.signing import tokens
from petition.signing.details import details_of
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
    wake_after_commit(db.session)
    return message


def template_gettext(translations):
    """Jinja's ``gettext`` with the catalogue already chosen, for one render.

    Flask-Babel's own looks the catalogue up again on every call, a dozen and a half times per
    email. Same new-style behaviour as Jinja's: in an autoescaped template the translation is
    markup and the values put into it are escaped; it is always a format string.
    """

    @pass_context
    def gettext(context, string, /, **variables):
        translated = translations.ugettext(string)
        if context.eval_ctx.autoescape:
            translated = Markup(translated)  # noqa: S704 - our own catalogue, as Jinja's gettext trusts it
        return translated % variables

    return gettext


def render_signer_email(signature, kind):
    links = signer_links(signature)
    with force_locale(LANGUAGES[signature.lang]):
        gettext = template_gettext(get_translations())
        # ``_`` too: Jinja's own ``_`` would look ``gettext`` up in the context on every call.
        context = {"signature": signature, "lang": signature.lang, "gettext": gettext, "_": gettext, **links}
        context["confirm_days"] = current_app.config["SIGNATURE_CONFIRM_MAX_AGE"] // 86400
        context["details"] = details_of(signature)
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


def signatures_for(messages):
    """The signatures that ``messages`` are about, by id, read in one query.

    They are detached from the session, so that they stay as read while the batch is sent: a
    commit would expire them, and each would be read again when its email is rendered.
    """
    ids = {message.signature_id for message in messages if message.text_body is None}
    ids.discard(None)
    if not ids:
        return {}
    signatures = db.session.execute(db.select(Signature).where(Signature.id.in_(ids))).scalars().all()
    for signature in signatures:
        db.session.expunge(signature)
    return {signature.id: signature for signature in signatures}


def rendered(message, signatures=None):
    """What ``message`` says: as stored, or rendered now from its kind and signature.

    ``signatures`` holds a batch's signatures by id (``signatures_for``); without it the signature
    is read here.
    """
    if message.text_body is not None:
        return Rendered(message.subject, message.text_body, message.html_body, message.headers or {})
    if message.signature_id is None:
        signature = None
    elif signatures is not None:
        signature = signatures.get(message.signature_id)
    else:
        signature = db.session.get(Signature, message.signature_id)
    if signature is None:
        raise NothingToRender(f"outbox message {message.id}: its signature no longer exists")
    return render_signer_email(signature, message.kind)
