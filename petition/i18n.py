"""The two languages of the site: URL prefixes, negotiation, and the locale of each request."""

import re

from babel.dates import format_date, format_time
from flask import current_app, g, has_request_context, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from werkzeug.routing import BaseConverter

from petition.timeutil import html_datetime

# URL prefix -> Babel locale. Canadian locales give Canadian number and date formats.
LANGUAGES = {"en": "en_CA", "fr": "fr_CA"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "lang"
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}


class LanguageConverter(BaseConverter):
    """Matches only the languages we serve, so ``/de/`` is a plain 404."""

    regex = "en|fr"


def language_from_path(path):
    """The language prefix of a path such as ``/fr/anything``, or None."""
    first = path.lstrip("/").split("/", 1)[0]
    return first if first in LANGUAGES else None


def negotiated_language():
    """The visitor's explicit choice (a cookie), else their browser's preference, else English."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    # Werkzeug parses Accept-Language leniently: a malformed header yields no match, not an error.
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def current_language():
    """The language of this request: its URL prefix when it has one, else the negotiated one."""
    lang = g.get("lang")
    if lang is None:
        if not has_request_context():
            # The mail sender renders outside any request, and passes the signer's language.
            return DEFAULT_LANGUAGE
        view_args = request.view_args or {}
        lang = view_args.get("lang") or language_from_path(request.path) or negotiated_language()
        g.lang = lang
    return lang


def select_locale():
    """Babel's locale selector."""
    return LANGUAGES[current_language()]


def other_language(lang):
    return "fr" if lang == "en" else "en"


def url_in_language(lang, **extra):
    """The URL of the current page in another language, or its home page if it has none."""
    endpoint = request.endpoint
    view_args = dict(request.view_args or {})
    if endpoint and "lang" in view_args:
        view_args.update(lang=lang, **extra)
        return url_for(endpoint, **view_args)
    return url_for("letter.show", lang=lang)


def format_number(value):
    """12,345 in English and 12 345 in French, as Canadian readers write them."""
    return format_decimal(value)


def ordinal_first(written, day, locale):
    """French writes the first of the month as an ordinal, « 1er mars », which Babel's formats do
    not: ``written`` (a date as Babel wrote it) with that put right."""
    if str(locale).startswith("fr") and day.day == 1:
        return re.sub(r"(?<!\d)1(?= )", "1er", written, count=1)
    return written


def date_at_time(moment, locale):
    """A moment as a sentence writes it, « 3 mars 2026 à 14 h 30 » / "March 3, 2026 at 2:30 p.m.":
    an all-numeric date suits a table, not running text. ``moment`` is already on the right clock."""
    written_date = ordinal_first(format_date(moment, "long", locale=locale), moment, locale)
    written_time = format_time(moment, "short", locale=locale)
    if str(locale).startswith("fr"):
        # « 9 h 30 », not « 09 h 30 »; its spaces never break, so the hour and minutes stay together.
        written_time = re.sub(r"^0(?=\d)", "", written_time).replace(" ", "\u00a0")
    return _("%(date)s at %(time)s", date=written_date, time=written_time)


def init_app(app):
    app.url_map.converters["lang"] = LanguageConverter
    app.jinja_env.filters["format_number"] = format_number
    app.jinja_env.filters["html_datetime"] = html_datetime

    @app.context_processor
    def language_context():
        lang = current_language()
        return {
            "lang": lang,
            "other_lang": other_language(lang),
            "language_names": LANGUAGE_NAMES,
            "url_in_language": url_in_language,
            "public_url": current_app.config["PUBLIC_URL"],
        }
