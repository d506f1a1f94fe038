"""Administrators' sessions, and the guard in front of every admin page.

The session is Flask's signed cookie. Signing in clears it and starts a new one (a new CSRF token
too), so a session planted before sign-in is worth nothing after. Each request under ``/admin/``
stamps the time it was seen; a session unseen for ``ADMIN_SESSION_IDLE_MINUTES``, or older than
``ADMIN_SESSION_MAX_HOURS``, ends. The session also carries a fingerprint of the password hash,
so that changing a password ends the sessions opened with the old one.
"""

import time
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _

from petition.admin.accounts import session_fingerprint
from petition.admin.models import Administrator
from petition.extensions import db

# The only admin pages that someone not signed in may open.
PUBLIC_ENDPOINTS = frozenset({"admin.auth.sign_in", "admin.auth.language"})
SESSION_KEYS = ("admin_id", "admin_key", "admin_since", "admin_seen")
EXPIRED = "expired"


def sign_in(administrator):
    """Start a new session for ``administrator``: nothing of the session before it is kept."""
    session.clear()
    session.permanent = True
    now = int(time.time())
    session["admin_id"] = administrator.id
    session["admin_key"] = session_fingerprint(administrator)
    session["admin_since"] = now
    session["admin_seen"] = now
    g.administrator = administrator


def sign_out():
    session.clear()
    g.pop("administrator", None)


def session_administrator():
    """The administrator of this session and None, or None and why there is none.

    A live session is stamped with the time of this request, which keeps it alive.
    """
    admin_id = session.get("admin_id")
    if admin_id is None:
        return None, None
    now = time.time()
    seen, since = session.get("admin_seen"), session.get("admin_since")
    config = current_app.config
    if (
        not isinstance(seen, int | float)
        or not isinstance(since, int | float)
        or now - seen > config["ADMIN_SESSION_IDLE_MINUTES"] * 60
        or now - since > config["ADMIN_SESSION_MAX_HOURS"] * 3600
    ):
        sign_out()
        return None, EXPIRED
    administrator = db.session.get(Administrator, admin_id) if isinstance(admin_id, int) else None
    if administrator is None or session.get("admin_key") != session_fingerprint(administrator):
        sign_out()
        return None, EXPIRED
    session["admin_seen"] = int(now)
    return administrator, None


def require_administrator():
    """Before every admin request: let administrators through, send anyone else to sign in."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    administrator, why = session_administrator()
    if administrator is not None:
        g.administrator = administrator
        return None
    if request.method not in ("GET", "HEAD"):
        abort(401)
    if why == EXPIRED:
        flash(_("Your session has ended. Please sign in again."), "info")
    return redirect(url_for("admin.auth.sign_in", next=request.full_path.rstrip("?")))


def safe_next(target):
    """A path inside the administration to go to after signing in; anything else goes to the dashboard."""
    parts = urlsplit(target or "")
    if (
        target
        and target.startswith("/admin/")
        and not target.startswith("/admin/sign-in")
        and not parts.scheme
        and not parts.netloc
        and "\\" not in target
        and target.isprintable()
    ):
        return target
    return url_for("admin.dashboard.show")


def no_store(response):
    """Admin pages hold personal data: no cache keeps them, no search engine lists them."""
    if request.path == "/admin" or request.path.startswith("/admin/"):
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def init_app(app):
    app.after_request(no_store)
