"""The machine-readable routes: ``/api/count`` and ``/healthz``."""

import hashlib
import json
from datetime import UTC
from functools import lru_cache

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import text

from petition.campaign import state as campaign
from petition.counts import current_counts
from petition.extensions import db

bp = Blueprint("api", __name__)


# Other sites may read the count from their own pages (``fetch`` with an ``If-None-Match``, which
# asks the browser for a preflight first) and see its ETag.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag",
}
PREFLIGHT_HEADERS = {
    **CORS_HEADERS,
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match, Cache-Control",
    "Access-Control-Max-Age": "86400",
    "Allow": "GET, HEAD, OPTIONS",
}


def public_headers(body, max_age, stale):
    """The ETag (the body's hash) and the caching and CORS headers of a public, cacheable body."""
    etag = hashlib.blake2s(body.encode(), digest_size=8).hexdigest()
    headers = {
        **CORS_HEADERS,
        "Cache-Control": f"public, max-age={max_age}, stale-while-revalidate={stale}",
        "ETag": f'"{etag}"',
    }
    return etag, headers


def cacheable_response(body, mimetype, etag, headers):
    """``body``, or an empty 304 when the request's If-None-Match already holds its ETag."""
    # Weak comparison, as If-None-Match asks: a proxy that compresses the body may weaken the tag.
    if request.if_none_match.contains_weak(etag):
        return current_app.response_class(status=304, headers=headers)
    return current_app.response_class(body, mimetype=mimetype, headers=headers)


def preflight_response():
    """The CORS preflight of a cross-site request for public data."""
    return current_app.response_class(status=204, headers=PREFLIGHT_HEADERS)


@lru_cache(maxsize=64)
def count_response_parts(counts, closed_at, max_age, stale):
    """The JSON body, its ETag and the headers, made once per value of the counts and closing
    time (the hottest route). The ETag is the body's hash, so a close or a reopen is a new tag."""
    closed = closed_at.astimezone(UTC).isoformat().replace("+00:00", "Z") if closed_at is not None else None
    fields = {"signatures": counts.signatures, "endorsements": counts.endorsements, "closed_at": closed}
    body = json.dumps(fields) + "\n"
    etag, headers = public_headers(body, max_age, stale)
    return body, etag, headers


@bp.get("/api/count", provide_automatic_options=False)
def count():
    """The public counters, cacheable for a few seconds by browsers and proxies, and when the
    letter closed (``closed_at``, ISO-8601 in UTC; null while it is open).

    ``COUNT_MAX_AGE_SECONDS`` and ``COUNT_STALE_SECONDS`` set the caching; a browser that polls
    sends back the ETag and gets an empty 304 while the counts are unchanged.
    """
    config = current_app.config
    body, etag, headers = count_response_parts(
        current_counts(), campaign.closed_at(), config["COUNT_MAX_AGE_SECONDS"], config["COUNT_STALE_SECONDS"]
    )
    return cacheable_response(body, "application/json", etag, headers)


@bp.route("/api/count", methods=["OPTIONS"])
def count_preflight():
    """The CORS preflight of a cross-site request for the count."""
    return preflight_response()


@bp.get("/healthz")
def healthz():
    """Up, and able to reach the database; 503 otherwise, for load balancers."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        db.session.rollback()
        response = jsonify(status="unavailable", database="unreachable")
        response.status_code = 503
    else:
        response = jsonify(status="ok", database="ok")
    response.headers["Cache-Control"] = "no-store"
    return response
