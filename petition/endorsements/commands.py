"""``flask --app petition endorsements import [FILE]``."""

import click
from flask import Blueprint

from petition.endorsements.importer import BUNDLED_LIST, ImportFileError, import_endorsements
from petition.endorsements.listing import endorsement_count

bp = Blueprint("endorsements", __name__, cli_group="endorsements")


@bp.cli.command("import")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--remove-missing", is_flag=True, help="Delete organisations that are not in the file.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the table already has organisations.")
def import_command(file, remove_missing, if_empty):
    """Load the endorsement list (the bundled one by default); running it twice changes nothing."""
    if if_empty and endorsement_count():
        click.echo("Endorsements already imported; nothing to do.")
        return
    try:
        report = import_endorsements(file or BUNDLED_LIST, remove_missing=remove_missing)
    except ImportFileError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{len(report.added)} added, {len(report.updated)} updated, {report.unchanged} unchanged.")
    for name in report.updated:
        click.echo(f"  updated: {name}")
    for name in report.removed:
        click.echo(f"  removed: {name}")
    if report.missing_from_file:
        click.echo(
            f"{len(report.missing_from_file)} in the database but not in the file "
            "(kept; run with --remove-missing to delete them):"
        )
        for name in report.missing_from_file:
            click.echo(f"  not in file: {name}")
