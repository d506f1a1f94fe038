"""Administrators' sessions, and the guard in front of every admin page.

The session cookie (Flask's, signed) holds only the key of a session kept on the server
(``sessions.py``), so that signing out ends it there: a copy of the cookie taken before opens
nothing after. Signing in clears the cookie and starts a new session (a new CSRF token too), so a
session planted before sign-in is worth nothing after. Ending every session of an administrator,
or a new password, ends the copies on every browser.
"""

from urllib.parse import urlsplit

from flask import abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _

from petition.admin import sessions
from petition.extensions import configured_limit

# The only admin pages that someone not signed in may open.
PUBLIC_ENDPOINTS = frozenset({"admin.auth.sign_in", "admin.auth.language"})
SESSION_KEY = "admin_session"
EXPIRED = "expired"


# Attempts at a password per IP (signing in, and changing it).
sign_in_limit = configured_limit("ADMIN_SIGN_IN_RATE_LIMIT")


def sign_in(administrator):
    """Start a new session for ``administrator``: nothing of the session before it is kept."""
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = sessions.open_session(administrator)
    g.administrator = administrator
    g.audit_actor = administrator.email


def sign_out():
    """End this browser's session, on the server and in its cookie."""
    sessions.end_session(session.get(SESSION_KEY))
    session.clear()
    g.pop("administrator", None)


def session_administrator():
    """The administrator of this session and None, or None and why there is none.

    A live session is marked as used by this request, which keeps it alive.
    """
    key = session.get(SESSION_KEY)
    if key is None:
        return None, None
    administrator = sessions.administrator_of(key)
    if administrator is None:
        # Ended: signed out elsewhere, all sessions ended, a new password, unused or too old.
        session.clear()
        g.pop("administrator", None)
        return None, EXPIRED
    return administrator, None


def require_administrator():
    """Before every admin request: let administrators through, send anyone else to sign in."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    administrator, why = session_administrator()
    if administrator is not None:
        g.administrator = administrator
        g.audit_actor = administrator.email
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
