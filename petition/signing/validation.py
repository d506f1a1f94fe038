"""The rules for what a signer may write, shared by the form and by commands."""

import re
import unicodedata

# A name or a city with a link in it is spam: it reaches an inbox ("Hello Claim-prize-at-winner.ca")
# and the public list. A host name is a letter or digit, a dot, a letter or digit, with no space:
# winner.ca, a.b, bit.do/win, whatever the top-level domain. (A lookahead, so that every dot is
# looked at, in one pass: a megabyte of text is read in linear time.)
DOT_BETWEEN_LETTERS = re.compile(r"(?=[^\W_]\.[^\W_])")
# Dots that NFKC leaves as they are, and that a browser reads as dots in a host name.
IDEOGRAPHIC_DOTS = str.maketrans(dict.fromkeys("。．｡", "."))
# Invisible characters that can split a host name for the check but not for a reader: format
# characters (zero-width spaces and joiners, soft hyphens) and combining marks left on their own.
INVISIBLE_CATEGORIES = frozenset({"Cf", "Mn"})
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


def as_read(value):
    """``value`` as a reader would see it, for the link check only: NFKC (full-width letters and
    dots become plain ones), without invisible characters, ideographic dots as dots."""
    if value.isascii():
        return value
    text = unicodedata.normalize("NFKC", value)
    text = "".join(c for c in text if unicodedata.category(c) not in INVISIBLE_CATEGORIES)
    return text.translate(IDEOGRAPHIC_DOTS)


def reads_as_link(value):
    """True when ``value`` holds a link or a host name. Initials are not one: a run of single
    letters each followed by its dot ("A.J.", "J.R.R. Tolkien"); nor is a dot followed by a space
    ("St. John's", "Dr. J. Smith")."""
    text = as_read(value)
    if "://" in text:
        return True
    for found in DOT_BETWEEN_LETTERS.finditer(text):
        at = found.start()
        single_before = at == 0 or not text[at - 1].isalnum()
        single_after = text[at + 3 : at + 4] == "."
        if not (single_before and single_after):
            return True
    return False


def name_problem(value):
    """Why ``value`` cannot be a name shown on the letter, or None. Messages are lazy strings."""
    from flask_babel import lazy_gettext as _l

    if has_control_characters(value):
        return _l("Please remove the special characters.")
    if reads_as_link(value):
        return _l("Please enter a name, not a web address.")
    if value.startswith(FORMULA_PREFIXES):
        return _l("A name cannot start with =, +, - or @.")
    return None


def place_problem(value):
    """Why ``value`` cannot be a city or town shown on the letter, or None. Messages are lazy strings."""
    from flask_babel import lazy_gettext as _l

    if has_control_characters(value):
        return _l("Please remove the special characters.")
    if reads_as_link(value):
        return _l("Please enter a city or town, not a web address.")
    return None
