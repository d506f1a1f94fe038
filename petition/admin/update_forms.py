"""The forms of the updates' pages: an update in both languages, the send's confirmation, and
taking an address off the list of those refused for good. Labels are lazy, as in ``forms.py``."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from petition.forms import Form, longest_shown
from petition.provinces import PROVINCE_CODES, PROVINCES
from petition.updates.markup import MarkupError, check_links
from petition.updates.service import BODY_MAX, SUBJECT_MAX, Draft


def stripped(value):
    return value.strip() if isinstance(value, str) else value


class BodyField(TextAreaField):
    """A Markdown body; a value sent far over its maximum is not written back whole."""

    def _value(self):
        return super()._value()[: longest_shown(self)]


def links_to_pages_or_addresses(form, field):
    try:
        check_links(field.data or "")
    except MarkupError:
        raise ValidationError(_("Links must start with https://, http:// or mailto:.")) from None


def known_provinces(form, field):
    if any(code not in PROVINCE_CODES for code in field.data or ()):
        raise ValidationError(_("Please choose provinces and territories from the list."))


def subject_field(label, lang):
    return StringField(
        label,
        filters=[stripped],
        validators=[
            DataRequired(_l("Please write a subject.")),
            Length(max=SUBJECT_MAX, message=_l("At most %(max)d characters, please.")),
        ],
        render_kw={"maxlength": SUBJECT_MAX, "lang": f"{lang}-CA", "autocomplete": "off"},
    )


def body_field(label, lang):
    return BodyField(
        label,
        validators=[
            DataRequired(_l("Please write the text of the update.")),
            Length(max=BODY_MAX, message=_l("At most %(max)d characters, please.")),
            links_to_pages_or_addresses,
        ],
        render_kw={"rows": 14, "lang": f"{lang}-CA", "spellcheck": "true"},
    )


class UpdateForm(Form):
    subject_en = subject_field(_l("Subject in English"), "en")
    body_en = body_field(_l("Text in English (Markdown)"), "en")
    subject_fr = subject_field(_l("Subject in French"), "fr")
    body_fr = body_field(_l("Text in French (Markdown)"), "fr")
    provinces = SelectMultipleField(
        _l("Only the signers of these provinces and territories"),
        choices=lambda: [SelectChoice(code, name) for code, name in PROVINCES],
        validate_choice=False,
        validators=[known_provinces],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        description=_l("None ticked: every signer who asked for updates."),
    )

    def draft(self):
        return Draft(
            subject_en=self.subject_en.data,
            body_en=self.body_en.data,
            subject_fr=self.subject_fr.data,
            body_fr=self.body_fr.data,
            provinces=tuple(self.provinces.data or ()),
        )


class SendForm(Form):
    read_previews = BooleanField(
        _l("I have read both previews"),
        validators=[DataRequired(_l("Please read both previews first, then tick the box."))],
    )


class LiftForm(Form):
    address = StringField(filters=[stripped], validators=[DataRequired(), Length(max=254)])
