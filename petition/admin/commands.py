"""``flask --app petition admin …``: administrator accounts."""

from flask import Blueprint

bp = Blueprint("admin_commands", __name__, cli_group="admin")
