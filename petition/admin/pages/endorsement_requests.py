"""Requests to endorse: those their contact confirmed, oldest first, each beside the organisations
whose names are close to it; approve (perhaps under another name) or decline with a reason."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from petition.admin.pages import get_or_404
from petition.admin.request_forms import ApproveRequestForm, DeclineRequestForm, prefix_for
from petition.endorsements import review
from petition.endorsements.request_models import EndorsementRequest
from petition.provinces import province_name

bp = Blueprint("endorsement_requests", __name__)


def review_error(code):
    messages = {
        "decided already": _("This request was decided already, perhaps by another administrator."),
        "empty name": _("Please enter the organisation's name."),
        "long name": _("The name is too long (300 characters at most)."),
        "control characters": _("Please remove the special characters from the name."),
        "slug taken": _("No free short name could be found for this organisation; please try again."),
        "empty reason": _("Please give a reason."),
        "long reason": _("The reason is too long (1,000 characters at most)."),
    }
    return messages[code]


def forms_for(request, approve=None, decline=None):
    return (
        approve
        or ApproveRequestForm(formdata=None, prefix=prefix_for(request, "approve"), data={"name": request.name}),
        decline or DeclineRequestForm(formdata=None, prefix=prefix_for(request, "decline")),
    )


def page(status=200, sent_for=None, approve=None, decline=None):
    """The list; ``sent_for`` is the request whose form came back with errors, shown as sent."""
    items = review.waiting_with_close_names()
    forms = {
        item.request.id: forms_for(item.request, *((approve, decline) if item.request.id == sent_for else ()))
        for item in items
    }
    return render_template(
        "admin/endorsements/requests.html",
        items=items,
        forms=forms,
        decided=review.recently_decided(),
        province_name=province_name,
    ), status


@bp.get("/")
def index():
    return page()


@bp.post("/<id:request_id>/approve")
def approve(request_id):
    request = get_or_404(EndorsementRequest, request_id)
    form = ApproveRequestForm(prefix=prefix_for(request, "approve"))
    if not form.validate():
        return page(400, request.id, approve=form)
    try:
        endorsement = review.approve(request, form.name.data)
    except review.ReviewError as error:
        flash(review_error(error.code), "error")
        return redirect(url_for(".index"), code=303)
    flash(_("%(name)s is on the list; its contact will receive its links.", name=endorsement.name), "success")
    return redirect(url_for(".index"), code=303)


@bp.post("/<id:request_id>/decline")
def decline(request_id):
    request = get_or_404(EndorsementRequest, request_id)
    form = DeclineRequestForm(prefix=prefix_for(request, "decline"))
    if not form.validate():
        return page(400, request.id, decline=form)
    try:
        review.decline(request, form.reason.data)
    except review.ReviewError as error:
        flash(review_error(error.code), "error")
        return redirect(url_for(".index"), code=303)
    flash(
        _("The request of %(name)s is declined; its contact will receive a short note.", name=request.name), "success"
    )
    return redirect(url_for(".index"), code=303)
