"""Updates to the signers who asked for them: write one in both languages, preview it as the email
will look, send it to yourself as a test, send it and follow its progress, cancel it; and the
addresses whose mail server refused mail for good, which updates leave out.

What an update is and how it is sent is ``petition.updates``; these pages only call it.
"""

from babel.numbers import get_group_symbol
from flask import Blueprint, flash, g, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from petition.admin.pages import bad_request, get_or_404
from petition.admin.update_forms import LiftForm, SendForm, UpdateForm
from petition.audit import record_audit
from petition.i18n import LANGUAGES, current_language, format_number
from petition.input_checks import allows_line_breaks
from petition.mail import suppression
from petition.provinces import PROVINCES
from petition.timeutil import utcnow
from petition.updates import announcements, service
from petition.updates.emails import render_sample
from petition.updates.models import CampaignUpdate, UpdateStatus
from petition.updates.sending import SendingError, cancellable, missing_sender_identification

bp = Blueprint("updates", __name__)

BODIES = ("body_en", "body_fr")
# What the preview, an email's HTML part, may do in its frame: show itself with its inline styles
# and its images, and nothing else; only the administration's own pages may frame it.
PREVIEW_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


def cannot_send():
    return _("This update cannot be sent")


def sender_identification_missing(missing):
    """Why the update cannot be sent yet, naming the empty settings."""
    return _(
        "Canada's anti-spam law asks every update to name who sends it and a postal address where they can be"
        " reached. Set %(settings)s in the site's settings, restart it, then send the update.",
        settings=", ".join(missing),
    )


def province_names():
    return {code: str(name) for code, name in PROVINCES}


@bp.get("/")
def index():
    rows = [(item, service.progress(item) if item.sending_started_at else None) for item in service.all_updates()]
    return render_template(
        "admin/updates/index.html",
        rows=rows,
        provinces=province_names(),
        suppressed=suppression.suppressed_addresses(limit=200),
        suppressed_count=suppression.suppressed_count(),
        lift_form=LiftForm(formdata=None),
    )


def form_page(form, campaign_update=None, error=None, status=200):
    return render_template(
        "admin/updates/form.html", form=form, update=campaign_update, error=error, provinces=PROVINCES
    ), status


@bp.route("/new", methods=["GET", "POST"])
@allows_line_breaks(*BODIES)
def new():
    form = UpdateForm()
    about = request.args.get("about")
    if request.method == "GET" and about:
        # A draft announcing the delivery or the response, from what the campaign page recorded.
        try:
            form = UpdateForm(formdata=None, obj=announcements.announcement(about))
        except announcements.NothingToAnnounce:
            return bad_request(_("There is nothing recorded yet to announce."), code=404)
    if not form.validate_on_submit():
        return form_page(form, status=400 if request.method == "POST" else 200)
    try:
        campaign_update = service.create(form.draft(), actor=g.audit_actor)
    except service.UpdateError as error:
        return form_page(form, error=str(error), status=400)
    flash(_("The update is saved as a draft. Read both previews, then send it to yourself as a test."), "success")
    return redirect(url_for(".show", update_id=campaign_update.id), code=303)


@bp.route("/<id:update_id>/edit", methods=["GET", "POST"])
@allows_line_breaks(*BODIES)
def edit(update_id):
    campaign_update = get_or_404(CampaignUpdate, update_id)
    if campaign_update.status != UpdateStatus.DRAFT:
        return bad_request(_("This update has been sent or cancelled: it stays as it was. Write a new one instead."))
    form = UpdateForm(obj=campaign_update)
    if request.method == "GET":
        form.provinces.data = list(campaign_update.provinces or ())
    if not form.validate_on_submit():
        return form_page(form, campaign_update, status=400 if request.method == "POST" else 200)
    try:
        service.change(campaign_update, form.draft(), actor=g.audit_actor)
    except service.UpdateError as error:
        return form_page(form, campaign_update, error=str(error), status=400)
    flash(_("The changes are saved."), "success")
    return redirect(url_for(".show", update_id=campaign_update.id), code=303)


def show_page(campaign_update, send_form=None, status=200):
    # A draft, or a draft set aside, has no send to follow.
    progress = service.progress(campaign_update) if campaign_update.sending_started_at else None
    previews = {lang: render_sample(campaign_update, lang) for lang in LANGUAGES}
    return render_template(
        "admin/updates/show.html",
        update=campaign_update,
        previews=previews,
        progress=progress,
        recipients=service.recipients_now(campaign_update) if campaign_update.status == UpdateStatus.DRAFT else None,
        missing=missing_sender_identification(),
        send_form=send_form or SendForm(formdata=None),
        can_cancel=cancellable(campaign_update),
        provinces=province_names(),
        group_separator=get_group_symbol(LANGUAGES[current_language()]),
        now=utcnow(),
    ), status


@bp.get("/<id:update_id>")
def show(update_id):
    return show_page(get_or_404(CampaignUpdate, update_id))


@bp.get("/<id:update_id>/preview/<lang:email_lang>.html")
def preview(update_id, email_lang):
    """The email's HTML part on its own, for the sandboxed frame of the update's page."""
    response = make_response(render_sample(get_or_404(CampaignUpdate, update_id), email_lang).html_body)
    response.frame_ancestors = "'self'"
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.post("/<id:update_id>/test")
def send_test(update_id):
    campaign_update = get_or_404(CampaignUpdate, update_id)
    if campaign_update.status == UpdateStatus.CANCELLED:
        return bad_request(_("This update is cancelled: there is nothing to test."))
    address = g.administrator.email
    service.send_test(campaign_update, address, actor=g.audit_actor)
    flash(_("The test, in English and in French, is sent to %(address)s.", address=address), "success")
    return redirect(url_for(".show", update_id=campaign_update.id), code=303)


@bp.post("/<id:update_id>/send")
def send(update_id):
    campaign_update = get_or_404(CampaignUpdate, update_id)
    if campaign_update.status != UpdateStatus.DRAFT:
        return bad_request(_("This update is no longer a draft: it cannot be sent again."), title=cannot_send())
    missing = missing_sender_identification()
    if missing:
        return bad_request(sender_identification_missing(missing), title=cannot_send())
    form = SendForm()
    if not form.validate():
        return show_page(campaign_update, send_form=form, status=400)
    try:
        counts = service.send(campaign_update, actor=g.audit_actor)
    except SendingError as error:
        return bad_request(str(error), title=cannot_send())
    flash(
        _(
            "Sending to %(total)s people: %(english)s in English, %(french)s in French.",
            total=format_number(counts["en"] + counts["fr"]),
            english=format_number(counts["en"]),
            french=format_number(counts["fr"]),
        ),
        "success",
    )
    return redirect(url_for(".show", update_id=campaign_update.id), code=303)


@bp.get("/<id:update_id>/progress")
def progress(update_id):
    campaign_update = get_or_404(CampaignUpdate, update_id)
    return jsonify({**service.progress(campaign_update).as_dict(), "status": campaign_update.status.value})


@bp.route("/<id:update_id>/cancel", methods=["GET", "POST"])
def cancel(update_id):
    campaign_update = get_or_404(CampaignUpdate, update_id)
    if not cancellable(campaign_update):
        return bad_request(_("This update has nothing left to cancel."))
    if request.method == "GET":
        return render_template("admin/updates/cancel.html", update=campaign_update)
    try:
        dropped = service.cancel(campaign_update, actor=g.audit_actor)
    except SendingError as error:
        return bad_request(str(error))
    message = _("The update is cancelled: nothing more of it will leave.")
    if dropped:
        message += " " + ngettext(
            "%(count)s message waiting to leave was dropped.",
            "%(count)s messages waiting to leave were dropped.",
            dropped,
            count=format_number(dropped),
        )
    flash(message, "success")
    return redirect(url_for(".show", update_id=campaign_update.id), code=303)


@bp.post("/refused/lift")
def lift():
    form = LiftForm()
    if not form.validate():
        return bad_request(_("This form has expired. Please go back, reload the page and send it again."))
    address = form.address.data
    if suppression.lift(address):
        # The lift and its audit entry, in one transaction.
        record_audit("suppression lifted", address)
        flash(_("%(address)s will receive updates again.", address=address), "success")
    else:
        flash(_("%(address)s was not on the list.", address=address), "info")
    return redirect(url_for(".index", _anchor="refused"), code=303)
