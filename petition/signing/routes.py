"""Signing and the links in a signer's emails.

``POST /<lang>/sign`` records a signature and answers "check your inbox" whatever the address's
history. The confirmation link opens a page that confirms by POST (mail scanners open links;
opening must not confirm), submitted by script at once or by a button without script.
"""

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from petition import errors
from petition.campaign import state as campaign
from petition.counts import current_counts
from petition.extensions import configured_limit, csrf, limiter
from petition.letter.page import render_letter
from petition.security import private_link
from petition.sharing.refs import SESSION_KEY as SHARE_SESSION_KEY
from petition.sharing.refs import current_ref, share_target
from petition.signing import intake, service
from petition.signing import tokens as signer_tokens
from petition.signing.details import details_of
from petition.signing.forms import CONSENT_WORDING_VERSION, SignForm
from petition.signing.models import SignatureStatus
from petition.signing.sources import ip_hash
from petition.tokens import ExpiredToken, InvalidToken

bp = Blueprint("signing", __name__)


def invalid_link():
    return errors.invalid_link(
        _(
            "The link may have been copied incompletely, or it is no longer in use. Please copy the "
            "whole link from your email, or sign the letter again to get a new one."
        )
    )


def letter_closed():
    """The 410 of a confirmation or a new link asked for once the grace period is over."""
    state = campaign.current()
    page = render_template(
        "signing/closed.html",
        closed_at=state.closed_at(campaign.now()),
        confirmations_ended=state.confirmations_end(campaign.now()),
        counts=current_counts(),
    )
    return page, 410


@bp.post("/<lang:lang>/sign")
@limiter.limit(configured_limit("SIGNING_RATE_LIMIT"), methods=["POST"])
def sign(lang):
    if campaign.is_closed():
        # The letter page, which now says that it closed, and when; nothing is recorded.
        return render_letter(lang, status=410)
    form = SignForm()
    if not form.validate():
        return render_letter(lang, form=form, status=400)
    if not form.is_bot:
        intake.receive(
            service.Submission(
                first_name=form.first_name.data,
                last_name=form.last_name.data,
                email=form.email.data,
                province=form.province.data,
                city=form.city.data or None,
                display=form.display.data,
                wants_updates=form.updates.data,
                consent_wording=CONSENT_WORDING_VERSION,
                lang=lang,
                ip_hash=ip_hash(request.remote_addr),
                share_ref=current_ref(),
            )
        )
    return redirect(url_for("signing.check_inbox", lang=lang), code=303)


@bp.get("/<lang:lang>/sign/check-your-inbox")
@private_link
def check_inbox(lang):
    return render_template("signing/check_inbox.html", share=share_target(lang, current_ref()))


@bp.route("/<lang:lang>/confirm/<token>", methods=["GET", "POST"])
@private_link
@limiter.limit(configured_limit("CONFIRM_RATE_LIMIT"), methods=["POST"])
def confirm(lang, token):
    try:
        signature = signer_tokens.signature_for_confirm(token)
    except ExpiredToken:
        if not campaign.accepts_confirmations():
            return letter_closed()
        return render_template("expired_link.html", resend_url=url_for("signing.resend", lang=lang, token=token)), 410
    except InvalidToken:
        return invalid_link()
    if signature.status == SignatureStatus.CONFIRMED:
        return redirect(url_for("signing.thanks", lang=lang), code=303)
    if signature.status != SignatureStatus.PENDING:
        return invalid_link()
    if not campaign.accepts_confirmations():
        return letter_closed()
    if request.method == "GET":
        return render_template("signing/confirm.html", token=token, signature=signature, details=details_of(signature))
    try:
        service.confirm(signature)
    except service.LetterClosed:
        # The grace period ended between opening the page and pressing the button.
        return letter_closed()
    except service.SigningError:
        # Withdrawn or invalidated between opening the page and pressing the button.
        return invalid_link()
    session["confirmed_name"] = signature.first_name
    if signature.share_ref:
        # Confirmed on another device, perhaps: the thanks page shares the link they came by.
        session[SHARE_SESSION_KEY] = signature.share_ref
    return redirect(url_for("signing.thanks", lang=lang), code=303)


@bp.get("/<lang:lang>/thanks")
@private_link
def thanks(lang):
    return render_template(
        "signing/thanks.html",
        first_name=session.get("confirmed_name"),
        counts=current_counts(),
        share=share_target(lang, current_ref()),
    )


@bp.post("/<lang:lang>/confirm/<token>/resend")
@private_link
@limiter.limit(configured_limit("RESEND_RATE_LIMIT"))
def resend(lang, token):
    """A fresh confirmation email for the signer of an expired link."""
    if not campaign.accepts_confirmations():
        return letter_closed()
    try:
        signer_tokens.signature_for_confirm(token)
    except ExpiredToken as expired:
        signature = expired.payload
        if signature.status == SignatureStatus.PENDING and service.may_email(signature):
            service.resend_confirmation(signature)
    except InvalidToken:
        return invalid_link()
    return redirect(url_for("signing.check_inbox", lang=lang), code=303)


@bp.route("/<lang:lang>/withdraw/<token>", methods=["GET", "POST"])
@private_link
def withdraw(lang, token):
    try:
        signature = signer_tokens.signature_for_withdraw(token)
    except InvalidToken:
        return invalid_link()
    if signature.status == SignatureStatus.INVALIDATED:
        return invalid_link()
    if request.method == "GET":
        return render_template("signing/withdraw.html", token=token, signature=signature)
    service.withdraw(signature)
    return render_template("signing/withdrawn.html")


@bp.route("/<lang:lang>/unsubscribe/<token>", methods=["GET", "POST"])
@private_link
def unsubscribe(lang, token):
    try:
        signature = signer_tokens.signature_for_unsubscribe(token)
    except (InvalidToken, ExpiredToken):
        return invalid_link()
    if request.method == "GET":
        return render_template("signing/unsubscribe.html", token=token, subscribed=signature.wants_updates)
    service.unsubscribe(signature)
    return render_template("signing/unsubscribed.html")


@bp.post("/mail/unsubscribe/<token>")
@private_link
@csrf.exempt
def one_click_unsubscribe(token):
    """RFC 8058 one-click unsubscribe, posted by mail providers: the token is the proof."""
    try:
        signature = signer_tokens.signature_for_unsubscribe(token)
    except (InvalidToken, ExpiredToken):
        abort(400)
    service.unsubscribe(signature)
    return "", 204
