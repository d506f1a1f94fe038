"""``flask --app petition signatures …``: export, and the privacy lifecycle."""

import os
import sys
import tempfile
from contextlib import contextmanager, suppress
from pathlib import Path

import click
from flask import Blueprint

from petition.audit import record_audit
from petition.i18n import LANGUAGES
from petition.signing.export import (
    UPDATES_CHOICES,
    ExportFilterError,
    ExportFilters,
    audit_detail,
    count_rows,
    write_csv,
)

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

    # A bar only for a person watching; on a terminal that also shows the CSV it would be in the way.
    show_progress = sys.stderr.isatty() and (out is not None or not sys.stdout.isatty())
    destination = str(out) if out is not None else "stdout"
    try:
        with exported_file(out) as target:
            if show_progress:
                with click.progressbar(length=count_rows(filters), label="Exporting", file=sys.stderr) as bar:
                    rows = write_csv(target, filters, include_email, progress=bar.update, lang=lang)
            else:
                rows = write_csv(target, filters, include_email, lang=lang)
    except BrokenPipeError:
        # The reader stopped early (``| head``): what it read was exported all the same.
        record_audit("export", audit_detail(filters, None, include_email, reason or None, lang, destination, False))
        with suppress(OSError, ValueError):  # no second error when Python flushes stdout at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise click.ClickException("the output was closed before the end of the export.") from None
    record_audit("export", audit_detail(filters, rows, include_email, reason or None, lang, destination))
    click.echo(f"Exported {rows} confirmed signatures to {destination}.", err=True)


@contextmanager
def exported_file(out):
    """Stdout, or a file that appears only once complete (written beside it, then renamed).

    The file is readable by its owner only: it holds personal data.
    """
    if out is None:
        stdout = sys.stdout.buffer
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


@bp.cli.command("recount")
def recount_command():
    """Recompute the public count and the administrators' tallies from the signature table."""
    from petition.signing.tallies import rebuild

    found = rebuild()
    click.echo(f"Recounted: {found['submitted', 'all']} signatures in all, {found['status', 'confirmed']} confirmed.")


# The longest retention a purge accepts: a century, well inside what dates can count back.
MAX_RETENTION_DAYS = 36_500


@bp.cli.command("purge-unconfirmed")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(1, MAX_RETENTION_DAYS),
    metavar="DAYS",
    help="Purge those untouched for more than DAYS days (default: UNCONFIRMED_RETENTION_DAYS).",
)
@click.option("--dry-run", is_flag=True, help="Say how many would go, and change nothing.")
def purge_unconfirmed_command(days, dry_run):
    """Delete the signatures and the requests to endorse never confirmed, with their history and emails."""
    from flask import current_app

    from petition.signing import lifecycle

    if days is None:
        days = current_app.config["UNCONFIRMED_RETENTION_DAYS"]
        if not 1 <= days <= MAX_RETENTION_DAYS:
            raise click.UsageError(f"UNCONFIRMED_RETENTION_DAYS must be between 1 and {MAX_RETENTION_DAYS} days.")
    if dry_run:
        found = lifecycle.count_unconfirmed(days)
        click.echo(
            f"Would remove {found.signatures} unconfirmed signatures and {found.requests} unconfirmed requests "
            f"to endorse older than {days} days (dry run: nothing changed)."
        )
        return
    removed = lifecycle.purge_unconfirmed(days)
    click.echo(
        f"Removed {removed.signatures} unconfirmed signatures and {removed.requests} unconfirmed requests to "
        f"endorse older than {days} days."
    )


@bp.cli.command("anonymise")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def anonymise_command(yes):
    """For when the campaign has closed: erase every signer's email address and IP.

    Names, cities and provinces of the confirmed signatures stay, as the letter needs them; pending
    signatures and every email in the outbox are deleted; links in emails already sent stop
    working. Running it again is harmless, and anonymises any signature made since.
    """
    from petition.signing import anonymising

    if not yes:
        click.confirm(
            "This erases every signer's email address and IP for good, and deletes the unconfirmed "
            "signatures and all queued emails. Continue?",
            abort=True,
        )
    done = anonymising.anonymise()
    click.echo(
        f"Anonymised {done.signatures} signatures; deleted {done.pending_deleted} unconfirmed signatures "
        f"and {done.messages_deleted} emails; cleared {done.events_scrubbed} history notes and "
        f"{done.audit_entries_scrubbed} searches in the audit log; deleted {done.requests_deleted} requests to "
        f"endorse not decided and erased the contact of {done.requests_erased} others."
    )
    if done.messages_left or done.pending_left:
        click.echo(
            f"Left for now: {done.messages_left} emails and {done.pending_left} unconfirmed signatures, being "
            "sent or made meanwhile. Stop the mail workers and run the command again.",
            err=True,
        )
