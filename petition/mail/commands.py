"""``flask --app petition mail worker``: a standalone sender, safe to run several at once."""

import signal
import threading

import click
from flask import Blueprint, current_app

from petition.extensions import db
from petition.mail.outbox import drain_all, sender_name

bp = Blueprint("mail", __name__, cli_group="mail")


@bp.cli.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
@click.option("--poll", type=float, default=None, help="Seconds between looks at the outbox.")
def worker_command(once, poll):
    """Send the outbox's messages as they become due, until stopped (SIGTERM or Ctrl-C)."""
    poll = poll if poll is not None else min(current_app.config["MAIL_POLL_SECONDS"], 1.0)
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    claimant = f"worker:{sender_name()}"
    click.echo(f"Mail worker {claimant} started.")
    while not stopping.is_set():
        try:
            # Between batches it looks at ``stopping``: a stop (systemd's SIGTERM) waits for one
            # batch, not for a whole backlog.
            sent = drain_all(claimant, stopping)
        except Exception as error:  # noqa: BLE001 - keep going through a database restart
            db.session.rollback()
            click.echo(f"Outbox error, retrying: {error}", err=True)
            sent = 0
        finally:
            db.session.remove()
        if sent:
            click.echo(f"Sent {sent} message(s).")
        if once:
            break
        stopping.wait(poll)
    click.echo("Mail worker stopped.")
