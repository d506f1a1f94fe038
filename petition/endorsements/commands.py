"""``flask --app petition endorsements import [FILE]``, and the review of requests to endorse:
``endorsements requests``, ``endorsements approve ID [--name NAME]``, ``endorsements decline ID --reason TEXT``."""

import click
from flask import Blueprint

from petition.database import MAX_ID
from petition.endorsements import review
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
    if report.joined:
        click.echo(f"{len(report.joined)} joined through a request to endorse (kept, after the file's):")
        for name in report.joined:
            click.echo(f"  joined: {name}")
    if report.missing_from_file:
        click.echo(
            f"{len(report.missing_from_file)} in the database but not in the file "
            "(kept; run with --remove-missing to delete them):"
        )
        for name in report.missing_from_file:
            click.echo(f"  not in file: {name}")


REVIEW_ERRORS = {
    "decided already": "Request {id} is not waiting for a review (it is unconfirmed, or was decided already).",
    "empty name": "The name cannot be empty.",
    "long name": "The name is too long (300 characters at most).",
    "control characters": "The name holds control characters.",
    "slug taken": "No free short name could be found for this organisation; try again.",
    "empty reason": "Give a reason (--reason).",
    "long reason": "The reason is too long (1,000 characters at most).",
}


def waiting_request(request_id):
    request = review.get(request_id)
    if request is None:
        raise click.ClickException(f"No request to endorse has the id {request_id}.")
    return request


@bp.cli.command("requests")
def requests_command():
    """The requests to endorse that wait for a review (confirmed by their contact), oldest first."""
    waiting = review.waiting_with_close_names()
    if not waiting:
        click.echo("No request waits for a review.")
    for item in waiting:
        request = item.request
        click.echo(f"{request.id}\t{request.name}\t{request.contact_name} <{request.contact_email}>\t{request.lang}")
        for close in item.close_organisations:
            click.echo(f"\tclose to the organisation {close.name!r} ({close.score:.0%})")
        for close in item.close_requests:
            click.echo(f"\tclose to the request {close.key} {close.name!r} ({close.score:.0%})")


@bp.cli.command("approve")
@click.argument("request_id", type=click.IntRange(1, MAX_ID), metavar="ID")
@click.option("--name", help="The name to show, if not the one asked for.")
def approve_command(request_id, name):
    """Add the organisation of request ID to the list, and email its contact the links."""
    request = waiting_request(request_id)
    try:
        endorsement = review.approve(request, name)
    except review.ReviewError as error:
        raise click.ClickException(REVIEW_ERRORS[error.code].format(id=request_id)) from error
    click.echo(f"Approved: {endorsement.name} is on the list as /o/{endorsement.slug}; its contact will be emailed.")


@bp.cli.command("decline")
@click.argument("request_id", type=click.IntRange(1, MAX_ID), metavar="ID")
@click.option("--reason", required=True, help="Why (kept in the audit log; the contact gets a short note).")
def decline_command(request_id, reason):
    """Decline request ID; its contact receives a short, courteous note."""
    request = waiting_request(request_id)
    try:
        review.decline(request, reason)
    except review.ReviewError as error:
        raise click.ClickException(REVIEW_ERRORS[error.code].format(id=request_id)) from error
    click.echo(f"Declined: request {request_id} ({request.name}); its contact will be emailed.")
