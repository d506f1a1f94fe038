"""Organisations joining the letter: the request to endorse (``/<lang>/endorse``), its contact's
confirmation link (the same two steps as a signer's: opening the link shows a page that confirms
by POST), and the ask for an organisation's figures link from its share page.

Both forms answer the same page whatever the history of the name or the address: the request
always records a new request and its email; the ask always records the ask, which the sender
matches (figures_links.py).
"""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from petition import errors
from petition.campaign import state as campaign
from petition.endorsements import figures_links, joining
from petition.endorsements.forms import EndorseForm, FiguresLinkForm
from petition.endorsements.request_models import RequestStatus
from petition.endorsements.request_tokens import request_for_confirm
from petition.extensions import configured_limit, limiter
from petition.provinces import province_name
from petition.security import private_link
from petition.sharing import refs
from petition.tokens import ExpiredToken, InvalidToken

bp = Blueprint("endorse", __name__)


def invalid_link():
    return errors.invalid_link(
        _(
            "The link may have been copied incompletely, or it is no longer in use. Please copy the "
            "whole link from your email, or send the request again to get a new one."
        )
    )


@bp.route("/<lang:lang>/endorse", methods=["GET", "POST"])
@limiter.limit(configured_limit("ENDORSE_RATE_LIMIT"), methods=["POST"])
def ask(lang):
    """The request to endorse; once the letter has closed, a page that says so (410 to a POST)."""
    if campaign.is_closed():
        return render_template("endorse/closed.html"), 410 if request.method == "POST" else 200
    form = EndorseForm()
    if request.method == "GET":
        return render_template("endorse/ask.html", form=form)
    if not form.validate():
        return render_template("endorse/ask.html", form=form), 400
    if not form.is_bot:
        joining.submit(
            joining.Asked(
                name=form.name.data,
                website=form.website.data,
                province=form.province.data or None,
                contact_name=form.contact_name.data,
                contact_email=form.contact_email.data,
                lang=lang,
            )
        )
    return redirect(url_for("endorse.check_inbox", lang=lang), code=303)


@bp.get("/<lang:lang>/endorse/check-your-inbox")
def check_inbox(lang):
    return render_template("endorse/check_inbox.html")


@bp.route("/<lang:lang>/endorse/confirm/<token>", methods=["GET", "POST"])
@private_link
@limiter.limit(configured_limit("CONFIRM_RATE_LIMIT"), methods=["POST"])
def confirm(lang, token):
    try:
        endorsement_request = request_for_confirm(token)
    except ExpiredToken as expired:
        if expired.payload.status != RequestStatus.UNCONFIRMED:
            return redirect(url_for("endorse.confirmed", lang=lang), code=303)
        return render_template("expired_link.html", resend_url=url_for("endorse.resend", lang=lang, token=token)), 410
    except InvalidToken:
        return invalid_link()
    if endorsement_request.status != RequestStatus.UNCONFIRMED:
        # Confirmed before (perhaps reviewed since): confirming twice is harmless.
        return redirect(url_for("endorse.confirmed", lang=lang), code=303)
    if request.method == "GET":
        return render_template(
            "endorse/confirm.html", token=token, endorsement_request=endorsement_request, province_name=province_name
        )
    joining.confirm(endorsement_request)
    return redirect(url_for("endorse.confirmed", lang=lang), code=303)


@bp.post("/<lang:lang>/endorse/confirm/<token>/resend")
@private_link
@limiter.limit(configured_limit("RESEND_RATE_LIMIT"))
def resend(lang, token):
    """A fresh confirmation email for the contact of an expired link."""
    try:
        request_for_confirm(token)
    except ExpiredToken as expired:
        joining.resend_confirmation(expired.payload)
    except InvalidToken:
        return invalid_link()
    return redirect(url_for("endorse.check_inbox", lang=lang), code=303)


@bp.get("/<lang:lang>/endorse/confirmed")
def confirmed(lang):
    return render_template("endorse/confirmed.html")


def organisation_or_404(slug):
    entry = refs.organisation(slug)
    if entry is None:
        abort(404)
    return entry


@bp.route("/<lang:lang>/o/<slug>/figures-link", methods=["GET", "POST"])
@limiter.limit(configured_limit("RESEND_RATE_LIMIT"), methods=["POST"])
def figures_link(lang, slug):
    """The organisation's contact asks for its figures link again, by giving their address."""
    organisation = organisation_or_404(slug)
    form = FiguresLinkForm()
    if request.method == "GET":
        return render_template("endorse/figures_link.html", organisation=organisation, form=form)
    if not form.validate():
        return render_template("endorse/figures_link.html", organisation=organisation, form=form), 400
    if not form.is_bot:
        figures_links.receive(organisation.slug, form.email.data, lang)
    return redirect(url_for("endorse.figures_link_asked", lang=lang, slug=organisation.slug), code=303)


@bp.get("/<lang:lang>/o/<slug>/figures-link/asked")
def figures_link_asked(lang, slug):
    """The same page for every address given."""
    return render_template("endorse/figures_link_asked.html", organisation=organisation_or_404(slug))
