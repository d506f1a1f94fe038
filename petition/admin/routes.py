"""The administrators' pages under ``/admin/``: one blueprint, with a nested blueprint per feature.

The guard runs before every request to any of them (``auth.require_administrator``), so a new
page cannot forget it; only the sign-in page and the language switch are open to all.
"""

from babel.dates import format_datetime
from flask import Blueprint, render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from petition.admin import auth
from petition.admin.figures import campaign_zone
from petition.admin.pages import (
    account,
    audit,
    campaign,
    dashboard,
    endorsement_requests,
    endorsements,
    export,
    share_links,
    signatures,
    signing_in,
    updates,
)
from petition.errors import error_headers, error_text
from petition.i18n import date_at_time, ordinal_first
from petition.timeutil import as_utc

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(auth.require_administrator)


@bp.app_template_filter("admin_time")
def admin_time(moment, format="short"):
    """A stored time as the campaign's clock shows it, written the administrator's way: ``short``
    (numeric) in tables, ``sentence`` (« le 3 mars 2026 à 14 h 30 ») inside a sentence."""
    if moment is None:
        return ""
    local, locale = as_utc(moment).astimezone(campaign_zone()), get_locale()
    if format == "sentence":
        return date_at_time(local, locale)
    return ordinal_first(format_datetime(local, format, tzinfo=campaign_zone(), locale=locale), local, locale)


bp.register_blueprint(signing_in.bp)
bp.register_blueprint(dashboard.bp)
bp.register_blueprint(signatures.bp, url_prefix="/signatures")
bp.register_blueprint(endorsements.bp, url_prefix="/endorsements")
bp.register_blueprint(endorsement_requests.bp, url_prefix="/endorsement-requests")
bp.register_blueprint(share_links.bp, url_prefix="/share-links")
bp.register_blueprint(export.bp, url_prefix="/export")
bp.register_blueprint(updates.bp, url_prefix="/updates")
bp.register_blueprint(campaign.bp, url_prefix="/campaign")
bp.register_blueprint(audit.bp, url_prefix="/audit")
bp.register_blueprint(account.bp, url_prefix="/account")


@bp.errorhandler(HTTPException)
def admin_error(error):
    """Errors in the administration's own layout; a bad form or file says what was wrong."""
    code = error.code or 500
    title, message = error_text(code)
    if isinstance(error, CSRFError):
        title = _("This form has expired")
        message = _("Please go back, reload the page and send the form again.")
    elif code == 401:
        title = _("Sign-in needed")
        message = _("Please sign in to the administration first.")
    return render_template("admin/error.html", code=code, title=title, message=message), code, error_headers(error)
