"""``/<lang>/signatures``: the public list of signers, newest first, page by page."""

from datetime import datetime

from flask import Blueprint, abort, current_app, render_template, request

from petition.cache import Expiring
from petition.counts import current_counts
from petition.database import MAX_ID
from petition.signers.fragments import describe
from petition.signers.queries import public_signers, unnamed_signer_count
from petition.timeutil import as_utc

bp = Blueprint("signers", __name__)

_first_pages = {"en": Expiring(), "fr": Expiring()}
_unnamed = Expiring()


def parse_cursor(text):
    """``<ISO time>_<id>`` of the last signer on the previous page; anything else is a 400."""
    moment, _, ident = text.rpartition("_")
    try:
        moment, ident = as_utc(datetime.fromisoformat(moment)), int(ident)
    except ValueError:
        abort(400)
    if not 0 < ident <= MAX_ID:
        abort(400)
    return moment, ident


def cursor_of(signer):
    return f"{signer.confirmed_at.isoformat()}_{signer.id}"


@bp.get("/<lang:lang>/signatures")
def signers(lang):
    cursor = request.args.get("before")
    if cursor is None:
        # The first page is what nearly everyone reads: the same for all for a second or two.
        return _first_pages[lang].get(lambda: render_page(None), current_app.config["COUNT_CACHE_SECONDS"])
    if len(cursor) > 80:
        abort(400)
    return render_page(parse_cursor(cursor))


def render_page(before):
    per_page = current_app.config["SIGNERS_PER_PAGE"]
    page = public_signers(per_page + 1, before)
    older = cursor_of(page[per_page - 1]) if len(page) > per_page else None
    total = current_counts().signatures  # the counter's: every confirmed signature
    return render_template(
        "signers/list.html",
        total=total,
        not_shown=_unnamed.get(unnamed_signer_count, current_app.config["COUNT_CACHE_SECONDS"]),
        signers=page[:per_page],
        older=older,
        first_page=before is None,
        describe=describe,
    )
