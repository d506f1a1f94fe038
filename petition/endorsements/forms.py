"""The request to endorse, and the ask for an organisation's figures link. Names follow the sign
form's rules (signing/validation.py): no links, no control characters, no spreadsheet formulas."""

import re
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from petition.forms import Form
from petition.provinces import PROVINCE_CODES, PROVINCES
from petition.signing.forms import deliverable_syntax, strip_filter, valid_name
from petition.signing.validation import has_control_characters

LONGEST_NAME = 200
LONGEST_WEBSITE = 300
# Labels of letters, digits and hyphens (in any script), at least two of them: example.org.
HOST_NAME = re.compile(r"[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)+\.?")


def email_field(label):
    return EmailField(
        label,
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[
            DataRequired(_l("Please enter your email address.")),
            Length(max=254, message=_l("An email address cannot be longer than 254 characters.")),
            deliverable_syntax,
        ],
        render_kw={"autocomplete": "email", "maxlength": 254, "spellcheck": "false"},
    )


def website_address(value):
    """``value`` as an http(s) address (``example.org`` becomes ``https://example.org``), or None."""
    if not value or has_control_characters(value) or any(c.isspace() for c in value):
        return None
    if "://" not in value:
        value = "https://" + value
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or parts.username or parts.password:
        return None
    if not parts.hostname or not HOST_NAME.fullmatch(parts.hostname):
        return None
    return value


def valid_website(form, field):
    if not field.data:
        field.data = None
        return
    address = website_address(field.data)
    if address is None:
        raise ValidationError(
            _l("Please enter the organisation’s website, such as https://example.org, or leave it empty.")
        )
    field.data = address


class EndorseForm(Form):
    name = StringField(
        _l("Name of the organisation, as it should appear on the letter"),
        filters=[strip_filter],
        validators=[
            DataRequired(_l("Please enter the name of the organisation.")),
            Length(max=LONGEST_NAME, message=_l("Please keep this under 200 characters.")),
            valid_name,
        ],
        render_kw={"autocomplete": "organization", "maxlength": LONGEST_NAME},
    )
    website = StringField(
        _l("Website (optional)"),
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[
            Optional(),
            Length(max=LONGEST_WEBSITE, message=_l("Please keep this under 300 characters.")),
            valid_website,
        ],
        render_kw={"autocomplete": "url", "maxlength": LONGEST_WEBSITE, "spellcheck": "false", "inputmode": "url"},
    )
    province = SelectField(
        _l("Province or territory (optional)"),
        choices=[SelectChoice(value, label) for value, label in (("", _l("Choose…")), *PROVINCES)],
        validate_choice=False,
        render_kw={"autocomplete": "address-level1"},
    )
    contact_name = StringField(
        _l("Your name"),
        filters=[strip_filter],
        validators=[
            DataRequired(_l("Please enter your name.")),
            Length(max=100, message=_l("Please keep this under 100 characters.")),
            valid_name,
        ],
        render_kw={"autocomplete": "name", "maxlength": 100},
    )
    contact_email = email_field(_l("Your email address"))
    authorised = BooleanField(
        _l("I am authorised to endorse this letter on behalf of the organisation."),
        validators=[DataRequired(_l("Please confirm that you may endorse the letter on the organisation’s behalf."))],
    )
    # A field people never see; bots fill it in.
    fax = StringField(_l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"})

    def validate_province(self, field):
        if field.data and field.data not in PROVINCE_CODES:
            raise ValidationError(_l("Please choose your province or territory from the list."))

    @property
    def is_bot(self):
        return bool((self.fax.data or "").strip())


class FiguresLinkForm(Form):
    email = email_field(_l("The contact’s email address"))
    fax = StringField(_l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"})

    @property
    def is_bot(self):
        return bool((self.fax.data or "").strip())
