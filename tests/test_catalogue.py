"""The French catalogue: every string of the code translated (each plural form), none fuzzy, and
each translation keeping the placeholders of its source, so that no French page shows English or
fails on a missing value."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.fixture(scope="module")
def catalogues(tmp_path_factory):
    """The strings the code holds now (extracted afresh, as `make extract` does) and the French file."""
    template = tmp_path_factory.mktemp("catalogue") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l", "-k",
         "lazy_gettext", "-k", "lazy_ngettext:1,2", "--no-location", "-o", str(template), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with template.open("rb") as handle:
        extracted = read_po(handle)
    with (ROOT / "translations/fr/LC_MESSAGES/messages.po").open("rb") as handle:
        french = read_po(handle, locale="fr_CA")
    return extracted, french


def key(message):
    return (message.context, message.id if isinstance(message.id, str) else message.id[0])


def test_every_string_of_the_code_has_a_french_translation_in_each_plural_form(catalogues):
    extracted, french = catalogues
    translations = {key(message): message for message in french if message.id}
    missing = []
    for message in extracted:
        if not message.id:
            continue
        found = translations.get(key(message))
        strings = () if found is None else found.string if isinstance(found.string, tuple) else (found.string,)
        if found is None or found.fuzzy or not strings or not all(strings):
            missing.append(key(message))
    assert missing == [], "run make update-translations and translate these"


def test_each_translation_keeps_the_placeholders_of_its_source(catalogues):
    _, french = catalogues
    wrong = []
    for message in french:
        if not message.id or not message.string:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        expected = set().union(*(PLACEHOLDER.findall(source) for source in sources))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            # A plural form may leave out %(num)s ("une signature"); nothing else may be lost or added.
            found = set(PLACEHOLDER.findall(string))
            if found - expected or (expected - {"num"}) - found:
                wrong.append((message.id, string))
    assert wrong == []
