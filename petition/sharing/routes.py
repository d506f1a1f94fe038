"""Share links of organisations (``/<lang>/o/<slug>``), ``?ref=`` codes, QR codes, figures."""

from flask import Blueprint

bp = Blueprint("sharing", __name__)
