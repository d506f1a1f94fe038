"""Running totals of signatures for the administrators' figures, kept in step with every change.

Each signature row contributes one to a few ``SignatureTally`` totals (see ``contributions``):
every row to ``submitted`` and to ``status``/<its status>; a row confirmed at least once to
``ever_confirmed``; a row confirmed now to ``hour``/<UTC hour of confirmation>, ``province``/<code>,
``ref``/<share reference> and ``ref_hour``/<share reference> <UTC hour> (see ``ref_hour_key``).
A change to a signature moves the totals by the difference between its contributions after and
before, in the transaction that makes the change, so the dashboard and an organisation's figures
read a fixed handful of rows instead of counting the signature table. ``rebuild`` recomputes
everything from the signature table, for repair and after a bulk load.
"""

import functools
import secrets
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import delete, func, insert, text

from petition.counts import forget_counts
from petition.extensions import db
from petition.signing.models import COUNT_SHARDS, Signature, SignatureCountShard, SignatureStatus, SignatureTally
from petition.timeutil import as_utc

# Like the public count, each total is spread over shards so that a spike does not queue on one row.
TALLY_SHARDS = 16
ALL = "all"
HOUR_FORMAT = "%Y-%m-%dT%H"
# Between a share reference and an hour in a ``ref_hour`` key. References are ``org:<slug>`` or
# ``ref:<code>``, slugs and codes being letters, digits and dashes: never a space.
REF_HOUR_SEPARATOR = " "
# Sorts after every hour key's first character (a digit) in any collation, bytewise or linguistic.
AFTER_HOURS = "z"


@dataclass(frozen=True)
class Facts:
    """What the tallies need to know of one signature."""

    status: str
    confirmed_at: datetime | None
    province: str
    share_ref: str | None


def facts(signature):
    return Facts(
        status=SignatureStatus(signature.status).value,
        confirmed_at=signature.confirmed_at,
        province=signature.province,
        share_ref=signature.share_ref,
    )


def hour_key(moment):
    """The UTC hour of a moment as text ('2026-11-27T14'); hours convert exactly to the days of any
    zone a whole number of hours from UTC."""
    return as_utc(moment).strftime(HOUR_FORMAT)


def local_day(hour, zone):
    """The day in ``zone`` of a UTC hour key: exact for zones a whole number of hours from UTC, as
    all of Canada's but Newfoundland's (there, the half hour after local midnight counts on the day
    before). ``fromisoformat`` reads the key some twenty times faster than ``strptime``."""
    return datetime.fromisoformat(hour + "+00:00").astimezone(zone).date()


def ref_hour_prefix(share_ref):
    """What the ``ref_hour`` keys of one share reference, and only of it, begin with."""
    if REF_HOUR_SEPARATOR in share_ref:
        raise ValueError(f"a share reference cannot hold {REF_HOUR_SEPARATOR!r}: {share_ref!r}")
    return share_ref + REF_HOUR_SEPARATOR


def ref_hour_key(share_ref, hour):
    """'org:slug 2026-11-27T14': at most 100 + 1 + 13 characters, within the key's 120."""
    return ref_hour_prefix(share_ref) + hour


def contributions(row):
    """The (kind, key) totals that one signature in state ``row`` counts towards, once each."""
    found = Counter({("submitted", ALL): 1, ("status", row.status): 1})
    if row.confirmed_at is not None:
        found["ever_confirmed", ALL] += 1
    if row.status == SignatureStatus.CONFIRMED.value:
        found["hour", hour_key(row.confirmed_at)] += 1
        found["province", row.province] += 1
        if row.share_ref:
            found["ref", row.share_ref] += 1
            found["ref_hour", ref_hour_key(row.share_ref, hour_key(row.confirmed_at))] += 1
    return found


@functools.lru_cache(maxsize=32)
def upsert(row_count):
    """The upsert of ``row_count`` totals into one shard, as text that SQLAlchemy compiles once.

    (It cannot cache an ``insert().values([...])`` of several rows: built that way, each call
    would be compiled afresh.) PostgreSQL and SQLite share the syntax.
    """
    rows = ", ".join(f"(:kind_{i}, :key_{i}, :shard, :n_{i})" for i in range(row_count))
    # Only the table's name and numbered placeholders go into the text; the values are bound.
    table = SignatureTally.__tablename__
    return text(
        f"INSERT INTO {table} (kind, key, shard, count) VALUES {rows} "  # noqa: S608
        f"ON CONFLICT (kind, key, shard) DO UPDATE SET count = {table}.count + excluded.count"
    )


def apply(changes):
    """Add each (kind, key) -> n of ``changes`` to one shard, in the caller's transaction.

    One statement upserts every total; rows go in a fixed order so that two transactions lock
    them in the same order and cannot deadlock.
    """
    rows = sorted((kind, key, n) for (kind, key), n in changes.items() if n)
    if not rows:
        return
    parameters = {"shard": secrets.randbelow(TALLY_SHARDS)}
    for i, (kind, key, n) in enumerate(rows):
        parameters |= {f"kind_{i}": kind, f"key_{i}": key, f"n_{i}": n}
    db.session.connection().execute(upsert(len(rows)), parameters)


def record_change(before, after):
    """A signature went from ``before`` to ``after`` (either may be None: created, deleted)."""
    changes = Counter(contributions(after)) if after is not None else Counter()
    if before is not None:
        changes.subtract(contributions(before))
    apply(changes)


# What a new pending signature counts towards: contributions(Facts("pending", None, …)).
NEW_PENDING_KEYS = (("status", SignatureStatus.PENDING.value), ("submitted", ALL))
NEW_PENDING = Counter(dict.fromkeys(NEW_PENDING_KEYS, 1))


def record_new_pending():
    """A pending signature was just inserted in this transaction."""
    apply(NEW_PENDING)


def record_move(signature, to_status, values):
    """``signature`` (still as loaded) has just been moved to ``to_status`` with ``values``.

    Its province and share reference are read again: the conditional update that moved it holds
    the row, so what is read now is what it holds at commit.
    """
    before = facts(signature)
    province, share_ref = db.session.execute(
        db.select(Signature.province, Signature.share_ref).where(Signature.id == signature.id)
    ).one()
    before = replace(before, province=province, share_ref=share_ref)
    after = replace(
        before,
        status=SignatureStatus(to_status).value,
        confirmed_at=values.get("confirmed_at", before.confirmed_at),
    )
    record_change(before, after)


def totals(kind):
    """{key: total} for one kind, leaving out keys that came back to zero."""
    rows = db.session.execute(
        db.select(SignatureTally.key, func.sum(SignatureTally.count))
        .where(SignatureTally.kind == kind)
        .group_by(SignatureTally.key)
    )
    return {key: int(total) for key, total in rows if total}


def total(kind, key=ALL):
    found = db.session.execute(
        db.select(func.coalesce(func.sum(SignatureTally.count), 0)).where(
            SignatureTally.kind == kind, SignatureTally.key == key
        )
    ).scalar_one()
    return int(found)


def ref_hours(share_ref):
    """{hour key: confirmed} of one share reference, leaving out hours that came back to zero.

    The range on ``key`` reads only the reference's rows of the primary key (kind, key, shard).
    Under a linguistic collation (a PostgreSQL database made with en_US, say) the range may take in
    another reference's keys too, since punctuation counts for little there; ``startswith`` drops them.
    """
    prefix = ref_hour_prefix(share_ref)
    rows = db.session.execute(
        db.select(SignatureTally.key, func.sum(SignatureTally.count))
        .where(
            SignatureTally.kind == "ref_hour",
            SignatureTally.key >= prefix,
            SignatureTally.key < prefix + AFTER_HOURS,
        )
        .group_by(SignatureTally.key)
    )
    return {key.removeprefix(prefix): int(n) for key, n in rows if n and key.startswith(prefix)}


def hour_bucket(column):
    """SQL for ``hour_key``, for the rebuild."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24')
    return func.strftime(HOUR_FORMAT, column)


def computed_totals():
    """Every total, counted from the signature table: what the running tallies must equal."""
    confirmed = Signature.status == SignatureStatus.CONFIRMED
    found = Counter()
    count = func.count()
    found["submitted", ALL] = db.session.execute(db.select(count).select_from(Signature)).scalar_one()
    found["ever_confirmed", ALL] = db.session.execute(
        db.select(count).select_from(Signature).where(Signature.confirmed_at.is_not(None))
    ).scalar_one()
    hour = hour_bucket(Signature.confirmed_at)
    for kind, key, condition in (
        ("status", Signature.status, True),
        ("hour", hour, confirmed),
        ("province", Signature.province, confirmed),
    ):
        for value, n in db.session.execute(db.select(key, count).where(condition).group_by(key)):
            found[kind, SignatureStatus(value).value if kind == "status" else value] = n
    by_ref_hour = db.select(Signature.share_ref, hour, count).where(confirmed & Signature.share_ref.is_not(None))
    for share_ref, hour_text, n in db.session.execute(by_ref_hour.group_by(Signature.share_ref, hour)):
        found["ref", share_ref] += n
        found["ref_hour", ref_hour_key(share_ref, hour_text)] = n
    return Counter({key: n for key, n in found.items() if n})


def rebuild():
    """Recompute every tally and the public count's shards from the signature table, and commit.

    For repair, and after signatures were loaded in bulk around the signing service. It counts
    the whole table, so it is a command's work, not a request's.
    """
    found = computed_totals()
    db.session.execute(delete(SignatureTally))
    # Rows as plain values, not ORM objects: a reference's hours make tens of thousands of them.
    rows = [{"kind": kind, "key": key, "shard": 0, "count": n} for (kind, key), n in sorted(found.items())]
    if rows:
        db.session.execute(insert(SignatureTally), rows)
    confirmed = found["status", SignatureStatus.CONFIRMED.value]
    db.session.execute(delete(SignatureCountShard))
    db.session.add_all(SignatureCountShard(shard=n, count=confirmed if n == 0 else 0) for n in range(COUNT_SHARDS))
    db.session.commit()
    forget_counts()
    return found
