"""The letter page (``/en/``, ``/fr/``), the way in (``/``), and the language choice."""

import threading
from collections import OrderedDict
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from petition.counters import counters_fragment
from petition.counts import current_counts
from petition.endorsements.listing import all_entries, listing
from petition.i18n import LANGUAGE_COOKIE, language_from_path, negotiated_language
from petition.letter.content import load_letter
from petition.signers.routes import recent_signers_fragment

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


def render_letter(lang, form=None, status=200, shared_by=None):
    """The letter page; the signing view shows it again with the form's errors, and an
    organisation's share link shows it "shared by" that organisation (``shared_by``)."""
    order = request.args.get("order", "list")
    if order not in ORDERS:
        order = "list"
    query = request.args.get("q", "").strip()[:MAX_QUERY_LENGTH]
    counts = current_counts()
    recent = recent_signers_fragment(lang)
    if form is None and not query:
        # The common case: the same page for everyone but for a few values, filled in below.
        page = cached_page(lang, order, counts, shared_by)
        page = (
            page.replace(CSRF_HOLE, generate_csrf())
            .replace(COUNTERS_HOLE, counters_fragment(lang, counts))
            .replace(RECENT_HOLE, recent)
        )
        return page, status
    return render_page(lang, order, query, counts, form, shared_by=shared_by, recent_signers=Markup(recent)), status  # noqa: S704 - rendered by an autoescaping template


# Placeholders for what differs between visitors of the cached page; none can occur in text.
CSRF_HOLE = "\x00csrf\x00"
COUNTERS_HOLE = "\x00counters\x00"
RECENT_HOLE = "\x00recent\x00"
# Pages kept: two languages, two orders, the plain letter and the organisations' links most
# visited lately (each organisation's link shows the letter "shared by" it).
PAGE_CACHE_SIZE = 64
_page_cache = OrderedDict()
_page_cache_lock = threading.Lock()


def render_page(lang, order, query, counts, form=None, shared_by=None, **holes):
    from petition.sharing.refs import ORGANISATION, share_target
    from petition.signing.forms import SignForm

    lead, organisations, shown = listing(order, query)
    holes.setdefault("counters", counters_fragment(lang, counts))
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
        shared_by=shared_by,
        share=share_target(lang, ORGANISATION + shared_by.slug if shared_by else None),
        **holes,
    )


def cached_page(lang, order, counts, shared_by=None):
    """The rendered page with holes, kept until the endorsement list is reloaded.

    Rendering 414 organisations and the form for every visitor would cost far more than the
    rest of the request; the list changes rarely (``all_entries`` is the cache's key).
    """
    entries = all_entries()
    key = (lang, order, counts.endorsements, shared_by.slug if shared_by else None)
    with _page_cache_lock:
        cached = _page_cache.get(key)
        if cached is not None and cached[0] is entries:
            _page_cache.move_to_end(key)
            return cached[1]
    page = render_page(
        lang,
        order,
        "",
        counts,
        shared_by=shared_by,
        csrf_value=CSRF_HOLE,
        counters=COUNTERS_HOLE,
        recent_signers=RECENT_HOLE,
    )
    with _page_cache_lock:
        _page_cache[key] = (entries, page)
        while len(_page_cache) > PAGE_CACHE_SIZE:
            _page_cache.popitem(last=False)
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
