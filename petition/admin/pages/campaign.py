"""The campaign: close the letter now or at a set time, reopen it, record its delivery and the
government's response; the milestones reached. Each change is in the audit log (campaign.service)."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from petition.admin.campaign_forms import DeliveryForm, ResponseForm, ScheduleCloseForm
from petition.admin.pages import bad_request
from petition.campaign import service, state
from petition.counts import signature_count
from petition.input_checks import allows_line_breaks

bp = Blueprint("campaign", __name__)
# The texts are written in paragraphs.
TEXTS = ("text_en", "text_fr")


def stored_delivery_form(current):
    """The delivery form holding what is recorded, for correcting it."""
    delivery = current.delivery
    data = {}
    if delivery is not None:
        data = {"delivered_on": delivery.on, "delivered_to_en": delivery.to_en, "delivered_to_fr": delivery.to_fr}
        data["link"] = delivery.link
        data |= {"text_en": delivery.text_en, "text_fr": delivery.text_fr}
    return DeliveryForm(formdata=None, data=data)


def stored_response_form(current):
    response = current.response
    data = {}
    if response is not None:
        data = {"response_on": response.on, "link": response.link}
        data |= {"text_en": response.text_en, "text_fr": response.text_fr}
    return ResponseForm(formdata=None, data=data)


def campaign_page(status=200, **forms):
    """The page, with the forms as sent when one of them was refused (``forms``), else as stored."""
    current = state.read()
    now = state.now()
    page = render_template(
        "admin/campaign.html",
        campaign=current,
        closed_at=current.closed_at(now),
        confirmations_end=current.confirmations_end(now),
        confirming=current.accepts_confirmations(now),
        verified=signature_count(),
        grace_hours=current_app.config["CAMPAIGN_CONFIRM_GRACE_HOURS"],
        zone=current_app.config["CAMPAIGN_ZONE"].key,
        schedule_form=forms.get("schedule_form") or ScheduleCloseForm(formdata=None),
        delivery_form=forms.get("delivery_form") or stored_delivery_form(current),
        response_form=forms.get("response_form") or stored_response_form(current),
    )
    return page, status


@bp.get("/")
def show():
    return campaign_page()


@bp.post("/close")
def close_now():
    try:
        service.close()
    except service.CampaignError as error:
        return bad_request(str(error), code=409)
    flash(_("The letter is closed. New signatures are refused from now on."), "success")
    return redirect(url_for(".show"), code=303)


@bp.post("/schedule")
def schedule():
    form = ScheduleCloseForm()
    if not form.validate():
        return campaign_page(400, schedule_form=form)
    try:
        service.close(form.closes_at.moment)
    except service.CampaignError as error:
        form.closes_at.errors.append(str(error))
        return campaign_page(400, schedule_form=form)
    flash(_("The letter will close at the time you gave."), "success")
    return redirect(url_for(".show"), code=303)


@bp.post("/reopen")
def reopen():
    if service.reopen():
        flash(_("The letter is open again, with no close scheduled."), "success")
    return redirect(url_for(".show"), code=303)


@bp.post("/delivery")
@allows_line_breaks(*TEXTS)
def delivery():
    form = DeliveryForm()
    if not form.validate():
        return campaign_page(400, delivery_form=form)
    service.record_delivery(
        form.delivered_on.data,
        form.delivered_to_en.data,
        form.delivered_to_fr.data,
        form.text_en.data,
        form.text_fr.data,
        form.link.data,
    )
    flash(_("The delivery is recorded; the letter page shows it."), "success")
    return redirect(url_for(".show", _anchor="delivery"), code=303)


@bp.post("/response")
@allows_line_breaks(*TEXTS)
def response():
    form = ResponseForm()
    if not form.validate():
        return campaign_page(400, response_form=form)
    service.record_response(form.response_on.data, form.text_en.data, form.text_fr.data, form.link.data)
    flash(_("The response is recorded; the letter page shows it."), "success")
    return redirect(url_for(".show", _anchor="response"), code=303)


@bp.errorhandler(service.CampaignError)
def refused(error):
    """What the service refuses that the forms let through (a race with another administrator)."""
    return bad_request(str(error))
