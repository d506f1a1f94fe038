"""Error pages in the visitor's language, as HTML for pages and JSON for the API."""

import logging
import time
from urllib.parse import urlsplit

from flask import Flask, current_app, g, has_request_context, jsonify, make_response, render_template, request
from flask.globals import request_ctx
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, InternalServerError

from petition.database import unavailable
from petition.extensions import db, limiter

log = logging.getLogger(__name__)


class App(Flask):
    """The site's Flask: the same, but for an exception's log line, which names the route."""

    def log_exception(self, exc_info):
        self.logger.error("Exception on %s %s", request.method, logged_route(), exc_info=exc_info)


def logged_route():
    """The request's route as a log line names it (``/<lang:lang>/confirm/<token>``), never its
    path: the path of a link from an email, or of a private link, holds its token."""
    rule = request.url_rule
    return rule.rule if rule is not None else "(no route)"


def wants_json():
    return request.path.startswith("/api/")


def error_text(code):
    """Title and explanation of an HTTP error, translated."""
    texts = {
        400: (_("Bad request"), _("The request could not be understood. Please go back and try again.")),
        403: (_("Forbidden"), _("You do not have permission to see this page.")),
        404: (
            _("Page not found"),
            _("The page you asked for does not exist. It may have moved, or the address may be mistyped."),
        ),
        405: (_("Method not allowed"), _("This page cannot be used that way.")),
        413: (_("Request too large"), _("What you sent is larger than this site accepts.")),
        429: (
            _("Too many requests"),
            _("You have sent too many requests in a short time. Please wait a moment and try again."),
        ),
        500: (
            _("Something went wrong"),
            _("An error on our side stopped this page. It has been logged; please try again in a moment."),
        ),
        503: (
            _("The site is busy for a moment"),
            _("This page could not be shown just now. Please try again in a few seconds."),
        ),
    }
    return texts.get(code, (_("Error"), _("The request could not be completed.")))


def ensure_url_adapter():
    """A request whose Host Flask could not read (malformed, or not in ``TRUSTED_HOSTS``) has no
    URL adapter, so no link could be built on its error page: it builds them on the site's own host."""
    if request_ctx.url_adapter is None:
        public = urlsplit(current_app.config["PUBLIC_URL"])
        request_ctx.url_adapter = current_app.url_map.bind(
            public.netloc, script_name=request.script_root or "/", url_scheme=public.scheme
        )


def render_error(code, title=None, message=None, headers=None):
    default_title, default_message = error_text(code)
    title, message = title or default_title, message or default_message
    if wants_json():
        response = jsonify(error={"status": code, "title": title, "message": message})
        response.status_code = code
    else:
        ensure_url_adapter()
        page = render_template("errors/error.html", code=code, title=title, message=message)
        response = make_response(page, code)
    if headers:
        response.headers.update(headers)
    return response


def seconds_until_limit_resets():
    """When the rate limit this request exceeded lets it through again, in seconds.

    Flask-Limiter's own headers would give it too, but they cost two calls to the limits' storage
    on every limited request (RATELIMIT_HEADERS_ENABLED is off); here it is asked only on a 429.
    """
    try:
        limit = limiter.current_limit
        return max(1, limit.reset_at - int(time.time())) if limit is not None else None
    except Exception:  # the storage went away since the check: a 429 without the header
        log.warning("rate-limit storage unavailable while answering a 429", exc_info=True)
        return None


def error_headers(error):
    """The headers an HTTP error's page carries, whichever layout shows it: ``Allow`` on a 405,
    ``Retry-After`` on a 429 (when the limit lets the client through again) or when the error
    names one itself."""
    headers = {}
    if error.code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    retry_after = dict(error.get_headers()).get("Retry-After")
    if error.code == 429 and not retry_after:
        retry_after = seconds_until_limit_resets()
    if retry_after:
        headers["Retry-After"] = str(retry_after)
    return headers


def invalid_link(explanation):
    """The 400 of a link from an email that is not (or no longer) one of ours; ``explanation``
    says how to get a new one."""
    return render_error(400, _("This link is not valid"), explanation)


def handle_http_exception(error):
    return render_error(min(error.code or 500, 500), headers=error_headers(error))


def handle_csrf_error(error):
    return render_error(
        400,
        _("This form has expired"),
        _(
            "For your security, forms can only be sent from a page opened recently, with cookies "
            "allowed. Please go back, reload the page, and send the form again."
        ),
    )


def handle_unexpected_error(error):
    # Logged by Flask; the visitor sees a plain page, never a stack trace.
    return render_error(500)


def note_commit(session):
    """Remember that this request has changed the database, for ``unavailable_message``."""
    if has_request_context():
        g.database_committed = True


def unavailable_message():
    """What a visitor must know when the database fails mid-request: whether what they sent was
    recorded. A transaction that failed recorded nothing; one committed earlier in the request may
    have."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if g.get("database_committed"):
        return _(
            "Part of what you sent may have been recorded. Please wait a few seconds, then check "
            "before sending it again."
        )
    if request.endpoint == "signing.sign":
        return _("Your signature was not recorded. Please send the form again in a few seconds.")
    return _("What you sent was not recorded. Please try again in a few seconds.")


def handle_database_error(error):
    """A database that cannot be reached for a moment (a restart) is a 503 with ``Retry-After``,
    logged as one line: a restart would otherwise log a traceback per request. Any other database
    error is a bug, and goes on to the 500 page."""
    if not unavailable(error):
        raise error
    db.session.rollback()
    log.warning("database unavailable for %s %s: %s", request.method, logged_route(), error.orig)
    retry_after = current_app.config["DATABASE_UNAVAILABLE_RETRY_AFTER"]
    return render_error(503, message=unavailable_message(), headers={"Retry-After": str(retry_after)})


def init_app(app):
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_unexpected_error)
    app.register_error_handler(DBAPIError, handle_database_error)
    if not event.contains(Session, "after_commit", note_commit):
        event.listen(Session, "after_commit", note_commit)
