"""``flask --app petition signatures …``: export, and the privacy lifecycle."""

import json
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Blueprint

from petition.admin.export import UPDATES_CHOICES, ExportFilterError, ExportFilters, audit_detail, count_rows, write_csv
from petition.admin.models import AuditEvent
from petition.extensions import db
from petition.i18n import LANGUAGES

bp = Blueprint("signature_commands", __name__, cli_group="signatures")


@bp.cli.command("export")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="The CSV file to write (default: stdout).")
@click.option("--since", metavar="YYYY-MM-DD", help="Confirmed on or after this day (campaign time zone).")
@click.option("--until", metavar="YYYY-MM-DD", help="Confirmed on or before this day (campaign time zone).")
@click.option("--province", metavar="XX", help="Only this province or territory (two letters; XX: outside Canada).")
@click.option(
    "--updates", type=click.Choice(UPDATES_CHOICES), default="any", show_default=True, help="Consent to updates."
)
@click.option("--include-email", is_flag=True, help="Add the email addresses (needs --reason).")
@click.option("--reason", help="Why the email addresses are needed; kept in the audit log.")
@click.option(
    "--lang", type=click.Choice(sorted(LANGUAGES)), default="en", show_default=True, help="The header's language."
)
def export_command(out, since, until, province, updates, include_email, reason, lang):
    """Export the confirmed signatures as CSV (UTF-8 for Excel), streamed in batches."""
    try:
        filters = ExportFilters.parse(since=since, until=until, province=province, updates=updates)
    except ExportFilterError as error:
        raise click.UsageError(str(error)) from error
    reason = (reason or "").strip()
    if include_email and not reason:
        raise click.UsageError("--include-email needs --reason: say why the email addresses are needed.")
    if reason and not include_email:
        raise click.UsageError("--reason explains --include-email; give both or neither.")
    if out is not None and not out.parent.is_dir():
        raise click.BadParameter(f"the folder {str(out.parent)!r} does not exist.", param_hint="--out")

    stderr = click.get_text_stream("stderr")
    # A bar only for a person watching; on a terminal that also shows the CSV it would be in the way.
    show_progress = stderr.isatty() and (out is not None or not sys.stdout.isatty())
    with exported_file(out) as target:
        if show_progress:
            with click.progressbar(length=count_rows(filters), label="Exporting", file=stderr) as bar:
                rows = write_csv(target, filters, include_email, progress=bar.update, lang=lang)
        else:
            rows = write_csv(target, filters, include_email, lang=lang)
    destination = str(out) if out is not None else "stdout"
    record_export(audit_detail(filters, rows, include_email, reason or None, lang, destination))
    click.echo(f"Exported {rows} confirmed signatures to {destination}.", err=True)


@contextmanager
def exported_file(out):
    """Stdout, or a file that appears only once complete (written beside it, then renamed).

    The file is readable by its owner only: it holds personal data.
    """
    if out is None:
        stdout = click.get_binary_stream("stdout")
        yield stdout
        stdout.flush()
        return
    with tempfile.NamedTemporaryFile(dir=out.parent, prefix=f".{out.name}.", suffix=".partial", delete=False) as file:
        try:
            yield file
        except BaseException:
            file.close()
            os.unlink(file.name)
            raise
    os.replace(file.name, out)


def record_export(detail):
    """Keep the export in the audit log; a command has no administrator, so the actor is None."""
    db.session.add(AuditEvent(action="export", actor=None, detail=json.dumps(detail, ensure_ascii=False)))
    db.session.commit()


@bp.cli.command("recount")
def recount_command():
    """Recompute the public count and the administrators' tallies from the signature table."""
    from petition.signing.tallies import rebuild

    found = rebuild()
    click.echo(f"Recounted {found['submitted', 'all']} signatures, {found['status', 'confirmed']} of them confirmed.")
