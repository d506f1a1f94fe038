"""The sign form. Labels and messages are lazy, so they follow the language of each request."""

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from petition.forms import Form
from petition.provinces import PROVINCE_CODES, PROVINCES
from petition.signing.validation import clean_text, name_problem, place_problem

DISPLAY_CHOICES = (
    ("full", _l("My full name")),
    ("initial", _l("My first name and the initial of my last name")),
    ("none", _l("Do not show my name (I am counted all the same)")),
)

# The wording of the consent box, versioned: what the signer saw is recorded with their consent.
CONSENT_WORDING_VERSION = "2026-11-updates-v1"


def strip_filter(value):
    return clean_text(value) if isinstance(value, str) else value


def valid_name(form, field):
    problem = name_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def valid_city(form, field):
    problem = place_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def deliverable_syntax(form, field):
    """Syntax only: no DNS look-up while the signer waits."""
    try:
        result = validate_email(field.data or "", check_deliverability=False)
    except EmailNotValidError as error:
        raise ValidationError(_l("Please enter a valid email address, such as name@example.com.")) from error
    field.data = result.normalized


def name_field(label, missing_message, autocomplete):
    """A name as it will be shown on the letter: required, at most 100 characters, no links."""
    return StringField(
        label,
        filters=[strip_filter],
        validators=[
            DataRequired(missing_message),
            Length(max=100, message=_l("Please keep this under 100 characters.")),
            valid_name,
        ],
        render_kw={"autocomplete": autocomplete, "maxlength": 100},
    )


class SignForm(Form):
    first_name = name_field(_l("First name"), _l("Please enter your first name."), "given-name")
    last_name = name_field(_l("Last name"), _l("Please enter your last name."), "family-name")
    email = EmailField(
        _l("Email"),
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[
            DataRequired(_l("Please enter your email address.")),
            Length(max=254, message=_l("An email address cannot be longer than 254 characters.")),
            deliverable_syntax,
        ],
        render_kw={"autocomplete": "email", "maxlength": 254, "spellcheck": "false"},
    )
    province = SelectField(
        _l("Province or territory"),
        choices=[SelectChoice(value, label) for value, label in (("", _l("Choose…")), *PROVINCES)],
        validators=[DataRequired(_l("Please choose your province or territory, or “Outside Canada”."))],
        validate_choice=False,
        render_kw={"autocomplete": "address-level1"},
    )
    city = StringField(
        _l("City or town (optional)"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=100, message=_l("Please keep this under 100 characters.")), valid_city],
        render_kw={"autocomplete": "address-level2", "maxlength": 100},
    )
    display = RadioField(
        _l("How may we show your name on the list of signers?"),
        choices=[SelectChoice(value, label) for value, label in DISPLAY_CHOICES],
        default="full",
        validate_choice=False,
    )
    updates = BooleanField(_l("Send me updates about this campaign by email. I can unsubscribe at any time."))
    # A field people never see; bots fill it in.
    website = StringField(_l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"})

    def validate_province(self, field):
        if field.data and field.data not in PROVINCE_CODES:
            raise ValidationError(_l("Please choose your province or territory from the list."))

    def validate_display(self, field):
        if field.data not in {value for value, _ in DISPLAY_CHOICES}:
            raise ValidationError(_l("Please choose how your name may be shown."))

    @property
    def is_bot(self):
        return bool((self.website.data or "").strip())
