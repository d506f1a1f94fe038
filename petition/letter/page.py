"""The letter page as one rendering with holes: the page that ``/<lang>/`` shows, that signing
shows again with the form's errors, and that an organisation's link shows "shared by" it.

Rendering 414 organisations and the form for every visitor would cost far more than the rest of
the request, so the page is rendered once per language, order and organisation, and what differs
between visitors (the CSRF token, the counters, the newest signers) is put into its holes.
"""

import threading
from collections import OrderedDict

from flask import render_template, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from petition.counters import counters_fragment
from petition.counts import current_counts
from petition.endorsements.listing import all_entries, listing
from petition.letter.content import load_letter
from petition.signers.fragments import recent_signers_fragment

ORDERS = ("list", "az")
MAX_QUERY_LENGTH = 100


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
