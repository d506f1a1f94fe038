"""Signing in and out, and the administration's language."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from petition.admin import accounts, auth
from petition.admin.forms import SignInForm
from petition.audit import record_audit
from petition.extensions import limiter
from petition.i18n import LANGUAGE_COOKIE

bp = Blueprint("auth", __name__)


def failure_message():
    # One answer for a wrong password, an unknown address and a locked-out source alike.
    return _(
        "The email address or password is not right. After %(failures)s failed attempts, signing in "
        "to that account from your network is paused for %(minutes)s minutes.",
        failures=current_app.config["ADMIN_LOCK_AFTER_FAILURES"],
        minutes=current_app.config["ADMIN_LOCK_MINUTES"],
    )


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(auth.sign_in_limit, methods=["POST"])
def sign_in():
    form = SignInForm()
    if request.method == "GET":
        administrator, _why = auth.session_administrator()
        if administrator is not None:
            return redirect(auth.safe_next(request.args.get("next")))
        return render_template("admin/sign_in.html", form=form)
    if not form.validate():
        return render_template("admin/sign_in.html", form=form), 400
    administrator, result = accounts.authenticate(form.email.data, form.password.data, request.remote_addr)
    if administrator is None:
        record_audit("sign-in failed", {"email": accounts.normalise_email(form.email.data)[:254], "result": result})
        return render_template("admin/sign_in.html", form=form, failure=failure_message()), 401
    auth.sign_in(administrator)
    record_audit("sign-in")
    return redirect(auth.safe_next(request.args.get("next")), code=303)


@bp.post("/sign-out")
def sign_out():
    record_audit("sign-out")
    auth.sign_out()
    flash(_("You are signed out."), "info")
    return redirect(url_for("admin.auth.sign_in"), code=303)


@bp.get("/language/<lang:lang>")
def language(lang):
    """Remember the administrator's language (the site's own cookie), then go back to the page."""
    response = redirect(auth.safe_next(request.args.get("next")), code=303)
    response.set_cookie(
        LANGUAGE_COOKIE,
        lang,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
    )
    return response
