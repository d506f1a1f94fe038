"""Does the time of ``POST /<lang>/sign`` tell whether an address has signed?

    .venv/bin/python -m bench.history [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
                                      [--requests 200] [--workers 2] [--markdown-out FILE]

The answer is the same page for a new address, a pending one and a confirmed one; its time must
be too, or a script that times it learns who signed a political letter. This script makes a
throwaway database (as bench.routes does), starts the app under gunicorn, and, from this
process, signs ``--requests`` addresses of each kind: new (never seen), pending (signed once, not
confirmed) and confirmed. Each request is measured on its own, one at a time, the three kinds
interleaved in a shuffled order (a fixed seed), so that drift in the machine falls on all three
alike. Each pending and confirmed address is used once, so none reaches the day's cap of emails.

It reports each kind's median and quartiles, the spread of the three medians (the target: within
10% of each other) and how often a threshold on the time tells a new address from a confirmed one,
fitted on half the requests and judged on the other half (50% is a coin toss). It exits 1 when
the target is missed, 2 on a bench error.

The setup signs the pending and confirmed addresses over HTTP too, then takes the forms in and
confirms the confirmed ones in this process, with the app's own code. No mail worker runs during
the measurement: the forms received wait in the intake (and, before the intake existed, their
emails in the outbox), as they would for the second or so before a sender takes them in.
"""

import argparse
import http.client
import random
import re
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from bench.harness import (
    BenchError,
    Gunicorn,
    ThrowawayDatabase,
    app_context,
    app_environment,
    describe_database,
    flask_command,
    free_port,
    guarded,
    is_postgres,
    say,
)

KINDS = ("new", "pending", "confirmed")
TARGET_SPREAD = 0.10
WARM_UP = 30
SEED = 20261202
FORM = {
    "first_name": "Camille",
    "last_name": "Gagnon",
    "province": "QC",
    "city": "Sherbrooke",
    "display": "full",
}


@dataclass(frozen=True)
class Figures:
    kind: str
    median_ms: float
    q1_ms: float
    q3_ms: float


class Signer:
    """One visitor's session: a CSRF token and its cookie, reused for every form it sends."""

    def __init__(self, port):
        self.port = port
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/en/")
        response = connection.getresponse()
        page = response.read().decode()
        connection.close()
        if response.status != 200:
            raise BenchError(f"GET /en/ answered {response.status}")
        self.cookie = "; ".join(
            value.split(";", 1)[0] for name, value in response.getheaders() if name.lower() == "set-cookie"
        )
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        if not match:
            raise BenchError("the letter page has no CSRF token")
        self.token = match.group(1)

    def sign(self, email):
        """Send the form for ``email``; returns the seconds until the whole answer arrived."""
        body = urlencode({**FORM, "email": email, "csrf_token": self.token})
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookie}
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request("POST", "/en/sign", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
        connection.close()
        if response.status != 303:
            raise BenchError(f"POST /en/sign for {email} answered {response.status}")
        return elapsed


def address(kind, n):
    return f"history-{kind}-{n}@example.org"


def take_in_and_confirm(env, count):
    """Take the setup's forms in (where the intake exists) and confirm the "confirmed" addresses."""
    from petition.extensions import db
    from petition.signing import service
    from petition.signing.models import Signature

    with app_context(env):
        try:
            from petition.signing import intake
        except ImportError:  # before the intake: the request itself made the signatures
            intake = None
        if intake is not None:
            while intake.take_in(limit=500):
                pass
        emails = [address("confirmed", n) for n in range(count)]
        found = db.session.execute(db.select(Signature).where(Signature.email.in_(emails))).scalars().all()
        for signature in found:
            service.confirm(signature)
        missing = count - len(found)
        if missing:
            raise BenchError(f"{missing} signature(s) of the setup are missing")


def measure(port, count):
    """``count`` requests of each kind, interleaved; returns the seconds of each, by kind."""
    signer = Signer(port)
    for n in range(WARM_UP):
        signer.sign(address("warm-up", n))
    plan = [(kind, n) for n in range(count) for kind in KINDS]
    random.Random(SEED).shuffle(plan)
    times = {kind: [] for kind in KINDS}
    for kind, n in plan:
        times[kind].append(signer.sign(address(kind, n)))
    return times


def figures(kind, seconds):
    q1, median, q3 = statistics.quantiles([s * 1000 for s in seconds], n=4)
    return Figures(kind, median, q1, q3)


def threshold_guess(new, signed):
    """How often a threshold on the time tells ``new`` from ``signed``: the best threshold (and
    side) is chosen on half the samples and judged on the other half, so that a difference that
    is not there reads as about 50%, a coin toss, rather than as what the best fit makes of noise."""
    train = (new[0::2], signed[0::2])
    test = (new[1::2], signed[1::2])

    def right(threshold, signed_above, samples):
        new_times, signed_times = samples
        hits = sum((t > threshold) != signed_above for t in new_times)
        hits += sum((t > threshold) == signed_above for t in signed_times)
        return hits / (len(new_times) + len(signed_times))

    candidates = [(t, above) for t in sorted(train[0] + train[1]) for above in (True, False)]
    threshold, signed_above = max(candidates, key=lambda c: right(c[0], c[1], train))
    return right(threshold, signed_above, test)


def render(database, workers, count, results, spread, guess):
    lines = [
        f"`POST /en/sign`, {count} requests per kind, one at a time, interleaved; {database}; "
        f"gunicorn with {workers} sync worker(s).",
        "",
        "| address | median | quartiles |",
        "|---|---:|---:|",
    ]
    for item in results:
        lines.append(f"| {item.kind} | {item.median_ms:.2f} ms | {item.q1_ms:.2f}–{item.q3_ms:.2f} ms |")
    lines += [
        "",
        f"Spread of the medians: {spread:.1%} (target: within {TARGET_SPREAD:.0%}). "
        f"A threshold on the time, fitted on half the requests, tells a new address from a confirmed one "
        f"in {guess:.0%} of the other half (50% is a coin toss).",
    ]
    return "\n".join(lines)


def run(args):
    database = None
    gunicorn = None
    with tempfile.TemporaryDirectory(prefix="petition-history-") as workdir:
        try:
            database = ThrowawayDatabase(args.database_url, workdir, "bench.sqlite3")
            database_url = database.create()
            port = free_port()
            env = app_environment(database_url, port)
            say("building the schema and the endorsements")
            flask_command(env, "db", "upgrade")
            flask_command(env, "endorsements", "import")
            gunicorn = Gunicorn(env, port, args.workers, Path(workdir) / "gunicorn.log")
            gunicorn.start()
            say(f"setting up {args.requests} pending and {args.requests} confirmed addresses")
            setup = Signer(port)
            for n in range(args.requests):
                setup.sign(address("pending", n))
                setup.sign(address("confirmed", n))
            take_in_and_confirm(env, args.requests)
            say(f"measuring {args.requests * len(KINDS)} requests")
            times = measure(port, args.requests)
        finally:
            if gunicorn is not None:
                gunicorn.stop()
            if database is not None:
                database.drop()
    results = [figures(kind, times[kind]) for kind in KINDS]
    medians = [item.median_ms for item in results]
    spread = max(medians) / min(medians) - 1
    guess = threshold_guess(times["new"], times["confirmed"])
    report = render(
        describe_database(args.database_url or database_url), args.workers, args.requests, results, spread, guess
    )
    print(report)
    if args.markdown_out:
        Path(args.markdown_out).write_text(report + "\n")
    return 0 if spread <= TARGET_SPREAD else 1


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.history", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL server to make a throwaway database on")
    parser.add_argument("--requests", type=int, default=200, help="requests per kind of address")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn's sync workers")
    parser.add_argument("--markdown-out", help="also write the report to this file")
    args = parser.parse_args(argv)
    if args.database_url and not is_postgres(args.database_url):
        parser.error("--database-url must be a postgresql:// URL (SQLite is the default)")
    if args.requests < 4:
        parser.error("--requests must be at least 4")
    return args


def main(argv=None):
    raise SystemExit(guarded(run, parse_args(argv)))


if __name__ == "__main__":
    main()
