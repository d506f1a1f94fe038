"""The review of a request to endorse: the name to approve it under, or the reason to decline it.

Several requests wait on one page, so each form carries a prefix of its own (``approve-7-name``,
``decline-7-reason``): every field's id is unique on the page, and a POST reads only its own form.
"""

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from petition.forms import Form


def folded(value):
    return " ".join(value.split()) if isinstance(value, str) else value


def prefix_for(request, decision):
    return f"{decision}-{request.id}"


class ApproveRequestForm(Form):
    name = StringField(
        _l("Name on the list"),
        filters=[folded],
        validators=[DataRequired(_l("Please enter the organisation's name.")), Length(max=300)],
        description=_l("As the organisation asked; correct it here if needed before approving."),
    )


class DeclineRequestForm(Form):
    reason = StringField(
        _l("Reason"),
        filters=[folded],
        validators=[DataRequired(_l("Please give a reason.")), Length(max=1000)],
        description=_l("For the audit log and the other administrators; the contact receives a short note without it."),
        render_kw={"maxlength": 1000},
    )
