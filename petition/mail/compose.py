"""Emails to signers, rendered in the signer's language and queued in the outbox."""

import secrets

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from petition.extensions import db
from petition.i18n import LANGUAGES
from petition.links import public_url
from petition.mail.models import OutboxMessage
from petition.signing import tokens


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


def queue_signer_email(signature, kind):
    """Render the ``kind`` email for ``signature`` and add it to the outbox (not committed)."""
    links = signer_links(signature)
    with force_locale(LANGUAGES[signature.lang]):
        context = {"signature": signature, "lang": signature.lang, **links}
        context["confirm_days"] = current_app.config["SIGNATURE_CONFIRM_MAX_AGE"] // 86400
        message = OutboxMessage(
            kind=kind,
            signature_id=signature.id,
            to_address=signature.email,
            subject=subject_for(kind),
            text_body=render_template(f"email/{kind}.txt", **context),
            html_body=render_template(f"email/{kind}.html", **context),
            headers={
                "List-Unsubscribe": f"<{links['one_click_unsubscribe_url']}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Content-Language": f"{signature.lang}-CA",
                "Auto-Submitted": "auto-generated",
            },
            message_id=message_id(current_app.config.get("MAIL_MESSAGE_ID_DOMAIN", "petition.local")),
        )
    db.session.add(message)
    db.session.info["outbox_added"] = True
    return message
