"""The emails to an organisation's contact, rendered in the contact's language when they are sent:
``endorsement_confirm`` (confirm the address), ``endorsement_approved`` (the share link, its QR
code and the private figures link, and what each is for), ``endorsement_declined`` (a short note)
and ``figures_link`` (the figures link again, asked for from the share page).

Queuing writes one short row whose payload names the request (``{"request_id": 7}``); the sender
renders it from the request as it stands then. Templates: ``templates/endorse/email/<kind>.txt|.html``.
"""

from datetime import timedelta

from flask import current_app, render_template
from flask_babel import gettext as _

from petition.endorsements.models import Endorsement
from petition.endorsements.request_models import EndorsementRequest, RequestStatus
from petition.endorsements.request_tokens import confirm_token
from petition.extensions import db
from petition.i18n import other_language
from petition.links import public_url
from petition.mail.compose import in_language
from petition.mail.kinds import Dropped, NothingToRender, Rendered, register_kind
from petition.mail.models import OutboxMessage, OutboxStatus
from petition.mail.queue import queue_message
from petition.provinces import province_name
from petition.sharing.stats import stats_url
from petition.signing.canonical import canonical_email
from petition.timeutil import utcnow

KINDS = ("endorsement_confirm", "endorsement_approved", "endorsement_declined", "figures_link")
REQUEST_KEY = "request_id"


def queue_request_email(request, kind, lang=None):
    """Add the ``kind`` email to ``request``'s contact to the outbox, in the caller's transaction."""
    if kind not in KINDS:
        raise ValueError(f"no contact's email of kind {kind!r}")
    return queue_message(
        kind,
        request.contact_email,
        lang or request.lang,
        {REQUEST_KEY: request.id},
        # For the purge of requests never confirmed, which deletes their emails by it.
        endorsement_request_id=request.id,
    )


def emails_to(canonical, kind, *conditions):
    """How many emails of ``kind`` to the contact of any request from this address meet ``conditions``."""
    return db.session.execute(
        db.select(db.func.count())
        .select_from(OutboxMessage)
        .join(EndorsementRequest, OutboxMessage.endorsement_request_id == EndorsementRequest.id)
        .where(EndorsementRequest.contact_email_canonical == canonical, OutboxMessage.kind == kind, *conditions)
    ).scalar_one()


def over_the_days_cap(count):
    return count >= current_app.config["ENDORSEMENT_EMAILS_PER_DAY"]


def sent_ahead_of(message, canonical):
    """Emails of ``message``'s kind to this address sent in the last 24 hours, or in a sender's
    hands ahead of it: those earlier in this very batch count too, since their outcome is written on
    another connection than the one this reads through (and SQLite's reader keeps its snapshot)."""
    since = utcnow() - timedelta(hours=24)
    sent = (OutboxMessage.status == OutboxStatus.SENT) & (OutboxMessage.sent_at >= since)
    ahead = (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.id < message.id)
    return emails_to(canonical, message.kind, sent | ahead)


def sent_or_waiting(canonical, kind):
    """Emails of ``kind`` to this address queued in the last 24 hours and not dropped nor failed."""
    since = utcnow() - timedelta(hours=24)
    going = OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.QUEUED, OutboxStatus.SENDING))
    return emails_to(canonical, kind, going, OutboxMessage.created_at >= since)


def subject_for(kind, organisation):
    subjects = {
        "endorsement_confirm": lambda: _("Please confirm your request to endorse the open letter"),
        "endorsement_approved": lambda: _("%(organisation)s now endorses the open letter", organisation=organisation),
        "endorsement_declined": lambda: _("Your request to endorse the open letter"),
        "figures_link": lambda: _("The private link to the figures of %(organisation)s", organisation=organisation),
    }
    return subjects[kind]()


def organisation_links(slug, lang):
    """What an approved organisation's contact receives: its share link, QR codes and figures link."""
    return {
        "share_url": public_url("sharing.organisation", lang=lang, slug=slug),
        "qr_png_url": public_url("sharing.organisation_qr", lang=lang, slug=slug, kind="png"),
        "qr_png_download_url": public_url("sharing.organisation_qr", lang=lang, slug=slug, kind="png", download=1),
        "qr_svg_download_url": public_url("sharing.organisation_qr", lang=lang, slug=slug, kind="svg", download=1),
        "stats_url": stats_url(slug, lang),
        "other_share_url": public_url("sharing.organisation", lang=other_language(lang), slug=slug),
        "figures_link_url": public_url("endorse.figures_link", lang=lang, slug=slug),
    }


def render_request_email(kind, request, endorsement, lang):
    values = {
        "letter_url": public_url("letter.show", lang=lang),
        "endorsement_request": request,
        "organisation": endorsement,
        "province_name": province_name,
    }
    if kind == "endorsement_confirm":
        values["confirm_url"] = public_url("endorse.confirm", lang=lang, token=confirm_token(request))
        values["confirm_days"] = current_app.config["SIGNATURE_CONFIRM_MAX_AGE"] // 86400
    if endorsement is not None:
        values |= organisation_links(endorsement.slug, lang)
    with in_language(lang) as language:
        context = language | values
        name = endorsement.name if endorsement is not None else request.name
        return Rendered(
            subject=subject_for(kind, name),
            text_body=render_template(f"endorse/email/{kind}.txt", **context),
            html_body=render_template(f"endorse/email/{kind}.html", **context),
            headers={"Content-Language": f"{lang}-CA", "Auto-Submitted": "auto-generated"},
        )


def request_id_of(message):
    payload = message.payload
    return payload.get(REQUEST_KEY) if isinstance(payload, dict) else None


def load_requests(messages):
    """The requests that ``messages`` are about, with the organisation each added, by id, in one
    query; detached, so that they stay as read while the batch is sent."""
    ids = {request_id_of(message) for message in messages}
    ids.discard(None)
    if not ids:
        return {}
    rows = db.session.execute(
        db.select(EndorsementRequest, Endorsement)
        .outerjoin(Endorsement, Endorsement.id == EndorsementRequest.endorsement_id)
        .where(EndorsementRequest.id.in_(ids))
    ).all()
    found = {}
    for request, endorsement in rows:
        db.session.expunge(request)
        if endorsement is not None:
            db.session.expunge(endorsement)
        found[request.id] = (request, endorsement)
    return found


def render(message, requests):
    """The email ``message`` is, from its request as it stands now.

    A request that is gone, or whose id now belongs to another address (SQLite may give a deleted
    row's id to the next one), has nothing to render. A confirmation no longer needed (confirmed
    meanwhile), or past the day's emails to that address, is dropped; so is a link to an
    organisation removed from the list since.
    """
    request, endorsement = requests.get(request_id_of(message), (None, None))
    if request is None or request.contact_email_canonical != canonical_email(message.to_address):
        raise NothingToRender("its request no longer exists")
    if message.kind == "endorsement_confirm":
        if request.status != RequestStatus.UNCONFIRMED:
            raise Dropped("the request is confirmed already")
        if over_the_days_cap(sent_ahead_of(message, request.contact_email_canonical)):
            raise Dropped("enough confirmation emails to this address today")
    if message.kind in ("endorsement_approved", "figures_link") and endorsement is None:
        raise Dropped("the organisation is no longer on the list")
    return render_request_email(message.kind, request, endorsement, message.lang or request.lang)


def init_app(app):
    for kind in KINDS:
        register_kind(app, kind, render, load=load_requests)
