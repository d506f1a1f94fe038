"""French typography over every French string the site writes: the catalogue's translations (each
plural form) and the French content files (the letter, the privacy page).

The Canadian conventions the French review asks for: a narrow no-break space (U+202F) before ; ? !
and inside « », a no-break space (U+00A0) before a colon and between a number and what it counts,
the typographic apostrophe, one word for one thing (« organisation ») and wording that includes
everyone. Each test names every string that breaks its rule, so that one run lists them all.
"""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "translations/fr/LC_MESSAGES/messages.po"
CONTENT_FILES = sorted((ROOT / "petition/content").glob("*.fr.md"))

NBSP, NNBSP = "\u00a0", "\u202f"

# What is not French prose, erased before a rule looks at a string, each as narrowly as it can be:
# a web or mail address (https://example.org, mailto:), a catalogue placeholder (%(name)s) or a
# content file's setting ({contact_email}), and the target of a Markdown link, ](…).
URL = re.compile(r"(?:https?:|mailto:)(?://)?[^\s«»)]*")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
MARKDOWN_LINK_TARGET = re.compile(r"\]\([^)\s]*\)")

# Punctuation is what ends a clause: followed by a space, the end, or a closing mark. A "?" or ":" in
# "?ref=code", "17:00" or "org:mon-organisation" is followed by a letter or digit, and is not punctuation.
CLAUSE_END = r"(?=\s|$|[»)\]*”])"
HIGH_PUNCTUATION = re.compile(r"(.?)([;?!])" + CLAUSE_END)
COLON = re.compile(r"(.?):" + CLAUSE_END)

# A number, or a placeholder standing for one, then the word it counts.
UNITS = "jours|heures|minutes|secondes|caractères|octets|signatures|tentatives|lignes|personnes"
NUMBER_AND_UNIT = re.compile(r"(?:\d|%\(\w+\)[sd]|\{\w+\})([ \u202f\t]+)(?:" + UNITS + r")\b")


def catalogue_strings():
    """(where, text) for each French translation, each plural form apart."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle, locale="fr_CA")
    for message in catalogue:
        if not message.id:
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        context = f"[{message.context}] " if message.context else ""
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for form, text in enumerate(strings):
            plural = f" (form {form})" if len(strings) > 1 else ""
            yield f"msgid {context}{msgid!r}{plural}", text


def content_strings():
    """(where, text) for each non-empty line of the French content files."""
    for path in CONTENT_FILES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                yield f"{path.relative_to(ROOT)}:{number}", line


ALL = list(catalogue_strings()) + list(content_strings())


def prose(text):
    """``text`` without its addresses, placeholders and link targets (a placeholder becomes « X »)."""
    text = MARKDOWN_LINK_TARGET.sub("]", text)
    text = URL.sub("URL", text)
    return PLACEHOLDER.sub("X", text)


def assert_none_break(check):
    """Runs ``check`` (text -> problems) over every string, and names each string that fails it."""
    found = [f"{where}: {problem}" for where, text in ALL for problem in check(text)]
    assert not found, f"{len(found)} French strings break the rule:\n" + "\n".join(found)


def excerpt(text, index):
    return "…" + text[max(0, index - 25) : index + 10].replace(NBSP, "⍽").replace(NNBSP, "⁀") + "…"


def test_the_strings_checked_are_the_whole_french_text():
    catalogue = [where for where in ALL if where[0].startswith("msgid")]
    assert len(catalogue) > 850, "every translation of the catalogue, each plural form"
    assert {path.name for path in CONTENT_FILES} == {"letter.fr.md", "privacy.fr.md"}
    assert len(ALL) - len(catalogue) > 40, "every line of the content files"


def test_a_narrow_no_break_space_comes_before_semicolons_question_and_exclamation_marks():
    def check(text):
        text = prose(text)
        for match in HIGH_PUNCTUATION.finditer(text):
            before, mark = match.groups()
            ok = before == NNBSP and not text[max(0, match.start() - 1) : match.start()].isspace()
            if not ok:
                yield f"{mark!r} needs U+202F before it, {excerpt(text, match.start())}"

    assert_none_break(check)


def test_guillemets_hold_narrow_no_break_spaces_inside():
    def check(text):
        text = prose(text)
        for match in re.finditer("«(.?)", text):
            if match.group(1) != NNBSP:
                yield f"« needs U+202F after it, {excerpt(text, match.start())}"
        for match in re.finditer("(.?)»", text):
            if match.group(1) != NNBSP:
                yield f"» needs U+202F before it, {excerpt(text, match.start())}"

    assert_none_break(check)


def test_a_no_break_space_comes_before_a_colon():
    def check(text):
        text = prose(text)
        for match in COLON.finditer(text):
            if match.group(1) != NBSP:
                yield f"':' needs U+00A0 before it, {excerpt(text, match.start())}"

    assert_none_break(check)


def test_a_number_and_what_it_counts_are_joined_by_a_no_break_space():
    def check(text):
        for match in NUMBER_AND_UNIT.finditer(text):
            yield f"U+00A0 needed between the number and its unit, {excerpt(text, match.start(1))}"

    assert_none_break(check)


def test_the_apostrophe_is_the_typographic_one():
    def check(text):
        text = prose(text)
        for match in re.finditer("'", text):
            yield f"’ instead of ', {excerpt(text, match.start())}"

    assert_none_break(check)


@pytest.mark.parametrize(
    ("wording", "why"),
    [
        (r"\borganismes?\b", "« organisation », as in the letter's title and the interface"),
        (r"\bje suis compté", "masculine only: the signature is what is counted"),
        (r"\b(?:un|des|les|aux) administrateurs?\b", "the function, not a masculine person: « l’administration »"),
        (r"\bdonnées personnelles\b", "the Canadian legal term is « renseignements personnels »"),
        (r"\bsignatures? vérifiées?\b", "the same signatures are « confirmées » everywhere"),
    ],
)
def test_one_word_for_one_thing_and_wording_that_includes_everyone(wording, why):
    def check(text):
        for match in re.finditer(wording, text, flags=re.IGNORECASE):
            yield f"{why}, {excerpt(text, match.start())}"

    assert_none_break(check)
