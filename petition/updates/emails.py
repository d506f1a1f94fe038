"""The update emails: the kind ``update`` (to a signer) and ``update_test`` (to an administrator).

Each is rendered when it leaves, in its recipient's language, from the update and the signature
as they stand then: an update cancelled meanwhile, or a signer who unsubscribed or withdrew
meanwhile, drops the message (``kinds.Dropped``) rather than send it. Every update email says who
sends it and where (``CAMPAIGN_NAME``, ``CAMPAIGN_POSTAL_ADDRESS``), why the person receives it,
and how to stop in one click (a visible link, and ``List-Unsubscribe`` with RFC 8058's POST).
"""

from babel.dates import format_date
from flask import current_app, render_template
from flask_babel import gettext as _

from petition.extensions import db
from petition.i18n import LANGUAGES
from petition.letter.content import load_letter
from petition.links import public_url
from petition.mail.compose import in_language
from petition.mail.kinds import Dropped, NothingToRender, Rendered, register_kind
from petition.mail.queue import queue_message
from petition.signing import tokens
from petition.signing.models import Signature, SignatureStatus
from petition.timeutil import as_utc, utcnow
from petition.updates.markup import as_html, as_text
from petition.updates.models import CampaignUpdate, UpdateStatus

KIND = "update"
TEST_KIND = "update_test"


def signed_on(moment, lang):
    zone = current_app.config["CAMPAIGN_ZONE"]
    return format_date(as_utc(moment).astimezone(zone).date(), "long", locale=LANGUAGES[lang])


def render_update(campaign_update, lang, signed_at, unsubscribe_url, one_click_url=None, test=False):
    """The email of ``campaign_update`` in ``lang``, for someone who signed at ``signed_at``.

    The preview, the test send and the real send all come through here, so that what an
    administrator sees is what signers get; a test names itself in its subject and its first line.
    """
    config = current_app.config
    body = campaign_update.body(lang)
    with in_language(lang) as language:
        subject = campaign_update.subject(lang)
        context = {
            **language,
            "subject": subject,
            "letter_title": load_letter(lang).title,
            "letter_url": public_url("letter.show", lang=lang),
            "body_html": as_html(body),
            "body_text": as_text(body),
            "signed_on": signed_on(signed_at, lang),
            "unsubscribe_url": unsubscribe_url,
            "campaign_name": config["CAMPAIGN_NAME"],
            "postal_address": config["CAMPAIGN_POSTAL_ADDRESS"].splitlines(),
            "test": test,
        }
        if test:
            subject = _("[Test] %(subject)s", subject=subject)
        headers = {"Content-Language": f"{lang}-CA", "Precedence": "bulk"}
        if one_click_url:
            headers["List-Unsubscribe"] = f"<{one_click_url}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        return Rendered(
            subject=subject,
            text_body=render_template("updates/email/update.txt", **context),
            html_body=render_template("updates/email/update.html", **context),
            headers=headers,
        )


def render_for(campaign_update, signature):
    """``campaign_update`` as ``signature``'s signer receives it, with their own unsubscribe links."""
    token = tokens.unsubscribe_token(signature)
    return render_update(
        campaign_update,
        signature.lang,
        signature.confirmed_at or signature.created_at,
        public_url("signing.unsubscribe", lang=signature.lang, token=token),
        public_url("signing.one_click_unsubscribe", token=token),
    )


def render_sample(campaign_update, lang, test=False):
    """The update as a signer would receive it today, for a preview or a test: its unsubscribe
    link is the letter page, since no signer's link belongs in it."""
    return render_update(campaign_update, lang, utcnow(), public_url("letter.show", lang=lang), test=test)


def queue_test(campaign_update, address):
    """Queue the update in every language to ``address`` (an administrator's), marked as a test."""
    return [queue_message(TEST_KIND, address, lang, {"update_id": campaign_update.id}) for lang in LANGUAGES]


def detached(model, ids):
    if not ids:
        return {}
    found = db.session.execute(db.select(model).where(model.id.in_(ids))).scalars().all()
    for row in found:
        db.session.expunge(row)  # kept as read while the batch is sent
    return {row.id: row for row in found}


def payload_ids(messages, key):
    return {message.payload.get(key) for message in messages if isinstance(message.payload, dict)} - {None}


def load(messages):
    """The updates and signatures a batch of messages is about, read in two queries."""
    return {
        "updates": detached(CampaignUpdate, payload_ids(messages, "update_id")),
        "signatures": detached(Signature, payload_ids(messages, "signature_id")),
    }


def update_of(message, batch):
    campaign_update = batch["updates"].get((message.payload or {}).get("update_id"))
    if campaign_update is None:
        raise NothingToRender("its update no longer exists")
    if campaign_update.status == UpdateStatus.CANCELLED:
        raise Dropped("the update was cancelled")
    return campaign_update


def render(message, batch):
    campaign_update = update_of(message, batch)
    signature = batch["signatures"].get(message.payload.get("signature_id"))
    if signature is None or signature.email != message.to_address:
        raise NothingToRender("its signature no longer exists")
    if signature.status != SignatureStatus.CONFIRMED or not signature.wants_updates:
        raise Dropped("the signer no longer wants updates")
    return render_for(campaign_update, signature)


def render_test(message, batch):
    return render_sample(update_of(message, batch), message.lang, test=True)


def init_app(app):
    register_kind(app, KIND, render, load=load)
    register_kind(app, TEST_KIND, render_test, load=load)
