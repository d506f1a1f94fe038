"""The audit log, newest first, a page at a time."""

from flask import Blueprint, current_app, render_template, request

from petition.admin.audit import ACTIONS, audit_page

bp = Blueprint("audit", __name__)


@bp.get("/")
def index():
    page = request.args.get("page", 1, type=int)
    page = page if page and 0 < page < 1_000_000 else 1
    action = request.args.get("action", "")
    action = action if action in ACTIONS else ""
    events, more = audit_page(page, current_app.config["ADMIN_PAGE_SIZE"], action or None)
    return render_template("admin/audit.html", events=events, page=page, more=more, action=action, actions=ACTIONS)
