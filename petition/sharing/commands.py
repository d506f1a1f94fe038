"""``flask --app petition sharing cards`` and ``flask --app petition sharing stats-link SLUG``."""

from pathlib import Path

import click
from flask import Blueprint

from petition.i18n import LANGUAGES
from petition.sharing.cards import CARD_SIZE, CHROMIUM_ARGS, card_html, card_path
from petition.sharing.refs import organisation
from petition.sharing.stats import stats_url

bp = Blueprint("sharing_commands", __name__, cli_group="sharing")


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


@bp.cli.command("stats-link")
@click.argument("slug")
def stats_link_command(slug):
    """Print an organisation's private link to its figures, in English and in French."""
    if organisation(slug) is None:
        raise click.ClickException(f"No endorsing organisation has the slug {slug!r}.")
    for lang in ("en", "fr"):
        click.echo(f"{lang}: {stats_url(slug, lang)}")
