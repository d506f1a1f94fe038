"""The machine-readable routes: ``/api/count`` and ``/healthz``."""

import hashlib

from flask import Blueprint, jsonify, request
from sqlalchemy import text

from petition.counts import current_counts
from petition.extensions import db

bp = Blueprint("api", __name__)


@bp.get("/api/count")
def count():
    """The public counters, cacheable for a few seconds by browsers and proxies."""
    counts = current_counts()
    etag = hashlib.blake2s(f"{counts.signatures}:{counts.endorsements}".encode(), digest_size=8).hexdigest()
    response = jsonify(signatures=counts.signatures, endorsements=counts.endorsements)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, max-age=5, stale-while-revalidate=30"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response.make_conditional(request)


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
