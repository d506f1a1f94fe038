"""Updates that announce what became of the letter: its delivery, the government's response.

An administrator starts from a draft written here in both languages from what the campaign page
recorded, and changes it as they like before sending; nothing is sent from here.
"""

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from petition.campaign import state
from petition.counts import signature_count
from petition.i18n import LANGUAGES, format_number
from petition.updates.emails import date_in
from petition.updates.service import Draft

ABOUT = ("delivery", "response")


class NothingToAnnounce(LookupError):
    """The campaign page has not recorded it yet."""


def delivery_text(delivery, lang, count):
    lines = [
        ngettext(
            "On %(date)s, we delivered the open letter to %(recipient)s, with %(count)s verified signature.",
            "On %(date)s, we delivered the open letter to %(recipient)s, with %(count)s verified signatures.",
            count,
            date=date_in(delivery.on, lang),
            recipient=delivery.to(lang),
            count=format_number(count),
        )
    ]
    if delivery.text(lang):
        lines.append(delivery.text(lang))
    if delivery.link:
        lines.append(f"[{_('More about the delivery')}]({delivery.link})")
    return _("The letter was delivered"), "\n\n".join(lines)


def response_text(response, lang):
    quoted = "\n".join(f"> {line}" if line else ">" for line in response.text(lang).splitlines())
    lines = [_("On %(date)s, the government responded to the open letter:", date=date_in(response.on, lang)), quoted]
    if response.link:
        lines.append(f"[{_('Read the response where it was published')}]({response.link})")
    return _("The government has responded"), "\n\n".join(lines)


def announcement(about):
    """A draft announcing ``about`` (``delivery`` or ``response``), in both languages."""
    current = state.read()
    recorded = current.delivery if about == "delivery" else current.response if about == "response" else None
    if recorded is None:
        raise NothingToAnnounce(about)
    count = signature_count()
    texts = {}
    for lang, locale in LANGUAGES.items():
        with force_locale(locale):
            texts[lang] = delivery_text(recorded, lang, count) if about == "delivery" else response_text(recorded, lang)
    return Draft(subject_en=texts["en"][0], body_en=texts["en"][1], subject_fr=texts["fr"][0], body_fr=texts["fr"][1])
