"""The public counters, read through a short process-local cache.

A busy letter page is read far more often than the counts change; a cache of a second or two
keeps the database out of the hot path while a new signature still shows within seconds.
"""

from dataclasses import dataclass

from flask import current_app

from petition.cache import Expiring
from petition.endorsements.listing import endorsement_count
from petition.extensions import db
from petition.signing.models import SignatureCountShard


@dataclass(frozen=True)
class Counts:
    signatures: int
    endorsements: int


_counts = Expiring()


def signature_count():
    """Confirmed signatures: a sum over a fixed number of shard rows, whatever the total."""
    total = db.session.execute(db.select(db.func.coalesce(db.func.sum(SignatureCountShard.count), 0)))
    return int(total.scalar_one())


def current_counts():
    """The counters, at most ``COUNT_CACHE_SECONDS`` old."""
    return _counts.get(
        lambda: Counts(signatures=signature_count(), endorsements=endorsement_count()),
        current_app.config["COUNT_CACHE_SECONDS"],
    )


def forget_counts():
    """Drop the cached counts, so the next read goes to the database (after a change here)."""
    _counts.forget()
