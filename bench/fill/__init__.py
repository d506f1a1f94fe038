"""Fill a database with many confirmed signatures, quickly, for benchmarks and load tests.

    .venv/bin/python -m bench.fill DATABASE_URL COUNT [--seed 1] [--batch 50000] [--migrate]

    from bench.fill import fill
    fill("postgresql://postgres@127.0.0.1:5432/petition_bench", 1_000_000)

The database must have its schema from the migrations (``--migrate`` runs ``flask db upgrade``
first). The rows are what the signing journey leaves behind once people confirm: names with
accents, cities and provinces weighted like Canada's population, the display choices (about
70 % full name, 20 % first name and initial, 10 % not shown), consent to updates for about 40 %,
a share reference for about 15 % (organisation links from the bundled endorsements and a few
``?ref=`` codes), times spread over the last 30 days with a viral spike and a daily rhythm, and
a handful of names hidden by an administrator. Addresses are ``bench-<n>@<reserved domain>``, so
nothing can ever be mailed to a real person, and IPs come from ranges that are not routed on the
Internet (100.64.0.0/10, 2001:db8::/32).

The same seed and the same ``until`` give the same rows. Rows are appended after any already
there (``<n>`` continues from the highest id), so filling twice adds to the count.

PostgreSQL gets the rows through ``COPY``; SQLite through ``executemany`` in large transactions
with ``synchronous=OFF`` on the fill's own connection. Afterwards the public count and the
administrators' tallies are recomputed from the signature table, and the planner's statistics
refreshed (``VACUUM ANALYZE`` / ``ANALYZE``).

The rows themselves are ``bench.fill.rows``'s; this module writes them.
"""

import argparse
import re
import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from bench.fill.rows import COLUMNS, REF_CODES, RowMaker, organisation_slugs
from bench.harness import is_postgres, libpq_url

DEFAULT_BATCH = 50_000


@dataclass(frozen=True)
class FillReport:
    added: int
    confirmed: int  # confirmed signatures in the database afterwards
    seconds: float  # inserting only
    total_seconds: float  # inserting, counting again and analysing
    counts_from: str  # "tallies.rebuild()" or "count shards"


# --- writing ----------------------------------------------------------------------------------


def sqlite_path(url):
    match = re.fullmatch(r"sqlite:///(.+)", url)
    if not match or match.group(1) == ":memory:":
        raise ValueError(f"fill needs a SQLite file (sqlite:///path) or a PostgreSQL URL, not {url!r}")
    return match.group(1)


def sqlite_time(moment):
    """As SQLAlchemy stores a DateTime on SQLite: '2026-11-27 21:18:17.983875', UTC, no zone."""
    return moment.astimezone(UTC).isoformat(" ", "microseconds")[:26] if moment is not None else None


def insert_postgres(url, maker, batch, say):
    import psycopg

    with psycopg.connect(libpq_url(url)) as connection:
        first_number = maker.first_number
        with connection.cursor() as cursor:
            for rows in maker.batches(batch):
                # One COPY per batch keeps each transaction's memory bounded; progress shows.
                with cursor.copy(f"COPY signature ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                connection.commit()
                first_number += len(rows)
                say(f"  {first_number - maker.first_number:,} rows")
        for code, label in REF_CODES:
            connection.execute(
                "INSERT INTO share_link (code, label, created_at) VALUES (%s, %s, %s) ON CONFLICT (code) DO NOTHING",
                (code, label, maker.timeline.start),
            )
        connection.commit()


def insert_sqlite(url, maker, batch, say):
    connection = sqlite3.connect(sqlite_path(url), isolation_level=None)
    try:
        # For the fill's connection only: no fsync, more pages cached. The file stays in WAL mode,
        # as the app keeps it; a crash mid-fill may lose the fill, never the schema.
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-262144")
        connection.execute("PRAGMA temp_store=MEMORY")
        connection.execute("PRAGMA busy_timeout=15000")
        # Column names are this module's constants, not input.
        statement = f"INSERT INTO signature ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"  # noqa: S608
        done = 0
        for rows in maker.batches(batch):
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany(statement, rows)
            connection.execute("COMMIT")
            done += len(rows)
            say(f"  {done:,} rows")
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(
            "INSERT OR IGNORE INTO share_link (code, label, created_at) VALUES (?, ?, ?)",
            [(code, label, sqlite_time(maker.timeline.start)) for code, label in REF_CODES],
        )
        connection.execute("COMMIT")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


# --- the app's side: schema, counts, statistics ------------------------------------------------


def make_app(database_url):
    from petition import create_app
    from petition.config import normalise_database_url

    return create_app(
        {
            "TESTING": True,  # a generated SECRET_KEY; nothing here serves requests
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
            "MAIL_BACKGROUND_SENDER": False,
            "RATELIMIT_ENABLED": False,
        }
    )


def next_number(db):
    from petition.signing.models import Signature

    highest = db.session.execute(db.select(db.func.max(Signature.id))).scalar_one()
    return (highest or 0) + 1


def refresh_counts(db):
    """Recompute the public count (and the tallies, where the app can) from the signature table."""
    try:
        from petition.signing import tallies
    except ImportError:
        tallies = None
    if tallies is not None and hasattr(tallies, "rebuild"):
        tallies.rebuild()
        db.session.commit()
        return "tallies.rebuild()"
    from petition.signing.models import COUNT_SHARDS, Signature, SignatureCountShard, SignatureStatus

    confirmed = db.session.execute(
        db.select(db.func.count()).select_from(Signature).where(Signature.status == SignatureStatus.CONFIRMED)
    ).scalar_one()
    db.session.execute(db.delete(SignatureCountShard))
    db.session.add_all(SignatureCountShard(shard=n, count=confirmed if n == 0 else 0) for n in range(COUNT_SHARDS))
    db.session.commit()
    return "count shards"


def analyse(database_url):
    if is_postgres(database_url):
        import psycopg

        with psycopg.connect(libpq_url(database_url), autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")
    else:
        connection = sqlite3.connect(sqlite_path(database_url))
        try:
            connection.execute("ANALYZE")
        finally:
            connection.close()


def fill(database_url, count, *, seed=1, batch=DEFAULT_BATCH, migrate=False, until=None, verbose=False):
    """Add ``count`` confirmed signatures to the database at ``database_url``; returns a FillReport.

    ``until`` (an aware datetime, default now) ends the 30 days over which they signed; the same
    ``seed`` and ``until`` give the same rows. ``migrate`` first brings the schema up to date.
    """
    if count < 0 or batch < 1:
        raise ValueError("count must be at least 0 and batch at least 1")
    if not is_postgres(database_url):
        sqlite_path(database_url)  # refuses anything but a file before touching it
    say = (lambda message: print(message, file=sys.stderr, flush=True)) if verbose else (lambda message: None)
    until = (until or datetime.now(UTC)).astimezone(UTC)
    started = time.monotonic()

    from petition.counts import signature_count
    from petition.extensions import db

    app = make_app(database_url)
    with app.app_context():
        if migrate:
            from flask_migrate import upgrade

            upgrade()
        first_number = next_number(db)
        db.session.remove()
        db.engine.dispose()  # the fill writes through its own connection

    maker = RowMaker(
        count, first_number, seed, until, organisation_slugs(), None if is_postgres(database_url) else sqlite_time
    )
    say(f"adding {count:,} confirmed signatures (bench-{first_number}…)")
    if count:
        (insert_postgres if is_postgres(database_url) else insert_sqlite)(database_url, maker, batch, say)
    inserted = time.monotonic() - started

    with app.app_context():
        counts_from = refresh_counts(db)
        confirmed = signature_count()
        db.session.remove()
        db.engine.dispose()
    analyse(database_url)
    report = FillReport(count, confirmed, inserted, time.monotonic() - started, counts_from)
    say(
        f"added {count:,} in {report.seconds:.1f}s ({report.total_seconds:.1f}s with counts and statistics); "
        f"{confirmed:,} confirmed, counted by {counts_from}"
    )
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.fill", description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url", help="postgresql://… or sqlite:///path/to/file")
    parser.add_argument("count", type=int, help="how many confirmed signatures to add")
    parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same rows (default 1)")
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH, help=f"rows per transaction ({DEFAULT_BATCH})")
    parser.add_argument("--migrate", action="store_true", help="run the migrations first (flask db upgrade)")
    args = parser.parse_args(argv)
    if args.count < 0 or args.batch < 1:
        parser.error("COUNT must be at least 0 and --batch at least 1")
    try:
        report = fill(
            args.database_url, args.count, seed=args.seed, batch=args.batch, migrate=args.migrate, verbose=True
        )
    except ValueError as error:
        parser.error(str(error))
    print(f"{report.confirmed}")
    return 0
