"""The preview card images, one per language (drawn by ``flask --app petition sharing cards``).

Social networks show this picture when someone shares a link. The cards are static files made
once (and again when the title or the endorsements change a lot), so the command drives a
headless Chromium through Playwright, a development tool; the site itself only serves the PNGs.
"""

from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

from petition.endorsements.listing import endorsement_count
from petition.i18n import LANGUAGES
from petition.letter.content import load_letter

CARD_SIZE = (1200, 630)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def card_path(lang):
    return Path(current_app.static_folder) / "cards" / f"card-{lang}.png"


def card_html(lang):
    with current_app.test_request_context(f"/{lang}/"), force_locale(LANGUAGES[lang]):
        return render_template(
            "sharing/card.html", lang=lang, title=load_letter(lang).title, endorsements=endorsement_count()
        )
