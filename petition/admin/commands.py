"""``flask --app petition admin …``: administrator accounts (there is no sign-up page)."""

import sys

import click
from flask import Blueprint

from petition.admin.accounts import AccountError, create_administrator
from petition.admin.audit import record_audit

bp = Blueprint("admin_commands", __name__, cli_group="admin")


@bp.cli.command("create")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def create_command(email, password_stdin):
    """Create an administrator; the password is asked for twice (hidden), or read from stdin."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        administrator = create_administrator(email, password)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    record_audit("administrator created", {"email": administrator.email})
    click.echo(f"Administrator {administrator.email} created. Sign in at /admin/.")
