"""bench.load's options, and the run from set-up to tear-down with its exit status."""

import argparse
import asyncio
import os
import sys
from pathlib import Path

import bench.load
from bench.harness import guarded, is_postgres, require_wrk, say
from bench.load.report import render_report
from bench.load.run import LoadRun


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=bench.load.__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server on which to create a throwaway database "
        "(e.g. postgresql://postgres@127.0.0.1:5432/postgres); default: a temporary SQLite file",
    )
    parser.add_argument("--signatures", type=int, default=20_000, help="signatures to submit (default 20000)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--faults", action="store_true", help="inject the faults during the run")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py's)")
    parser.add_argument("--worker-class", choices=["sync", "gthread"], help="default: gunicorn.conf.py's")
    parser.add_argument("--threads", type=int, help="threads per worker (default: gunicorn.conf.py's)")
    parser.add_argument("--gunicorn-config", type=Path, help="another gunicorn configuration file")
    parser.add_argument("--mail-sender", choices=["worker", "background"], default="worker")
    parser.add_argument("--mail-workers", type=int, default=2, help="`mail worker` processes (default 2)")
    parser.add_argument("--mail-retry-seconds", type=float, default=5.0, help="MAIL_RETRY_BASE_SECONDS (default 5)")
    parser.add_argument("--mail-lease-seconds", type=float, default=30.0, help="MAIL_LEASE_SECONDS (default 30)")
    parser.add_argument(
        "--limits",
        choices=["auto", "on", "off"],
        default="auto",
        help="rate limits: on (Redis, TRUSTED_PROXIES=1, an X-Forwarded-For per signer), off, or auto "
        "(on when the app has ProxyFix)",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="rate-limit storage when on")
    parser.add_argument("--generator", choices=["python", "wrk"], default="python", help="for the submissions")
    parser.add_argument("--baseline-seconds", type=int, default=5, help="wrk on /robots.txt, before and after")
    parser.add_argument("--sink-outage", type=float, default=30.0, help="seconds the sink is stopped (--faults)")
    parser.add_argument("--request-timeout", type=float, default=30.0)
    parser.add_argument(
        "--retry-seconds", type=float, default=120.0, help="how long a client retries a failed request (default 120)"
    )
    parser.add_argument("--delivery-timeout", type=float, default=900.0, help="seconds to wait for the outbox")
    parser.add_argument("--profile", type=Path, help="py-spy the gunicorn workers during the submissions, into DIR")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for the app, gunicorn and the mail workers (repeatable), e.g. "
        "GUNICORN_ACCESS_LOG= or RATELIMIT_HEADERS_ENABLED=false",
    )
    parser.add_argument(
        "--mail-nice",
        type=int,
        default=10,
        help="niceness of the mail workers (of their sessions too, like systemd's CPUWeight=) and of the sink, "
        "so that signers come first, as docs/deploy.md sets them up; 0 for an equal share",
    )
    parser.add_argument("--markdown-out", type=Path, help="also write the report to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory and database")
    args = parser.parse_args(argv)
    if args.signatures < 1 or args.clients < 1 or (args.workers is not None and args.workers < 1):
        parser.error("--signatures, --clients and --workers must be at least 1")
    if args.mail_sender == "worker" and args.mail_workers < 1:
        parser.error("--mail-workers must be at least 1 with --mail-sender worker")
    if args.database_url and not is_postgres(args.database_url):
        parser.error("--database-url must be a postgresql:// URL (SQLite is the default)")
    if args.generator == "wrk" and args.faults:
        parser.error("--faults needs the python generator (it retries and records each address)")
    return args


def run(args):
    wrk = require_wrk()
    load_before = f"{os.getloadavg()[0]:.2f}"
    say(f"load average (1 min): {load_before}")
    harness = LoadRun(args)
    try:
        harness.setup()
        results = asyncio.run(harness.scenario(wrk))
        results["load before"] = load_before
        report = render_report(harness, results)
        print(report)
        if args.markdown_out:
            args.markdown_out.parent.mkdir(parents=True, exist_ok=True)
            args.markdown_out.write_text(report + "\n", encoding="utf-8")
            say(f"wrote {args.markdown_out}")
        failed = [check for check in harness.checks if not check.ok]
        for check in failed:
            say(f"DISCREPANCY: {check.name}: {check.detail}")
        return not failed
    finally:
        harness.teardown()


def main(argv=None):
    return 0 if guarded(run, parse_args(argv)) else 1


if __name__ == "__main__":
    sys.exit(main())
