"""The rules for what a signer may write, shared by the form and by commands."""

import re
import unicodedata

# A name with a link in it is spam, not a name.
URL_PATTERN = re.compile(
    r"(://|\bwww\.|\b[\w-]+\.(com|net|org|info|biz|io|ru|cn|xyz|top|site|online|ly|link|click|co)\b)",
    re.IGNORECASE,
)
# Direction overrides can make a name display as something else.
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Spreadsheets read a cell starting with these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@")


def clean_text(value):
    """NFC-normalised text with runs of white space folded to one space and trimmed."""
    if value is None:
        return ""
    return " ".join(unicodedata.normalize("NFC", value).split())


def has_control_characters(value):
    return any(unicodedata.category(c) == "Cc" or c in BIDI_CONTROLS for c in value)


def name_problem(value):
    """Why ``value`` cannot be a name shown on the letter, or None. Messages are lazy strings."""
    from flask_babel import lazy_gettext as _l

    if has_control_characters(value):
        return _l("Please remove the special characters.")
    if URL_PATTERN.search(value):
        return _l("Please enter a name, not a web address.")
    if value.startswith(FORMULA_PREFIXES):
        return _l("A name cannot start with =, +, - or @.")
    return None
