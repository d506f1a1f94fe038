"""The dashboard: the campaign's figures at a glance."""

from flask import Blueprint, current_app, render_template

from petition.admin import figures
from petition.admin.chart import bar_chart
from petition.campaign import milestones
from petition.campaign.display import campaign_day
from petition.signing import intake

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def show():
    days = figures.confirmed_per_day()
    reached = [(campaign_day(milestone.reached_at), milestone.goal) for milestone in milestones.reached()]
    return render_template(
        "admin/dashboard.html",
        statuses=figures.status_figures(),
        days=days,
        peak=max(days, key=lambda day: day[1]) if days else None,
        chart=bar_chart(days, milestones=reached),
        milestones=reached,
        zone=current_app.config["CAMPAIGN_ZONE"].key,
        provinces=figures.by_province(),
        references=figures.by_reference(),
        outbox=figures.outbox_health(),
        intake=intake.health(),
    )
