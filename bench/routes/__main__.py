"""bench.routes' options and its run: the database, the links, gunicorn, the measures, the table."""

import argparse
import importlib.metadata
import shutil
import sys
import tempfile
from pathlib import Path

import bench.routes
from bench.harness import (
    BenchError,
    Gunicorn,
    ThrowawayDatabase,
    app_environment,
    fill_signatures,
    flask_command,
    free_port,
    get_ok,
    guarded,
    hold_interrupts,
    is_postgres,
    load_average,
    require_wrk,
    run_wrk,
    say,
    target_status,
    wrk_version,
)
from bench.routes.links import visitor_links
from bench.routes.plan import BASELINE, LANGUAGES, check_answers, plan
from bench.routes.report import machine_facts, render_facts, render_table


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.routes", description=bench.routes.__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server on which to create a throwaway database "
        "(e.g. postgresql://postgres@127.0.0.1:5432/postgres); default: a temporary SQLite file",
    )
    parser.add_argument(
        "--signatures",
        type=int,
        default=0,
        help="confirmed signatures to add with bench.fill before gunicorn starts (default 0)",
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured route (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per route (default 2)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--wrk-timeout", type=int, default=5, help="wrk's per-request timeout in seconds (default 5)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--check", action="store_true", help="exit with status 1 when a target is missed")
    parser.add_argument("--markdown-out", type=Path, help="also write the table and the machine facts to this file")
    args = parser.parse_args(argv)
    if args.duration < 1 or args.warmup < 0 or args.workers < 1 or args.threads < 1:
        parser.error("--duration, --workers and --threads must be at least 1, --warmup at least 0")
    if args.signatures < 0:
        parser.error("--signatures must be at least 0")
    if args.connections < args.threads:
        parser.error("--connections must be at least --threads")
    if args.database_url and not is_postgres(args.database_url):
        parser.error("--database-url must be a postgresql:// URL (SQLite is the default)")
    return args


def check_tools():
    """wrk, and gunicorn and flask for the interpreter that runs this (the venv's)."""
    wrk = require_wrk()
    for module in ("gunicorn", "flask"):
        try:
            importlib.metadata.version(module)
        except importlib.metadata.PackageNotFoundError as error:
            raise BenchError(f"{module} is not installed for {sys.executable}; run with .venv/bin/python") from error
    return wrk


def measure(args, wrk, base_url, planned):
    if args.warmup:
        say(f"warming up ({args.warmup}s per route)")
        run_wrk(wrk, base_url, BASELINE, args, args.warmup)
        for request in planned:
            run_wrk(wrk, base_url, request.path, args, args.warmup, cookie=request.cookie)
    say(f"measuring {len(planned) + 2} runs of {args.duration}s")
    first = run_wrk(wrk, base_url, BASELINE, args, args.duration, "baseline, first")
    say(f"  {first.route}: {first.requests_per_second:,.0f} requests/s")
    measured = []
    for request in planned:
        result = run_wrk(wrk, base_url, request.path, args, args.duration, request.label, request.shown, request.cookie)
        say(f"  {result.name}: {result.requests_per_second:,.0f} requests/s")
        measured.append((result, request.target))
    last = run_wrk(wrk, base_url, BASELINE, args, args.duration, "baseline, last")
    say(f"  {last.route}: {last.requests_per_second:,.0f} requests/s")
    # A GET that changed what it shows (a confirmation page that confirmed) would now redirect.
    check_answers(base_url, planned)
    return first, last, measured


def run(args):
    wrk = check_tools()
    load_before = load_average()
    workdir = Path(tempfile.mkdtemp(prefix="petition-bench-"))
    database, server = None, None
    try:
        database = ThrowawayDatabase(args.database_url, workdir)
        database_url = database.create()
        database_label = database.label
        port = free_port()
        env = app_environment(database_url, port)
        say(f"database: {database_label}")
        flask_command(env, "db", "upgrade")
        say(flask_command(env, "endorsements", "import"))
        if args.signatures:
            say(f"adding {args.signatures:,} confirmed signatures (bench.fill)")
            seconds = fill_signatures(env, database_url, args.signatures)
            database_label += f", {args.signatures:,} confirmed signatures (filled in {seconds:.0f}s)"
            say(f"  done in {seconds:.1f}s")
        else:
            database_label += ", no signatures"
        links = visitor_links(env, LANGUAGES)
        slug = links[LANGUAGES[0]].fields["slug"]
        say(f"organisation's pages: {slug}; a pending signature and one to confirm in each language")

        server = Gunicorn(env, port, args.workers, workdir / "gunicorn.log")
        say(f"starting gunicorn ({args.workers} workers) on {server.base_url}")
        server.start()
        planned = plan(server.base_url, links)
        say(f"/api/count: {get_ok(server.base_url, '/api/count').decode().strip()}")

        first, last, measured = measure(args, wrk, server.base_url, planned)
        if server.process.poll() is not None:
            raise BenchError(f"gunicorn died during the run:\n{server.log_tail()}")
        table, ok = render_table(first, last, measured)
        facts = machine_facts(args, database_label, wrk_version(wrk), load_before, slug)
        print(table)
        print()
        print(render_facts(facts))
        if args.markdown_out:
            args.markdown_out.parent.mkdir(parents=True, exist_ok=True)
            args.markdown_out.write_text(f"{table}\n\n{render_facts(facts)}\n", encoding="utf-8")
            say(f"wrote {args.markdown_out}")
        failed = [result for result in [first, *(result for result, _ in measured), last] if result.errors]
        return ok, failed
    finally:
        hold_interrupts()
        if server is not None:
            server.stop()
        if database is not None:
            database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv=None):
    args = parse_args(argv)
    ok, failed = guarded(run, args)
    if failed:
        # Errors are never a figure to publish, with or without --check.
        for result in failed:
            say(f"error: {result.name} had {result.errors} non-2xx responses or socket errors during its run")
        return 1
    return target_status(ok, args.check)


if __name__ == "__main__":
    sys.exit(main())
