"""``flask --app petition sharing cards``: the preview card images, one per language.

Social networks show this picture when someone shares a link. The cards are static files made
once (and again when the title or the endorsements change a lot), so the command drives a
headless Chromium through Playwright, a development tool; the site itself only serves the PNGs.
"""

from pathlib import Path

import click
from flask import Blueprint, current_app, render_template
from flask_babel import force_locale

from petition.endorsements.importer import endorsement_count
from petition.i18n import LANGUAGES
from petition.letter.content import load_letter

bp = Blueprint("sharing_commands", __name__, cli_group="sharing")

CARD_SIZE = (1200, 630)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def card_path(lang):
    return Path(current_app.static_folder) / "cards" / f"card-{lang}.png"


def card_html(lang):
    with current_app.test_request_context(f"/{lang}/"), force_locale(LANGUAGES[lang]):
        return render_template(
            "sharing/card.html", lang=lang, title=load_letter(lang).title, endorsements=endorsement_count()
        )


@bp.cli.command("cards")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Folder (default: static/cards).")
@click.option("--chromium", default="/usr/bin/chromium", show_default=True)
def cards_command(out, chromium):
    """Draw the preview card of each language as a PNG."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": CARD_SIZE[0], "height": CARD_SIZE[1]})
        for lang in LANGUAGES:
            target = (out / f"card-{lang}.png") if out else card_path(lang)
            target.parent.mkdir(parents=True, exist_ok=True)
            page.set_content(card_html(lang))
            page.screenshot(path=str(target))
            click.echo(f"{lang}: {target}")
        browser.close()
