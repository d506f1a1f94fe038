"""``flask --app petition admin …``: administrator accounts (there is no sign-up page)."""

import sys

import click
from flask import Blueprint

from petition.admin.accounts import AccountError, create_administrator, find, set_password
from petition.audit import record_audit

bp = Blueprint("admin_commands", __name__, cli_group="admin")


def read_password(password_stdin):
    """The first line of standard input, or a password typed twice at a hidden prompt."""
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@bp.cli.command("create")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def create_command(email, password_stdin):
    """Create an administrator; the password is asked for twice (hidden), or read from stdin."""
    password = read_password(password_stdin)
    try:
        administrator = create_administrator(email, password)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    record_audit("administrator created", {"email": administrator.email})
    click.echo(f"Administrator {administrator.email} created. Sign in at /admin/.")


@bp.cli.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def set_password_command(email, password_stdin):
    """Give an administrator a new password, which ends all of their sessions."""
    administrator = find(email)
    if administrator is None:
        raise click.ClickException(f"No administrator has the address {email.strip()}.")
    password = read_password(password_stdin)
    try:
        ended = set_password(administrator, password)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    record_audit("password changed", {"email": administrator.email, "sessions": ended})
    sessions_ended = "1 session" if ended == 1 else f"{ended} sessions"
    click.echo(f"Password of {administrator.email} changed; {sessions_ended} ended.")
