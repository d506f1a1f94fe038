"""Changing the endorsement list by hand: add, edit, remove, reorder, mark the lead signatory.

Every change commits with its entry in the audit log, and then drops this process's caches of the
list and the counts, so the letter page shows it at once (other processes within their cache's few
seconds).
"""

import re
import unicodedata

from petition.audit import record_audit
from petition.counts import forget_counts
from petition.endorsements.listing import forget_entries
from petition.endorsements.models import Endorsement
from petition.extensions import db


class EndorsementError(ValueError):
    """The change cannot be made; the message (translated by the caller) says why."""


def ordered():
    return db.session.execute(db.select(Endorsement).order_by(Endorsement.position, Endorsement.id)).scalars().all()


def get(endorsement_id):
    return db.session.get(Endorsement, endorsement_id)


def slug_from(name):
    """'Mosquée Al-Rawdah' -> 'mosquee-al-rawdah'."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:100].strip("-")


def slug_taken(slug, other_than=None):
    query = db.select(Endorsement.id).where(Endorsement.slug == slug)
    if other_than is not None:
        query = query.where(Endorsement.id != other_than.id)
    return db.session.execute(query).first() is not None


def changed(action, detail):
    """Commit a change with its entry in the audit log, then drop the caches that show the list."""
    record_audit(action, detail, commit=False)
    db.session.commit()
    forget_entries()
    forget_counts()


def make_lead(endorsement):
    for other in db.session.execute(db.select(Endorsement).where(Endorsement.is_lead)).scalars():
        if other is not endorsement:
            other.is_lead = False
    endorsement.is_lead = True


def add(name, slug=None, is_lead=False):
    slug = slug or slug_from(name)
    if not slug:
        raise EndorsementError("empty slug")
    if slug_taken(slug):
        raise EndorsementError("slug taken")
    last = db.session.execute(db.select(db.func.max(Endorsement.position))).scalar_one() or 0
    endorsement = Endorsement(name=name, slug=slug, position=last + 1, is_lead=False)
    db.session.add(endorsement)
    if is_lead:
        make_lead(endorsement)
    db.session.flush()  # the new id, for the audit log
    changed("endorsement added", {"id": endorsement.id, "name": endorsement.name, "slug": endorsement.slug})
    return endorsement


def edit(endorsement, name, slug=None, is_lead=False):
    slug = slug or endorsement.slug
    if slug_taken(slug, other_than=endorsement):
        raise EndorsementError("slug taken")
    before = {"name": endorsement.name, "slug": endorsement.slug, "lead": endorsement.is_lead}
    endorsement.name, endorsement.slug = name, slug
    if is_lead:
        make_lead(endorsement)
    else:
        endorsement.is_lead = False
    after = {"name": endorsement.name, "slug": endorsement.slug, "lead": endorsement.is_lead}
    changed("endorsement changed", {"id": endorsement.id, "before": before, "after": after})


def remove(endorsement):
    detail = {"id": endorsement.id, "name": endorsement.name, "slug": endorsement.slug}
    db.session.delete(endorsement)
    changed("endorsement removed", detail)


def move(endorsement, direction):
    """Swap with the neighbour above ("up") or below ("down"); positions are renumbered 1..n."""
    entries = list(ordered())
    index = entries.index(endorsement)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(entries):
        return False
    entries[index], entries[target] = entries[target], entries[index]
    for position, entry in enumerate(entries, start=1):
        if entry.position != position:
            entry.position = position
    changed("endorsement moved", {"id": endorsement.id, "name": endorsement.name, "direction": direction})
    return True


def toggle_lead(endorsement):
    """Mark as the lead signatory (unmarking the previous one), or unmark it."""
    if endorsement.is_lead:
        endorsement.is_lead = False
    else:
        make_lead(endorsement)
    changed("endorsement lead", {"id": endorsement.id, "name": endorsement.name, "lead": endorsement.is_lead})
    return endorsement.is_lead
