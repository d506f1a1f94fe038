"""The letter page (``/en/``, ``/fr/``), the way in (``/``), and the language choice."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_wtf.csrf import generate_csrf

from petition.counts import current_counts
from petition.i18n import LANGUAGE_COOKIE, format_number, language_from_path, negotiated_language
from petition.letter.content import load_letter
from petition.letter.endorsement_list import all_entries, listing

bp = Blueprint("letter", __name__)

ORDERS = ("list", "az")
MAX_QUERY_LENGTH = 100


@bp.get("/")
def index():
    """Send the visitor to the letter in their language."""
    response = redirect(url_for("letter.show", lang=negotiated_language()), code=302)
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


@bp.get("/<lang:lang>/")
def show(lang):
    return render_letter(lang)


def render_letter(lang, form=None, status=200):
    """The letter page; the signing view shows it again with the form's errors."""
    order = request.args.get("order", "list")
    if order not in ORDERS:
        order = "list"
    query = request.args.get("q", "").strip()[:MAX_QUERY_LENGTH]
    counts = current_counts()
    if form is None and not query:
        # The common case: the same page for everyone but for two values, filled in below.
        page = cached_page(lang, order, counts)
        page = page.replace(CSRF_HOLE, generate_csrf()).replace(COUNT_HOLE, format_number(counts.signatures))
        return page, status
    return render_page(lang, order, query, counts, form), status


# Placeholders for what differs between visitors of the cached page; neither can occur in text.
CSRF_HOLE = "\x00csrf\x00"
COUNT_HOLE = "\x00count\x00"
_page_cache = {}


def render_page(lang, order, query, counts, form=None, **holes):
    from petition.signing.forms import SignForm

    lead, organisations, shown = listing(order, query)
    return render_template(
        "letter/show.html",
        letter=load_letter(lang),
        counts=counts,
        lead=lead,
        organisations=organisations,
        shown=shown,
        order=order,
        query=query,
        form=form or SignForm(formdata=None),
        **holes,
    )


def cached_page(lang, order, counts):
    """The rendered page with holes, kept until the endorsement list is reloaded.

    Rendering 414 organisations and the form for every visitor would cost far more than the
    rest of the request; the list changes rarely (``all_entries`` is the cache's key).
    """
    entries = all_entries()
    key = (lang, order, counts.endorsements)
    cached = _page_cache.get(key)
    if cached is not None and cached[0] is entries:
        return cached[1]
    page = render_page(lang, order, "", counts, csrf_value=CSRF_HOLE, signature_count_text=COUNT_HOLE)
    _page_cache[key] = (entries, page)
    return page


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
