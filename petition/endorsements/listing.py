"""Reads of the endorsement list: how many organisations endorse, and the list as the letter page
shows it (cached, grouped by letter and filtered).

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


def initial(entry):
    """The letter the index files an organisation under: A to Z, or "#" for a digit or a sign."""
    first = sort_key(entry)[0][:1].upper()
    return first if "A" <= first <= "Z" else "#"


def matches(entry, terms):
    return all(term in entry.key for term in terms)


# The page shows the first letters of the list up to at least this many names; the rest is one
# click away (a <details> that works without script), so that a reader who is not looking for a
# name reaches the form and the footer without scrolling past 400 of them.
FIRST_PART = 40
INDEX_LETTERS = "#ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Group:
    """The organisations under one letter of the index, each with whether it matches the filter."""

    letter: str
    entries: tuple  # of (Entry, visible)

    @property
    def anchor(self):
        return "org-0" if self.letter == "#" else f"org-{self.letter}"

    @property
    def visible(self):
        return any(visible for _, visible in self.entries)


@dataclass(frozen=True)
class Listing:
    lead: Entry | None
    lead_visible: bool
    first: tuple  # Groups shown at once
    rest: tuple  # Groups behind "show all"
    shown: int  # organisations matching the filter, the lead included
    total: int  # every organisation, the lead included: the number of the heading

    @property
    def letters(self):
        """The index: every letter, with the anchor of its group, or None where no name starts with it."""
        anchors = {group.letter: group.anchor for group in self.first + self.rest}
        return [(letter, anchors.get(letter)) for letter in INDEX_LETTERS if letter != "#" or letter in anchors]

    @property
    def rest_count(self):
        return sum(len(group.entries) for group in self.rest)


def listing(query=""):
    """The lead signatory set apart, then the other organisations by first letter, in list order
    within a letter (the source list is alphabetical after its lead: one order serves reading and
    finding).

    Every organisation stays on the page; those that do not match ``query`` are marked hidden, so
    that clearing the filter in the browser shows them again without a reload.
    """
    entries = all_entries()
    terms = fold(query).split()
    lead = next((e for e in entries if e.is_lead), None)
    groups = {}
    for entry in entries:
        if not entry.is_lead:
            groups.setdefault(initial(entry), []).append((entry, matches(entry, terms)))
    # Letters in index order; within a letter, the list's own order (an organisation approved
    # later is appended to the list, yet files under its letter here).
    groups = [Group(letter, tuple(groups[letter])) for letter in INDEX_LETTERS if letter in groups]
    split, names = 0, 0
    while split < len(groups) and names < FIRST_PART:
        names += len(groups[split].entries)
        split += 1
    lead_visible = lead is not None and matches(lead, terms)
    shown = lead_visible + sum(visible for group in groups for _, visible in group.entries)
    total = (lead is not None) + sum(len(group.entries) for group in groups)
    return Listing(lead, lead_visible, tuple(groups[:split]), tuple(groups[split:]), shown, total)
