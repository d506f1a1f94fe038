"""``flask --app petition signatures …``: export, and the privacy lifecycle."""

from flask import Blueprint

bp = Blueprint("signature_commands", __name__, cli_group="signatures")
