"""Reads of the endorsement list: how many organisations endorse, and the list as the letter page
shows it (cached briefly, sorted and filtered)."""

import unicodedata
from dataclasses import dataclass

from petition.cache import Expiring
from petition.endorsements.models import Endorsement
from petition.extensions import db

CACHE_SECONDS = 30.0

_entries = Expiring()


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


def all_entries():
    """Every endorsement in list order, at most ``CACHE_SECONDS`` old."""
    return _entries.get(load_entries, CACHE_SECONDS)


def load_entries():
    rows = db.session.execute(
        db.select(Endorsement.name, Endorsement.slug, Endorsement.is_lead).order_by(
            Endorsement.position, Endorsement.id
        )
    ).all()
    return tuple(Entry(name, slug, is_lead, fold(name)) for name, slug, is_lead in rows)


def forget_entries():
    """Drop the cache after the endorsements change in this process."""
    _entries.forget()


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
