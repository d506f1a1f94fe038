"""``flask --app petition signatures delivery --out FILE.pdf``: the document to hand over, and its CSV.

The command joins the ``signatures`` group (``create_app`` adds it there), beside ``export``.
"""

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from petition.delivery.service import DeliveryFiles, make_delivery
from petition.i18n import LANGUAGES


@click.command("delivery")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The PDF to write; the CSV export goes beside it, with the same name ending in .csv.",
)
@click.option(
    "--lang", type=click.Choice(sorted(LANGUAGES)), default="en", show_default=True, help="The CSV header's language."
)
@with_appcontext
def delivery_command(out, lang):
    """Build the delivery document (PDF) and the CSV export whose SHA-256 it prints, from one moment."""
    if out.suffix.lower() != ".pdf":
        raise click.BadParameter("the document's name must end in .pdf.", param_hint="--out")
    if not out.parent.is_dir():
        raise click.BadParameter(f"the folder {str(out.parent)!r} does not exist.", param_hint="--out")
    files = DeliveryFiles(out, out.with_suffix(".csv"))
    if sys.stderr.isatty():
        with click.progressbar(length=0, label="Building", file=sys.stderr, show_pos=True) as bar:
            made = make_delivery(files, lang, progress=bar.update, expected=lambda n: set_length(bar, n))
    else:
        made = make_delivery(files, lang)
    click.echo(
        f"Wrote {files.pdf} ({made.pages} pages: {made.signatures} verified signatures, {made.named} named, "
        f"{made.organisations} organisations) and {files.csv} (SHA-256 {made.csv_sha256}).",
        err=True,
    )
    if made.unknown_glyphs:
        click.echo(
            f"Warning: {made.unknown_glyphs} characters have no glyph in the installed fonts and print as boxes; "
            "install Debian's fonts-noto-core and fonts-noto-cjk (make fonts).",
            err=True,
        )


def set_length(bar, n):
    # The bar's length is known only once the snapshot is read: each signature is written twice.
    bar.length = 2 * n
