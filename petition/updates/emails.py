"""The update emails: the kind ``update`` (to a signer) and ``update_test`` (to an administrator).

Each is rendered when it leaves, in its recipient's language, from the update and the signature
as they stand then: an update cancelled meanwhile, or a signer who unsubscribed or withdrew
meanwhile, drops the message (``kinds.Dropped``) rather than send it. Every update email says who
sends it and where (``CAMPAIGN_NAME``, ``CAMPAIGN_POSTAL_ADDRESS``), why the person receives it,
and how to stop in one click (a visible link, and ``List-Unsubscribe`` with RFC 8058's POST).
"""

from functools import lru_cache

from babel.dates import format_date
from flask import current_app, render_template
from flask_babel import gettext as _
from markupsafe import escape

from petition.extensions import db
from petition.i18n import LANGUAGES, ordinal_first
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


# Where a recipient's own values go in an update rendered once for all (``template_for``): plain
# ASCII that neither Markdown nor Jinja's escaping changes, and no body can hold by chance.
UNSUBSCRIBE_MARK = "@@update-unsubscribe-url@@"
SIGNED_ON_MARK = "@@update-signed-on@@"
TOKEN_MARK = "update-unsubscribe-token"  # noqa: S105 - a mark, not a secret


@lru_cache(maxsize=256)
def date_in(day, lang):
    return ordinal_first(format_date(day, "long", locale=LANGUAGES[lang]), day, LANGUAGES[lang])


def signed_on(moment, lang):
    return date_in(as_utc(moment).astimezone(current_app.config["CAMPAIGN_ZONE"]).date(), lang)


@lru_cache(maxsize=64)
def template_for(subject, body, lang, test, campaign_name, postal_address, public_base):
    """The update in ``lang`` with marks where each recipient's values go: rendered once per
    process and update rather than once per recipient, which is most of a message's cost."""
    with in_language(lang) as language:
        context = {
            **language,
            "subject": subject,
            "letter_title": load_letter(lang).title,
            "letter_url": public_url("letter.show", lang=lang),
            "body_html": as_html(body),
            "body_text": as_text(body),
            "signed_on": SIGNED_ON_MARK,
            "unsubscribe_url": UNSUBSCRIBE_MARK,
            "campaign_name": campaign_name,
            "postal_address": postal_address.splitlines(),
            "test": test,
        }
        return (
            _("[Test] %(subject)s", subject=subject) if test else subject,
            render_template("updates/email/update.txt", **context),
            render_template("updates/email/update.html", **context),
        )


def render_update(campaign_update, lang, signed_at, unsubscribe_url, one_click_url=None, test=False):
    """The email of ``campaign_update`` in ``lang``, for someone who signed at ``signed_at``.

    The preview, the test send and the real send all come through here, so that what an
    administrator sees is what signers get; a test names itself in its subject and its first line.
    """
    config = current_app.config
    subject, text, html = template_for(
        campaign_update.subject(lang),
        campaign_update.body(lang),
        lang,
        test,
        config["CAMPAIGN_NAME"],
        config["CAMPAIGN_POSTAL_ADDRESS"],
        config["PUBLIC_URL"],
    )
    day = signed_on(signed_at, lang)
    headers = {"Content-Language": f"{lang}-CA", "Precedence": "bulk"}
    if one_click_url:
        headers["List-Unsubscribe"] = f"<{one_click_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return Rendered(
        subject=subject,
        text_body=text.replace(SIGNED_ON_MARK, day).replace(UNSUBSCRIBE_MARK, unsubscribe_url),
        html_body=html.replace(SIGNED_ON_MARK, day).replace(UNSUBSCRIBE_MARK, str(escape(unsubscribe_url))),
        headers=headers,
    )


@lru_cache(maxsize=16)
def link_pattern(endpoint, lang, public_base):
    """The address of ``endpoint`` with a mark for its token, built once (``public_url`` binds the
    URL map on every call)."""
    values = {"token": TOKEN_MARK} | ({"lang": lang} if lang else {})
    return public_url(endpoint, **values)


def render_for(campaign_update, signature):
    """``campaign_update`` as ``signature``'s signer receives it, with their own unsubscribe links."""
    token = tokens.unsubscribe_token(signature)
    base = current_app.config["PUBLIC_URL"]
    return render_update(
        campaign_update,
        signature.lang,
        signature.confirmed_at or signature.created_at,
        link_pattern("signing.unsubscribe", signature.lang, base).replace(TOKEN_MARK, token),
        link_pattern("signing.one_click_unsubscribe", None, base).replace(TOKEN_MARK, token),
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
