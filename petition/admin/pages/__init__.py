"""The administration's pages, one module per feature, each a blueprint nested in ``admin.routes.bp``."""

from flask import abort, render_template
from flask_babel import gettext as _

from petition.extensions import db


def bad_request(message, title=None, code=400):
    """A page in the admin layout that says what was wrong with what was sent."""
    page = render_template("admin/error.html", code=code, title=title or _("This could not be done"), message=message)
    return page, code


def get_or_404(model, identifier):
    found = db.session.get(model, identifier)
    if found is None:
        abort(404)
    return found
