"""The administration's forms. Labels are lazy, so they follow the administrator's language."""

import ipaddress
import re

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, Regexp, ValidationError

from petition.forms import Form
from petition.provinces import PROVINCES
from petition.sharing.refs import REF_CODE
from petition.signing.export import FIRST_DAY, LAST_DAY
from petition.signing.models import SignatureStatus
from petition.signing.sources import HASH_PATTERN

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def stripped(value):
    return value.strip() if isinstance(value, str) else value


def lowered(value):
    return value.strip().lower() if isinstance(value, str) else value


class SignInForm(Form):
    email = StringField(
        _l("Email address"),
        filters=[stripped],
        validators=[DataRequired(_l("Please enter your email address.")), Length(max=254)],
        render_kw={"autocomplete": "username", "type": "email", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Please enter your password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Please enter your current password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Please enter a new password."))],
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        _l("New password, again"),
        validators=[
            DataRequired(_l("Please enter the new password a second time.")),
            EqualTo("new_password", _l("The two new passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )

    def validate_new_password(self, field):
        # The rule of accounts.check_new_password, in the administrator's language.
        minimum = current_app.config["ADMIN_PASSWORD_MIN_LENGTH"]
        if len(field.data) < minimum:
            raise ValidationError(_("The new password must be at least %(minimum)s characters long.", minimum=minimum))
        if len(field.data) > 1024:
            raise ValidationError(_("The new password must be at most 1024 characters long."))


def choices(*pairs):
    return [SelectChoice(value, label) for value, label in pairs]


def status_choices():
    return choices(
        ("", _l("Any status")),
        (SignatureStatus.CONFIRMED.value, _l("Confirmed")),
        (SignatureStatus.PENDING.value, _l("Pending")),
        (SignatureStatus.WITHDRAWN.value, _l("Withdrawn")),
        (SignatureStatus.INVALIDATED.value, _l("Invalidated")),
    )


def an_ip_address(form, field):
    """An IP address, or the hashed source that these pages show for one (signing/sources.py)."""
    if field.data and not HASH_PATTERN.fullmatch(field.data.lower()):
        try:
            field.data = str(ipaddress.ip_address(field.data))
        except ValueError as error:
            raise ValidationError(
                _l("Please enter a whole IP address, such as 203.0.113.7, or a source as these pages show it.")
            ) from error


def a_whole_address(form, field):
    if field.data and "@" not in field.data:
        raise ValidationError(_l("Please enter a whole address, or search by domain below."))


def a_domain(form, field):
    if field.data:
        field.data = field.data.lstrip("@")
        if "@" in field.data or " " in field.data:
            raise ValidationError(_l("Please enter only what comes after the @, such as example.org."))


class SearchForm(Form):
    """The signature search, sent by GET so that a search can be bookmarked and shared."""

    class Meta:
        csrf = False

    name = StringField(_l("Name"), filters=[stripped], validators=[Optional(), Length(max=200)])
    email = StringField(
        _l("Email address"), filters=[lowered], validators=[Optional(), Length(max=254), a_whole_address]
    )
    domain = StringField(_l("Email domain"), filters=[lowered], validators=[Optional(), Length(max=254), a_domain])
    ip = StringField(
        _l("IP address or source"), filters=[stripped], validators=[Optional(), Length(max=45), an_ip_address]
    )
    ref = StringField(_l("Share reference"), filters=[stripped], validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), choices=status_choices, default="", validate_choice=True)


class BulkInvalidateForm(SearchForm):
    """The search again, with the number of signatures the administrator saw and agreed to."""

    class Meta:
        csrf = True

    expected = IntegerField(validators=[DataRequired(), NumberRange(min=1)])
    reason = StringField(
        _l("Why (kept in the audit log)"),
        filters=[stripped],
        validators=[DataRequired(_l("Please say why these signatures are invalidated.")), Length(max=500)],
    )


class ReasonForm(Form):
    reason = StringField(_l("Why (kept in the audit log)"), filters=[stripped], validators=[Length(max=500)])


def a_slug(form, field):
    if field.data and not SLUG.fullmatch(field.data):
        raise ValidationError(_l("Use lowercase letters, digits and dashes only, such as my-organisation."))


class EndorsementForm(Form):
    name = StringField(
        _l("Name of the organisation"),
        filters=[lambda value: " ".join(value.split()) if isinstance(value, str) else value],
        validators=[DataRequired(_l("Please enter the organisation's name.")), Length(max=300)],
    )
    slug = StringField(
        _l("Short name in its link (/o/…)"),
        filters=[lowered],
        validators=[Optional(), Length(max=100), a_slug],
        description=_l("Lowercase letters, digits and dashes. Left empty, it is made from the name."),
    )
    is_lead = BooleanField(_l("Lead signatory"))


class ImportForm(Form):
    file = FileField(_l("CSV file (columns name, slug, lead)"), validators=[FileRequired(_l("Please choose a file."))])
    remove_missing = BooleanField(_l("Remove the organisations that are not in the file"))


class ShareLinkForm(Form):
    code = StringField(
        _l("Code"),
        filters=[lowered],
        validators=[
            DataRequired(_l("Please enter a code.")),
            Length(min=3, max=40, message=_l("The code must be 3 to 40 characters long.")),
            Regexp(
                rf"\A(?:{REF_CODE.pattern})\Z",
                message=_l("Use lowercase letters, digits and dashes, starting and ending with a letter or digit."),
            ),
        ],
        description=_l("3 to 40 lowercase letters, digits and dashes; it appears in the link as ?ref=code."),
    )
    label = StringField(
        _l("What it is for"),
        filters=[stripped],
        validators=[DataRequired(_l("Please say what the link is for.")), Length(max=200)],
    )


def province_choices():
    return choices(("", _l("All")), *PROVINCES)


def a_calendar_day(form, field):
    if field.data and not FIRST_DAY <= field.data <= LAST_DAY:
        raise ValidationError(
            _l("Please enter a day from %(first)s to %(last)s.", first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat())
        )


class DeliveryForm(Form):
    """The delivery document's button: nothing to fill in, but the form's CSRF token."""


class ExportForm(Form):
    since = DateField(_l("Confirmed from (day)"), validators=[Optional(), a_calendar_day])
    until = DateField(_l("Confirmed until (day, included)"), validators=[Optional(), a_calendar_day])
    province = SelectField(_l("Province or territory"), choices=province_choices, default="")
    updates = SelectField(
        _l("Consent to updates"),
        choices=choices(
            ("any", _l("Everyone")), ("yes", _l("Only those who agreed")), ("no", _l("Only those who did not"))
        ),
        default="any",
    )
    include_email = BooleanField(_l("Include email addresses"))
    reason = StringField(
        _l("Why the email addresses are needed (kept in the audit log)"),
        filters=[stripped],
        validators=[Length(max=500)],
    )

    def validate_reason(self, field):
        if self.include_email.data and len(field.data or "") < 10:
            raise ValidationError(_l("Please say, in a sentence, why the email addresses are needed."))

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The last day comes before the first day."))
