"""The machine-readable routes: ``/api/count`` and ``/healthz``."""

import hashlib
import json
from functools import lru_cache

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import text

from petition.counts import current_counts
from petition.extensions import db

bp = Blueprint("api", __name__)


COUNT_HEADERS = {
    "Cache-Control": "public, max-age=5, stale-while-revalidate=30",
    "Access-Control-Allow-Origin": "*",
}


@lru_cache(maxsize=64)
def count_body(counts):
    """The JSON body and its ETag, made once per value of the counts (the hottest route)."""
    body = json.dumps({"signatures": counts.signatures, "endorsements": counts.endorsements}) + "\n"
    etag = hashlib.blake2s(body.encode(), digest_size=8).hexdigest()
    return body, f'"{etag}"'


@bp.get("/api/count")
def count():
    """The public counters, cacheable for a few seconds by browsers and proxies."""
    body, etag = count_body(current_counts())
    headers = {**COUNT_HEADERS, "ETag": etag}
    if request.if_none_match.contains(etag.strip('"')):
        return current_app.response_class(status=304, headers=headers)
    return current_app.response_class(body, mimetype="application/json", headers=headers)


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
