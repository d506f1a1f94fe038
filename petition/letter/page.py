"""The letter page as one rendering with holes: the page that ``/<lang>/`` shows, that signing
shows again with the form's errors, and that an organisation's link shows "shared by" it.

Rendering 414 organisations and the form for every visitor would cost far more than the rest of
the request, so the page is rendered once per language and organisation, and what differs
between visitors (the CSRF token, the counters, the newest signers) is put into its holes.
"""

import threading
from collections import OrderedDict

from flask import render_template, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from petition.campaign import state as campaign
from petition.counters import counters_fragment
from petition.counts import current_counts
from petition.endorsements.listing import all_entries, listing
from petition.letter.content import load_letter
from petition.signers.fragments import recent_signers_fragment

MAX_QUERY_LENGTH = 100


def render_letter(lang, form=None, status=200, shared_by=None):
    """The letter page; the signing view shows it again with the form's errors, and an
    organisation's share link shows it "shared by" that organisation (``shared_by``).

    An ``order`` in the address (the list once had an alphabetical order beside its own, which was
    the same list) is ignored, so that old links still show the letter."""
    query = request.args.get("q", "").strip()[:MAX_QUERY_LENGTH]
    counts = current_counts()
    state = campaign.current()
    closed_at = state.closed_at(campaign.now())
    recent = recent_signers_fragment(lang)
    if form is None and not query:
        # The common case: the same page for everyone but for a few values, filled in below.
        page = cached_page(lang, counts, state, closed_at, shared_by)
        page = (
            page.replace(CSRF_HOLE, generate_csrf())
            .replace(COUNTERS_HOLE, counters_fragment(lang, counts, closed=closed_at is not None))
            .replace(RECENT_HOLE, recent)
        )
        return page, status
    page = render_page(
        lang,
        query,
        counts,
        state,
        closed_at,
        form,
        shared_by=shared_by,
        recent_signers=Markup(recent),  # noqa: S704 - rendered by an autoescaping template
    )
    return page, status


# Placeholders for what differs between visitors of the cached page; none can occur in text.
CSRF_HOLE = "\x00csrf\x00"
COUNTERS_HOLE = "\x00counters\x00"
RECENT_HOLE = "\x00recent\x00"
# Pages kept: two languages, the plain letter and the organisations' links most
# visited lately (each organisation's link shows the letter "shared by" it).
PAGE_CACHE_SIZE = 64
_page_cache = OrderedDict()
_page_cache_lock = threading.Lock()


def render_page(lang, query, counts, state, closed_at, form=None, shared_by=None, **holes):
    from petition.sharing.refs import ORGANISATION, share_target
    from petition.signing.forms import SignForm

    organisations = listing(query)
    holes.setdefault("counters", counters_fragment(lang, counts, closed=closed_at is not None))
    return render_template(
        "letter/show.html",
        letter=load_letter(lang),
        counts=counts,
        campaign=state,
        closed_at=closed_at,
        organisations=organisations,
        query=query,
        form=form or SignForm(formdata=None),
        shared_by=shared_by,
        share=share_target(lang, ORGANISATION + shared_by.slug if shared_by else None),
        **holes,
    )


def cached_page(lang, counts, state, closed_at, shared_by=None):
    """The rendered page with holes, kept until the endorsement list is reloaded.

    Rendering 414 organisations and the form for every visitor would cost far more than the
    rest of the request; the list changes rarely (``all_entries`` is the cache's key). The
    campaign's state is in the key: a close, a delivery or a milestone is a new page. Once
    closed, the page says how many signed, so the count is in the key too; it then moves only
    with the last confirmations of the grace period.
    """
    entries = all_entries()
    final_count = counts.signatures if closed_at is not None else None
    key = (lang, counts.endorsements, shared_by.slug if shared_by else None, state, closed_at, final_count)
    with _page_cache_lock:
        cached = _page_cache.get(key)
        if cached is not None and cached[0] is entries:
            _page_cache.move_to_end(key)
            return cached[1]
    page = render_page(
        lang,
        "",
        counts,
        state,
        closed_at,
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
