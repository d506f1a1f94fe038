"""Checks every request passes before any view, form, CSRF check or rate limit reads it.

What fails here is malformed whatever the page: a Host that is not a host name, a multipart part
without a name, a control character in a text input (a path value, a query string, a form field).
Each is a 400, the site's own error page in the visitor's language; the database never sees it.

Line breaks (CR, LF) are refused everywhere but in the multi-line fields that a view names with
``@allows_line_breaks`` (the Markdown of an update, the texts of the delivery and the response).
A tab is refused in URLs and in field names, but not in a field's value: a value pasted from a
spreadsheet can honestly carry one, invisible to the person who pasted it, and every text field's
filter folds or trims white space.
"""

import re

from flask import abort, current_app, request

# Labels of letters, digits, hyphens and underscores (at most 63 each, none empty), an optional
# final dot, or an IPv6 literal; then an optional port. Werkzeug refuses some of the others (an
# empty or over-long label) only when it builds URLs, which left the error page without any.
HOST = re.compile(
    r"(?:(?:[A-Za-z0-9_-]{1,63}\.)*[A-Za-z0-9_-]{1,63}\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?",
)
LONGEST_HOST = 253 + len(":65535")
# Unicode's control characters (category Cc): C0, DEL and C1; in a value, all but the tab.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
CONTROL_IN_VALUE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
# In a multi-line field: all but the tab and the line breaks.
CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def allows_line_breaks(*fields):
    """Mark a view whose form has multi-line ``fields`` (text areas): their values may hold CR and LF."""

    def mark(view):
        view.multiline_fields = frozenset(fields)
        return view

    return mark


def multiline_fields():
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "multiline_fields", frozenset())


def refuse_malformed_host():
    host = request.host
    if len(host) > LONGEST_HOST or not HOST.fullmatch(host):
        abort(400)


def refuse_nameless_form_fields():
    """A multipart part without a name reaches the form as a ``None`` key, on which the CSRF
    check itself fails (a 500 on every form); such a body is malformed: a 400."""
    if request.mimetype == "multipart/form-data" and (None in request.form or None in request.files):
        abort(400)


def refuse_control_characters():
    """NUL and the other control characters never reach a view, a form or the database
    (PostgreSQL refuses NUL in text: it was a 500)."""
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and CONTROL.search(value):
            abort(400)
    multiline = multiline_fields() if request.form else frozenset()
    for fields in (request.args, request.form):
        for name, value in fields.items(multi=True):
            allowed = CONTROL_IN_TEXT if fields is request.form and name in multiline else CONTROL_IN_VALUE
            if CONTROL.search(name) or allowed.search(value):
                abort(400)
    for name, upload in request.files.items(multi=True):
        if CONTROL.search(name) or CONTROL.search(upload.filename or ""):
            abort(400)


def init_app(app):
    # First of all, before the CSRF check and the rate limits look at the request.
    checks = [refuse_malformed_host, refuse_nameless_form_fields, refuse_control_characters]
    app.before_request_funcs.setdefault(None, [])[:0] = checks
