"""The base of every form of the site: what a form reads from a request, and what it shows back.

Flask-WTF's ``FlaskForm`` also fills a form from ``request.files`` and from a JSON body, so a
field that expects text could be handed a file or a number and fail in its validators (a 500).
Here a form reads the form body only: a file field reads its file part, a file part sent where
text is expected is a 400, and so is a body that is not a form at all (JSON or anything else).
"""

from flask import abort, request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted  # Flask-WTF's own "read the request" and "sent by POST"
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms.fields import FileField
from wtforms.validators import Length
from wtforms.widgets import Input

FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
# The most characters a field without a Length validator shows back when the form is shown again.
LONGEST_SHOWN = 1000


def longest_shown(field):
    """How much of a sent value the field shows back: its Length maximum, else ``LONGEST_SHOWN``."""
    maxima = [v.max for v in field.validators if isinstance(v, Length) and v.max is not None and v.max >= 0]
    return min(maxima, default=LONGEST_SHOWN)


class Form(FlaskForm):
    """Every form of the site derives from this one (a test walks them)."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            """The data a form reads: what it was given, else the body of a POST, as a form."""
            if formdata is not _Auto:
                return super().wrap_formdata(form, formdata)
            if not _is_submitted():
                return None
            if request.mimetype and request.mimetype not in FORM_TYPES:
                abort(400)
            file_fields = {field.name for field in form if isinstance(field, FileField)}
            text_fields = {field.name for field in form} - file_fields
            if any(name in text_fields for name in request.files):
                abort(400)
            if not file_fields:
                return request.form
            files = MultiDict((name, upload) for name, upload in request.files.items(multi=True) if name in file_fields)
            return CombinedMultiDict((files, request.form))

        def render_field(self, field, render_kw):
            """A value sent far over the field's maximum (a megabyte) is not written back whole."""
            if isinstance(field.widget, Input) and "value" not in render_kw:
                value = field._value()
                most = longest_shown(field)
                if isinstance(value, str) and len(value) > most:
                    render_kw = {**render_kw, "value": value[:most]}
            return super().render_field(field, render_kw)
