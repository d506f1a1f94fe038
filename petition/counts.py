"""The public counters, read through a short process-local cache.

A busy letter page is read far more often than the counts change; a cache of a second or two
keeps the database out of the hot path while a new signature still shows within seconds.
"""

import threading
import time
from dataclasses import dataclass

from flask import current_app

from petition.endorsements.importer import endorsement_count
from petition.extensions import db
from petition.signing.models import SignatureCountShard


@dataclass(frozen=True)
class Counts:
    signatures: int
    endorsements: int


_lock = threading.Lock()
_cached = {"counts": None, "expires": 0.0}


def signature_count():
    """Confirmed signatures: a sum over a fixed number of shard rows, whatever the total."""
    total = db.session.execute(db.select(db.func.coalesce(db.func.sum(SignatureCountShard.count), 0)))
    return int(total.scalar_one())


def current_counts():
    """The counters, at most ``COUNT_CACHE_SECONDS`` old."""
    now = time.monotonic()
    counts = _cached["counts"]
    if counts is not None and now < _cached["expires"]:
        return counts
    with _lock:
        if _cached["counts"] is not None and time.monotonic() < _cached["expires"]:
            return _cached["counts"]
        counts = Counts(signatures=signature_count(), endorsements=endorsement_count())
        _cached.update(counts=counts, expires=time.monotonic() + current_app.config["COUNT_CACHE_SECONDS"])
        return counts


def forget_counts():
    """Drop the cached counts, so the next read goes to the database (after a change here)."""
    _cached.update(counts=None, expires=0.0)
