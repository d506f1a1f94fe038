"""The signers' emails: the kinds ``confirm`` and ``already_signed``, rendered in the signer's
language when they are sent.

Queuing writes one short row in the signer's transaction, whose payload names the signature
(``{"signature_id": 42}``); the sender renders the subject, the two bodies and the headers just
before sending, so that a spike of signatures costs the web processes one insert each, and the
links in the email carry the signature's tokens as they stand when it leaves. The templates are
``templates/signing/email/<kind>.txt|.html``.
"""

from flask import current_app, render_template
from flask_babel import gettext as _

from petition.extensions import db
from petition.links import public_url
from petition.mail.compose import in_language
from petition.mail.kinds import NothingToRender, Rendered, register_kind
from petition.mail.queue import queue_message, queued_values
from petition.signing import tokens
from petition.signing.canonical import canonical_email
from petition.signing.details import details_of
from petition.signing.models import Signature

KINDS = ("confirm", "already_signed")
# The payload's one key: the id of the signature the email is about.
SIGNATURE_KEY = "signature_id"


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


def signer_email_values(kind, to_address, lang, signature_id):
    """The columns of a signer's queued email, for a statement that inserts it itself."""
    if kind not in KINDS:
        raise ValueError(f"no signer's email of kind {kind!r}")
    return queued_values(kind, to_address, lang, {SIGNATURE_KEY: signature_id}, signature_id=signature_id)


def queue_signer_email(signature, kind):
    """Add the ``kind`` email for ``signature`` to the outbox, in the caller's transaction."""
    if kind not in KINDS:
        raise ValueError(f"no signer's email of kind {kind!r}")
    payload = {SIGNATURE_KEY: signature.id}
    # ``signature_id`` as well: purging and anonymising delete a signature's messages by it.
    return queue_message(kind, signature.email, signature.lang, payload, signature_id=signature.id)


def render_signer_email(signature, kind):
    links = signer_links(signature)
    with in_language(signature.lang) as language:
        context = {"signature": signature, **language, **links}
        context["confirm_days"] = current_app.config["SIGNATURE_CONFIRM_MAX_AGE"] // 86400
        context["details"] = details_of(signature)
        return Rendered(
            subject=subject_for(kind),
            text_body=render_template(f"signing/email/{kind}.txt", **context),
            html_body=render_template(f"signing/email/{kind}.html", **context),
            headers={
                "List-Unsubscribe": f"<{links['one_click_unsubscribe_url']}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Content-Language": f"{signature.lang}-CA",
                "Auto-Submitted": "auto-generated",
            },
        )


def signature_id_of(message):
    payload = message.payload
    return payload.get(SIGNATURE_KEY) if isinstance(payload, dict) else None


def load_signatures(messages):
    """The signatures that ``messages`` are about, by id, read in one query.

    They are detached from the session, so that they stay as read while the batch is sent: a
    commit would expire them, and each would be read again when its email is rendered.
    """
    ids = {signature_id_of(message) for message in messages}
    ids.discard(None)
    if not ids:
        return {}
    signatures = db.session.execute(db.select(Signature).where(Signature.id.in_(ids))).scalars().all()
    for signature in signatures:
        db.session.expunge(signature)
    return {signature.id: signature for signature in signatures}


def render(message, signatures):
    """The email ``message`` is, from the signature its payload names as it stands now.

    A signature that is gone, or whose id now belongs to someone else's (SQLite may give a deleted
    row's id to the next one), has nothing to render.
    """
    signature = signatures.get(signature_id_of(message))
    if signature is None or signature.email_canonical != canonical_email(message.to_address):
        raise NothingToRender("its signature no longer exists")
    return render_signer_email(signature, message.kind)


def init_app(app):
    for kind in KINDS:
        register_kind(app, kind, render, load=load_signatures)
