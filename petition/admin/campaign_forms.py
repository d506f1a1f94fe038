"""The forms of the campaign page: a close at a set time, the delivery, the government's response.

The limits are those of ``campaign.service``, which checks them again for the commands.
"""

from datetime import date
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from petition.admin.forms import stripped
from petition.campaign import service
from petition.forms import Form, longest_shown


class BoundedTextAreaField(TextAreaField):
    """A text area that, shown again, writes back no more of a value than its field holds (the
    base form does so for inputs; a text area writes its value between its tags)."""

    def _value(self):
        value = super()._value()
        return value[: longest_shown(self)]


def a_web_link(form, field):
    """http(s) with a host: a ``javascript:`` or ``data:`` link would run or show anything."""
    if field.data:
        parts = urlsplit(field.data)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in field.data):
            raise ValidationError(_l("Please enter a web address beginning with https:// or http://."))


def a_campaign_day(form, field):
    """A day of these centuries: anything else is a typing slip."""
    if field.data and not date(service.FIRST_YEAR, 1, 1) <= field.data <= date(service.LAST_YEAR, 12, 31):
        raise ValidationError(_l("Please give a day such as 2026-03-01."))


def text_in(language_label, maximum):
    return BoundedTextAreaField(
        language_label,
        filters=[stripped],
        validators=[
            DataRequired(_l("Please write this text.")),
            Length(max=maximum, message=_l("At most %(max)d characters, please.")),
        ],
        render_kw={"rows": 5},
    )


def link_field(label):
    return StringField(
        label,
        filters=[stripped],
        validators=[Optional(), Length(max=service.LINK_MAX), a_web_link],
        render_kw={"type": "url", "spellcheck": "false"},
        description=_l("Optional. A page about it, beginning with https://."),
    )


class ScheduleCloseForm(Form):
    closes_at = StringField(
        _l("Close at"),
        filters=[stripped],
        validators=[DataRequired(_l("Please give a day and a time.")), Length(max=40)],
        render_kw={"type": "datetime-local"},
    )

    def validate_closes_at(self, field):
        try:
            field.moment = service.parse_moment(field.data)
        except service.CampaignError as error:
            raise ValidationError(_l("Please give a day and a time, such as 2026-03-01 17:00.")) from error


class DeliveryForm(Form):
    delivered_on = DateField(
        _l("Delivered on"), validators=[DataRequired(_l("Please give the day of delivery.")), a_campaign_day]
    )
    delivered_to_en = StringField(
        _l("Delivered to, in English"),
        filters=[stripped],
        validators=[DataRequired(_l("Please say to whom it was delivered.")), Length(max=service.RECIPIENT_MAX)],
        description=_l("For instance: the Office of the Prime Minister."),
    )
    delivered_to_fr = StringField(
        _l("Delivered to, in French"),
        filters=[stripped],
        validators=[DataRequired(_l("Please say to whom it was delivered.")), Length(max=service.RECIPIENT_MAX)],
        # French joins "à" and "le" into "au": the field holds its own preposition, and the
        # French sentences that show it have none.
        description=_l(
            "With the word that leads to it, as it follows « remise le 3 mars » in French: for instance, "
            "au Cabinet du premier ministre."
        ),
    )
    text_en = text_in(_l("What to say about it, in English"), service.DELIVERY_TEXT_MAX)
    text_fr = text_in(_l("What to say about it, in French"), service.DELIVERY_TEXT_MAX)
    link = link_field(_l("Link"))


class ResponseForm(Form):
    response_on = DateField(
        _l("Response of"), validators=[DataRequired(_l("Please give the day of the response.")), a_campaign_day]
    )
    text_en = text_in(_l("The response, in English"), service.RESPONSE_TEXT_MAX)
    text_fr = text_in(_l("The response, in French"), service.RESPONSE_TEXT_MAX)
    link = link_field(_l("Where it was published"))
