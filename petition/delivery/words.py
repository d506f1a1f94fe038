"""The delivery document's words: each text in both languages, numbers and dates as each writes them.

``make extract`` knows ``bilingual``, ``bilingual_plural`` and ``in_language_plural`` as keywords.
"""

from babel.dates import format_date, format_time
from flask import current_app
from flask_babel import force_locale, format_decimal, get_translations
from flask_babel import gettext as _

from petition.i18n import LANGUAGES, ordinal_first


def bilingual(text, **values):
    """``text`` (a msgid) in each language: (English, French). ``make extract`` knows this name."""
    found = []
    for lang in ("en", "fr"):
        with force_locale(LANGUAGES[lang]):
            found.append(_(text, **values))
    return tuple(found)


def number(value, lang):
    with force_locale(LANGUAGES[lang]):
        return format_decimal(value)


def day(moment, lang):
    locale = LANGUAGES[lang]
    local = moment.astimezone(current_app.config["CAMPAIGN_ZONE"])
    written = ordinal_first(format_date(local.date(), "long", locale=locale), local.date(), locale)
    return f"{written}, {format_time(local, 'short', locale=locale)}"


def pair(en, fr, between=" · "):
    """Both languages' words, once when they are the same ("Alberta", "Signatures")."""
    return en if en == fr else f"{en}{between}{fr}"


def two_lines(en, fr):
    return en if en == fr else f"{en}\n{fr}"


def neutral(n):
    """A count as both languages may read it in one table: 12 345, with a narrow space (The Canadian Style)."""
    return f"{n:,}".replace(",", "\u202f")


def bilingual_plural(singular, plural, n):
    """The plural form for ``n`` in each language, ``%(num)s`` written as each writes numbers."""
    return tuple(in_language_plural(lang, singular, plural, n) for lang in ("en", "fr"))


def in_language_plural(lang, singular, plural, n):
    with force_locale(LANGUAGES[lang]):
        return get_translations().ngettext(singular, plural, n) % {"num": number(n, lang)}
