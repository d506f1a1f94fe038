"""The administrators' dashboard (``/admin/``) at 10,000 and at 1,000,000 signatures.

    .venv/bin/python -m bench.admin [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
                                    [--sizes 10000,1000000] [--requests 30] [--check] [--markdown-out FILE]

The script makes a throwaway database per size (a SQLite file in a temporary directory, or a fresh
PostgreSQL database on the server that ``--database-url`` names, created and dropped here), builds
its schema with the migrations, imports the bundled endorsements, creates an administrator with
``flask --app petition admin create EMAIL --password-stdin`` and fills it with ``bench.fill``.
For each database a fresh app (``APP_ENV=production``) is made in this process and the
administrator signs in through the sign-in form with Flask's test client. Then ``GET /admin/`` is
timed in rounds, one request per size in each round, after a few unmeasured rounds: a change in the
machine's load during the run touches every size alike. Every answer must be 200 and show the
confirmed count. The figure is the median per size.

Target (issue 5): the dashboard's median time at the largest size no more than 3 times its time at
the smallest. A missed target makes the script exit with status 1 when ``--check`` is given. Every
exit path, Ctrl-C and SIGTERM included, removes the temporary directory and drops the databases.
"""

import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.child import at_least_one, sized_parser
from bench.export import environment, machine_facts
from bench.harness import (
    COMMAND_TIMEOUT,
    ROOT,
    BenchError,
    ThrowawayDatabase,
    fill_signatures,
    flask_command,
    guarded,
    load_average,
    say,
    target_status,
)

GROWTH_TARGET = 3.0  # the dashboard's time at the largest size / at the smallest
WARMUP_REQUESTS = 3
ADMIN_EMAIL = "bench-admin@example.org"


@dataclass(frozen=True)
class Measure:
    signatures: int
    times: list  # seconds per request

    @property
    def median_ms(self):
        return statistics.median(self.times) * 1000

    @property
    def low_ms(self):
        return min(self.times) * 1000

    @property
    def high_ms(self):
        return max(self.times) * 1000


def create_administrator(env, password):
    completed = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "petition", "admin", "create", ADMIN_EMAIL, "--password-stdin"],
        cwd=ROOT,
        env=env,
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    if completed.returncode != 0:
        raise BenchError(f"`flask --app petition admin create` failed:\n{completed.stderr}{completed.stdout}")


def signed_in_client(app, password):
    client = app.test_client()
    page = client.get("/admin/sign-in")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    if page.status_code != 200 or token is None:
        raise BenchError(f"the sign-in page answered {page.status_code} without a form")
    answer = client.post(
        "/admin/sign-in", data={"email": ADMIN_EMAIL, "password": password, "csrf_token": token.group(1)}
    )
    if answer.status_code != 303:
        raise BenchError(f"signing in answered {answer.status_code}, not 303")
    return client


class Dashboard:
    """A fresh app (``APP_ENV=production``) on one database, signed in, and its ``GET /admin/`` timed."""

    def __init__(self, env, signatures, password):
        from petition import create_app

        saved = dict(os.environ)
        os.environ.update(env)  # the app reads its settings from the environment, as in production
        try:
            self.app = create_app()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        self.signatures = signatures
        self.client = signed_in_client(self.app, password)
        figure = f"{signatures:,}"
        self.shown = (figure, figure.replace(",", "\u00a0"), figure.replace(",", "\u202f"))
        self.times = []

    def time_one(self, keep=True):
        started = time.perf_counter()
        page = self.client.get("/admin/")
        body = page.get_data(as_text=True)
        elapsed = time.perf_counter() - started
        if page.status_code != 200 or not any(figure in body for figure in self.shown):
            raise BenchError(f"/admin/ answered {page.status_code} without the count {self.signatures:,}")
        if keep:
            self.times.append(elapsed)

    def close(self):
        from petition.extensions import db

        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


def measure(dashboards, requests):
    """Time the dashboards in turn, one request each per round, so that a change in the machine's
    load during the run touches every size alike."""
    for _ in range(WARMUP_REQUESTS):
        for dashboard in dashboards:
            dashboard.time_one(keep=False)
    for _ in range(requests):
        for dashboard in dashboards:
            dashboard.time_one()
    return [Measure(dashboard.signatures, dashboard.times) for dashboard in dashboards]


def render(measures, requests):
    lines = [
        f"| confirmed signatures | median of {requests} (ms) | fastest (ms) | slowest (ms) |",
        "|---:|---:|---:|---:|",
    ]
    lines += [f"| {m.signatures:,} | {m.median_ms:.1f} | {m.low_ms:.1f} | {m.high_ms:.1f} |" for m in measures]
    ok = True
    if len(measures) > 1:
        growth = measures[-1].median_ms / measures[0].median_ms
        ok = growth <= GROWTH_TARGET
        lines += [
            "",
            "| target | figure | wanted | met |",
            "|---|---:|---:|:---:|",
            f"| `/admin/` at {measures[-1].signatures:,} / at {measures[0].signatures:,} | {growth:.2f} "
            f"| ≤ {GROWTH_TARGET:.0f} | {'yes' if ok else '**no**'} |",
        ]
    return "\n".join(lines), ok


def parse_args(argv=None):
    parser = sized_parser("python -m bench.admin", __doc__.split("\n\n")[0], "10000,1000000")
    parser.add_argument("--requests", type=at_least_one, default=30, help="measured requests per size (default 30)")
    return parser.parse_args(argv)


def run(args):
    load_before = load_average()
    workdir = Path(tempfile.mkdtemp(prefix="petition-bench-admin-"))
    databases, dashboards = [], []
    try:
        password = secrets.token_urlsafe(18)
        for size in args.sizes:
            # A database per size, so that every size is timed in the same minutes.
            database = ThrowawayDatabase(args.database_url, workdir, f"petition-{size}.sqlite3")
            databases.append(database)
            database_url = database.create()
            database_label = database.label
            env = environment(database_url) | {"RATELIMIT_ENABLED": "false", "RATELIMIT_STORAGE_URI": "memory://"}
            flask_command(env, "db", "upgrade")
            flask_command(env, "endorsements", "import")
            create_administrator(env, password)
            say(f"filling a database with {size:,} confirmed signatures (bench.fill)")
            fill_signatures(env, database_url, size)
            dashboards.append(Dashboard(env, size, password))
        say(f"timing /admin/: {args.requests} rounds after {WARMUP_REQUESTS} unmeasured, one request per size each")
        measures = measure(dashboards, args.requests)
        table, ok = render(measures, args.requests)
        print(table)
        if args.markdown_out:
            method = (
                "`GET /admin/` through Flask's test client in the bench's process (APP_ENV=production), signed in, "
                f"a database per size, the sizes taken in turn; median of {args.requests} requests per size "
                f"after {WARMUP_REQUESTS} unmeasured"
            )
            facts = machine_facts(database_label, load_before, method)
            args.markdown_out.parent.mkdir(parents=True, exist_ok=True)
            text = "\n".join(f"- {name}: {value}" for name, value in facts)
            args.markdown_out.write_text(f"{table}\n\n{text}\n", encoding="utf-8")
        return ok
    finally:
        for dashboard in dashboards:
            dashboard.close()
        for database in databases:
            database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv=None):
    args = parse_args(argv)
    return target_status(guarded(run, args), args.check, "the target was missed")


if __name__ == "__main__":
    sys.exit(main())
