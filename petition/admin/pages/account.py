"""An administrator's own account: a new password, and ending every session at once."""

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from petition.admin import accounts, auth, sessions
from petition.admin.forms import ChangePasswordForm
from petition.audit import record_audit
from petition.extensions import limiter

bp = Blueprint("account", __name__)


def account_page(form, status=200):
    page = render_template(
        "admin/account.html",
        form=form,
        open_sessions=sessions.count_open(g.administrator),
        minimum=current_app.config["ADMIN_PASSWORD_MIN_LENGTH"],
    )
    return page, status


@bp.get("/")
def show():
    return account_page(ChangePasswordForm())


@bp.post("/password")
# Someone holding a stolen session tries passwords no faster here than on the sign-in page, and
# their failures lock them out the same way (accounts.check_password).
@limiter.limit(auth.sign_in_limit)
def change_password():
    form = ChangePasswordForm()
    if not form.validate():
        return account_page(form, 400)
    administrator = g.administrator
    result = accounts.check_password(administrator, form.current_password.data, request.remote_addr)
    if result != accounts.SignInResult.ACCEPTED:
        record_audit("password change refused", {"result": result})
        form.current_password.errors.append(
            _(
                "The current password is not right. After %(failures)s failed attempts, checking it is "
                "paused for %(minutes)s minutes.",
                failures=current_app.config["ADMIN_LOCK_AFTER_FAILURES"],
                minutes=current_app.config["ADMIN_LOCK_MINUTES"],
            )
        )
        return account_page(form, 400)
    ended = accounts.set_password(administrator, form.new_password.data)
    record_audit("password changed", {"email": administrator.email, "sessions": ended})
    auth.sign_out()
    flash(
        _("Your password has been changed and all your sessions have ended. Please sign in with the new one."),
        "success",
    )
    return redirect(url_for("admin.auth.sign_in"), code=303)


@bp.post("/sessions/end")
def end_sessions():
    """Sign out every browser signed in to this account, this one too."""
    ended = sessions.end_all_sessions(g.administrator)
    record_audit("sessions ended", {"sessions": ended})
    auth.sign_out()
    flash(_("All your sessions have ended, this one too. Please sign in again."), "info")
    return redirect(url_for("admin.auth.sign_in"), code=303)
