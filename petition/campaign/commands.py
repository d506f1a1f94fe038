"""``flask --app petition campaign …``: close the letter (now or at a set time), reopen it, its state."""

import click
from flask import Blueprint, current_app

from petition.campaign import service, state
from petition.counts import signature_count

bp = Blueprint("campaign_commands", __name__, cli_group="campaign")


def moment_text(moment):
    """A time as UTC and as the campaign's clock shows it, for an operator to check at a glance."""
    zone = current_app.config["CAMPAIGN_ZONE"]
    return f"{moment.isoformat()} ({moment.astimezone(zone).isoformat()} {zone.key})"


@bp.cli.command("close")
@click.option(
    "--at",
    metavar="ISO-8601",
    help="Close at this time instead of now (2026-03-01T17:00, read in CAMPAIGN_TIMEZONE, or with an offset).",
)
def close_command(at):
    """Close the letter to new signatures, now or at a set time."""
    try:
        when = service.parse_moment(at) if at is not None else None
        closes_at = service.close(when)
    except service.CampaignError as error:
        raise click.ClickException(str(error)) from error
    if when is None:
        click.echo(f"The letter is closed as of {moment_text(closes_at)}.")
    else:
        click.echo(f"The letter will close at {moment_text(closes_at)}.")


@bp.cli.command("reopen")
def reopen_command():
    """Open the letter again, or cancel a scheduled close."""
    if service.reopen():
        click.echo("The letter is open; no close is scheduled.")
    else:
        click.echo("The letter was already open, with no close scheduled.")


@bp.cli.command("status")
def status_command():
    """Open or closed, since or until when, and what has been recorded since."""
    current = state.read()
    now = state.now()
    closed_at = current.closed_at(now)
    if closed_at is not None:
        click.echo(f"Closed since {moment_text(closed_at)}.")
        end = current.confirmations_end(now)
        verb = "may confirm" if now < end else "could confirm"
        click.echo(f"Signers who signed before {verb} until {moment_text(end)}.")
    elif current.closes_at is not None:
        click.echo(f"Open; closes at {moment_text(current.closes_at)}.")
    else:
        click.echo("Open; no close is scheduled.")
    click.echo(f"Verified signatures: {signature_count()}.")
    if current.delivery is not None:
        click.echo(f"Delivered on {current.delivery.on.isoformat()} to {current.delivery.to_en}.")
    if current.response is not None:
        click.echo(f"Government's response of {current.response.on.isoformat()}.")
    for milestone in current.milestones:
        click.echo(f"Milestone: {milestone.goal} signatures on {moment_text(milestone.reached_at)}.")
