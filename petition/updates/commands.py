"""``flask --app petition updates …``: write, send, follow and cancel updates from a script."""

from pathlib import Path

import click
from flask import Blueprint

from petition.extensions import db
from petition.updates import service
from petition.updates.models import CampaignUpdate
from petition.updates.sending import SendingError, missing_sender_identification

bp = Blueprint("update_commands", __name__, cli_group="updates")

BODY_FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)


def read_body(path, option):
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise click.BadParameter(f"{path} is not UTF-8 text", param_hint=option) from error


def update_or_fail(update_id):
    found = db.session.get(CampaignUpdate, update_id)
    if found is None:
        raise click.ClickException(f"there is no update {update_id}")
    return found


def describe(counts):
    return f"{counts['en']} in English, {counts['fr']} in French ({counts['en'] + counts['fr']} in all)"


@bp.cli.command("create")
@click.option("--subject-en", required=True, help="The English subject.")
@click.option("--body-en", required=True, type=BODY_FILE, help="A Markdown file: the English body.")
@click.option("--subject-fr", required=True, help="The French subject.")
@click.option("--body-fr", required=True, type=BODY_FILE, help="A Markdown file: the French body.")
@click.option("--province", "provinces", multiple=True, metavar="XX", help="Only signers of this province (repeat).")
def create_command(subject_en, body_en, subject_fr, body_fr, provinces):
    """Write a new update (a draft); prints its id."""
    draft = service.Draft(
        subject_en, read_body(body_en, "--body-en"), subject_fr, read_body(body_fr, "--body-fr"), provinces
    )
    try:
        campaign_update = service.create(draft)
    except service.UpdateError as error:
        raise click.UsageError(str(error)) from error
    click.echo(campaign_update.id)


@bp.cli.command("list")
def list_command():
    """The updates, newest first."""
    for campaign_update in service.all_updates():
        where = ",".join(campaign_update.provinces) if campaign_update.provinces else "all"
        click.echo(f"{campaign_update.id}\t{campaign_update.status}\t{where}\t{campaign_update.subject_en}")


@bp.cli.command("send")
@click.argument("update_id", type=click.IntRange(min=1))
@click.option("--yes", is_flag=True, help="Send without asking.")
def send_command(update_id, yes):
    """Send a draft to the signers who asked for updates, at UPDATES_PER_MINUTE."""
    campaign_update = update_or_fail(update_id)
    missing = missing_sender_identification()
    if missing:
        raise click.ClickException(
            f"set {' and '.join(missing)} first: Canada's anti-spam law asks every update to name its sender "
            "and a postal address."
        )
    if not yes:
        counts = service.recipients_now(campaign_update)
        click.confirm(f"Send update {update_id} to {describe(counts)}?", abort=True)
    try:
        counts = service.send(campaign_update)
    except SendingError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Sending update {update_id} to {describe(counts)}.")


@bp.cli.command("status")
@click.argument("update_id", type=click.IntRange(min=1))
def status_command(update_id):
    """How a send stands."""
    campaign_update = update_or_fail(update_id)
    progress = service.progress(campaign_update)
    click.echo(f"update {update_id}: {campaign_update.status}")
    click.echo(
        f"recipients {progress.recipients}, waiting {progress.waiting}, queued {progress.queued}, "
        f"sent {progress.sent}, failed {progress.failed}, not sent {progress.not_sent}"
    )


@bp.cli.command("cancel")
@click.argument("update_id", type=click.IntRange(min=1))
def cancel_command(update_id):
    """Stop a send (what has not left is dropped), or discard a draft."""
    campaign_update = update_or_fail(update_id)
    try:
        dropped = service.cancel(campaign_update)
    except SendingError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Update {update_id} cancelled; {dropped} queued message(s) dropped.")
