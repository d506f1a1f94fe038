"""The mail worker's CPU per message: a backlog of signers' emails drained into a local SMTP sink.

    .venv/bin/python -m bench.mail [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
                                   [--messages 3000] [--batch 50] [--repeat 3] [--profile FILE]

The script makes a throwaway database (a SQLite file in a temporary directory, or a fresh
PostgreSQL database that ``--database-url``'s server holds for the run, as ``bench.routes``
does), builds the schema with the migrations and starts ``bench.sink`` on a free port. Each
round then queues ``--messages`` confirmation emails through ``petition.signing.service.submit``
(a quarter in French, with accented names), as a spike of signers leaves them, and drains them
with ``drain_all()`` in this process, as one ``flask --app petition mail worker`` would.

It prints, for each round, the CPU time of the drain (``time.process_time``: this process only, so
not the sink's, nor PostgreSQL's server processes', whereas SQLite's work, done in this process,
counts) per message, and messages a second of wall time.
Every round must deliver every message, once: the outbox must end with all of them ``sent`` and
the sink must hold as many, or the script exits with status 1. ``--profile FILE`` writes the last
round's cProfile statistics (``python -m pstats FILE``), whose overhead inflates that round's figures.
"""

import argparse
import cProfile
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import (
    BenchError,
    ThrowawayDatabase,
    app_environment,
    describe_database,
    flask_command,
    free_port,
    guarded,
    is_postgres,
    say,
)
from bench.load.processes import Sink
from bench.load.signers import FIRST_NAMES, LAST_NAMES
from petition import create_app
from petition.extensions import db
from petition.mail.models import OutboxMessage
from petition.mail.outbox import drain_all
from petition.signing.service import Submission, submit


def submission(run, n):
    return Submission(
        first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
        last_name=LAST_NAMES[n % len(LAST_NAMES)],
        email=f"mail-{run}-{n}@example.org",
        province="QC",
        city="Montréal",
        display="full",
        wants_updates=n % 3 == 0,
        consent_wording="v1" if n % 3 == 0 else None,
        lang="fr" if n % 4 == 0 else "en",
        ip_hash=None,
    )


def queue(app, run, count):
    """``count`` new signers' confirmation emails in the outbox, one submission each."""
    with app.app_context():
        for n in range(count):
            submit(submission(run, n))
        db.session.remove()


def drain(app, profiler=None):
    """(messages sent, CPU seconds, wall seconds) of one ``drain_all()``."""
    with app.app_context():
        if profiler:
            profiler.enable()
        cpu, wall = time.process_time(), time.perf_counter()
        sent = drain_all()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if profiler:
            profiler.disable()
        db.session.remove()
    return sent, cpu, wall


def outbox_statuses(app):
    with app.app_context():
        rows = db.session.execute(db.select(OutboxMessage.status, db.func.count()).group_by(OutboxMessage.status)).all()
        db.session.remove()
    return {str(status): count for status, count in rows}


def sink_count(store):
    with sqlite3.connect(store) as connection:
        return connection.execute("SELECT count(*) FROM message").fetchone()[0]


def make_app(database_url, mail_port, batch):
    # The settings a production process reads from its environment (SECRET_KEY, DATABASE_URL…).
    os.environ.update(app_environment(database_url, free_port()))
    return create_app(
        {
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": mail_port,
            "MAIL_BACKGROUND_SENDER": False,
            "MAIL_BATCH_SIZE": batch,
            "MAIL_DEFAULT_SENDER": "Lettre ouverte <lettre@example.org>",
        }
    )


def rounds(args, database_url, workdir):
    """Queue and drain ``--repeat`` times; returns whether every round delivered every message once."""
    flask_command(app_environment(database_url, free_port()), "db", "upgrade")
    store = workdir / "sink.sqlite3"
    sink = Sink(free_port(), store, workdir / "sink.log")
    sink.start()
    try:
        app = make_app(database_url, sink.port, args.batch)
        ok, per_message = True, []
        for run in range(1, args.repeat + 1):
            queue(app, run, args.messages)
            profiler = cProfile.Profile(time.process_time) if args.profile and run == args.repeat else None
            sent, cpu, wall = drain(app, profiler)
            if profiler:
                profiler.dump_stats(args.profile)
                say(f"profile of round {run} written to {args.profile}")
            statuses, received = outbox_statuses(app), sink_count(store)
            delivered = sent == args.messages and statuses == {"sent": run * args.messages}
            if not delivered or received != run * args.messages:
                say(f"round {run}: sent {sent}, outbox {statuses}, sink holds {received}")
                ok = False
            per_message.append(cpu / max(sent, 1) * 1000)
            print(
                f"round {run}: {sent:,} messages, {per_message[-1]:.2f} ms CPU per message, "
                f"{sent / wall:,.0f} messages/s",
                flush=True,
            )
        print(f"median: {statistics.median(per_message):.2f} ms CPU per message", flush=True)
        return ok
    finally:
        sink.close()


def run(args):
    say(
        f"{describe_database(args.database_url or 'sqlite://')}: {args.repeat} × {args.messages:,} messages, "
        f"batches of {args.batch}; load average (1 min) {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory(prefix="petition-mail-bench-") as tmp:
        workdir = Path(tmp)
        if args.database_url and not is_postgres(args.database_url):
            raise BenchError("--database-url must name a PostgreSQL server")
        database = ThrowawayDatabase(args.database_url, workdir)
        database_url = database.create()
        try:
            return rounds(args, database_url, workdir)
        finally:
            database.drop()


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.mail", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL server (default: a SQLite file)")
    parser.add_argument("--messages", type=int, default=3000, help="messages queued and drained per round")
    parser.add_argument("--batch", type=int, default=50, help="MAIL_BATCH_SIZE")
    parser.add_argument("--repeat", type=int, default=3, help="rounds")
    parser.add_argument("--profile", type=Path, help="write the last round's cProfile statistics here")
    return parser.parse_args(argv)


def main(argv=None):
    return 0 if guarded(run, parse_args(argv)) else 1


if __name__ == "__main__":
    sys.exit(main())
