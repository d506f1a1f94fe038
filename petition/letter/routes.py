"""The letter page (``/en/``, ``/fr/``), the way in (``/``), and the language choice."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, request, url_for

from petition.i18n import LANGUAGE_COOKIE, language_from_path, negotiated_language
from petition.letter.page import render_letter

bp = Blueprint("letter", __name__)


@bp.get("/")
def index():
    """Send the visitor to the letter in their language."""
    response = redirect(url_for("letter.show", lang=negotiated_language()), code=302)
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


@bp.get("/<lang:lang>/")
def show(lang):
    return render_letter(lang)


@bp.get("/language/<lang:lang>")
def choose_language(lang):
    """Remember an explicit choice of language, then go to the page asked for in that language."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    # Only a path on this site, already in the chosen language; anything else goes home.
    # Control characters (a CR/LF would split the Location header) also go home.
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or not target.isprintable()
        or language_from_path(parts.path) != lang
    ):
        target = url_for("letter.show", lang=lang)
    response = redirect(target, code=303)
    response.set_cookie(
        LANGUAGE_COOKIE,
        lang,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
    )
    return response


@bp.get("/robots.txt")
def robots():
    """Also the trivial route that benchmarks measure other routes against."""
    return current_app.response_class("User-agent: *\nDisallow: /admin/\n", mimetype="text/plain")
