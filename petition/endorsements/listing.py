"""Reads of the endorsement list: how many organisations endorse, and the list as the letter page
shows it (cached, sorted and filtered).

The list is kept in each process until it changes. Whether it has is asked of the database at
most every ``COUNT_CACHE_SECONDS`` (one cheap aggregate: how many rows, and the latest change), so
that an organisation approved, edited or removed in one process shows in every other one within
the counters' few seconds, while the 414 rows are read again only when something changed.
"""

import threading
import unicodedata
from dataclasses import dataclass

from flask import current_app

from petition.cache import Expiring
from petition.endorsements.models import Endorsement
from petition.extensions import db

_stamp = Expiring()
_loaded = None  # (stamp, entries): the list, and the stamp it was read at
_loaded_lock = threading.Lock()


@dataclass(frozen=True)
class Entry:
    name: str
    slug: str
    is_lead: bool
    key: str  # folded for sorting and searching: no accents, no case


def fold(text):
    """Lower-case text without accents, so "Mosquée" sorts and matches like "mosquee"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def endorsement_count():
    return db.session.execute(db.select(db.func.count()).select_from(Endorsement)).scalar_one()


def list_stamp():
    """What changes whenever the list does: its length and its latest change (every add, edit,
    move and import sets ``updated_at``; a removal changes the length)."""
    count, latest = db.session.execute(db.select(db.func.count(), db.func.max(Endorsement.updated_at))).one()
    return count, latest


def all_entries():
    """Every endorsement in list order, as the database held it at most ``COUNT_CACHE_SECONDS`` ago.

    The same tuple is returned until the list changes: the letter page's cache keys on it.
    """
    global _loaded
    stamp = _stamp.get(list_stamp, current_app.config["COUNT_CACHE_SECONDS"])
    loaded = _loaded
    if loaded is not None and loaded[0] == stamp:
        return loaded[1]
    with _loaded_lock:
        if _loaded is None or _loaded[0] != stamp:
            _loaded = (stamp, load_entries())
        return _loaded[1]


def load_entries():
    rows = db.session.execute(
        db.select(Endorsement.name, Endorsement.slug, Endorsement.is_lead).order_by(
            Endorsement.position, Endorsement.id
        )
    ).all()
    return tuple(Entry(name, slug, is_lead, fold(name)) for name, slug, is_lead in rows)


def forget_entries():
    """Drop the cache after the endorsements change in this process."""
    global _loaded
    _stamp.forget()
    with _loaded_lock:
        _loaded = None


def sort_key(entry):
    # Leading punctuation (quotes, dashes) should not decide the order.
    return entry.key.lstrip("\"'“‘«- "), entry.key


def matches(entry, terms):
    return all(term in entry.key for term in terms)


def listing(order="list", query=""):
    """The lead signatory (or None), the other organisations in order, and how many match.

    Every organisation stays in the list; those that do not match ``query`` are marked hidden,
    so that clearing the filter in the browser shows them again without a reload.
    """
    entries = all_entries()
    lead = next((e for e in entries if e.is_lead), None)
    others = [e for e in entries if not e.is_lead]
    if order == "az":
        others.sort(key=sort_key)
    terms = fold(query).split()
    shown = [(entry, matches(entry, terms)) for entry in others]
    return lead, shown, sum(visible for _, visible in shown)
