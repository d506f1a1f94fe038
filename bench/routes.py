"""Throughput of the public routes, measured against a trivial route on the same server.

    .venv/bin/python bench/routes.py [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
                                     [--signatures 1000000] [--duration 10] [--connections 8]
                                     [--workers 2] [--check] [--markdown-out FILE]

The script makes a throwaway database (a SQLite file in a temporary directory, or a fresh
PostgreSQL database on the server that ``--database-url`` names, created and dropped here), builds
the schema with the migrations, imports the bundled endorsements, adds ``--signatures`` confirmed
signatures with ``bench/fill.py`` (none by default), starts the app under gunicorn on a free port,
and measures each route with wrk (a separate process) after a short warm-up.

Every GET route that a visitor or an embedding site reaches is measured, in both languages where
it has a language prefix (``ROUTES``); the administrators' pages are ``bench/admin.py``'s. The
routes behind a link that people are given get a real one, made in this process by the app's own
code with the server's secret key (``visitor_links``): the lead signatory's pages and its private
figures link, and the links in the confirmation email of a signature submitted through the signing
service (its email waits in the outbox: the web processes only queue, as in production, and no mail
worker runs). ``/<lang>/thanks`` is measured with the session that confirming through the
confirmation page leaves, for a second signature per language.

Absolute figures depend on the machine, so each route is judged by its ratio to ``/robots.txt``,
which does no work beyond the framework's: the letter pages must reach 0.40 of it, ``/api/count``
0.80, the first page of the signers list 0.30; the other routes have no target. The list's second
page, which no cache serves, is measured too when there is one. The baseline is measured first and
last and the ratios use the mean of the two, so that any drift during the run (a noisy neighbour,
thermal throttling) shows instead of skewing one route.

Every route must answer 200 before its run and again after the last one (a redirect or an error
page is not measured, and a GET that changed what it shows would now redirect), and a run with any
non-2xx response or socket error fails with status 1 whatever the targets.

Everything is bounded in time (each wrk run lasts ``--duration`` seconds) and cleaned up on every
exit path, Ctrl-C included: gunicorn is stopped, the temporary directory and database removed.
"""

import argparse
import contextlib
import datetime as dt
import html
import importlib.metadata
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the app's own code makes the links (``visitor_links``)

BASELINE = "/robots.txt"
LANGUAGES = ("en", "fr")


@dataclass(frozen=True)
class Route:
    """A route to measure. ``path`` is measured in each language when it has ``{lang}``; its other
    fields are those of ``Links.fields``. ``target``: the least ratio of its requests/s to the
    baseline's, or None. ``after_confirming``: sent with the session that confirming leaves."""

    path: str
    target: float | None = None
    after_confirming: bool = False


ROUTES = [
    Route("/{lang}/", 0.40),
    Route("/api/count", 0.80),
    Route("/{lang}/signatures", 0.30),
    Route("/healthz"),
    Route("/{lang}/embed"),
    Route("/{lang}/privacy"),
    Route("/{lang}/qr.svg"),
    Route("/{lang}/qr.png"),
    Route("/{lang}/o/{slug}"),
    Route("/{lang}/o/{slug}/qr.svg"),
    Route("/{lang}/o/{slug}/qr.png"),
    Route("/{lang}/o/{slug}/stats/{stats_token}"),
    Route("/{lang}/sign/check-your-inbox"),
    Route("/{lang}/confirm/{confirm_token}"),
    # The page a signer lands on after confirming greets them by the name kept in their session.
    Route("/{lang}/thanks", after_confirming=True),
    Route("/{lang}/withdraw/{withdraw_token}"),
    Route("/{lang}/unsubscribe/{unsubscribe_token}"),
]
# The list's second page, found on its first (not cached, unlike the first page); no target.
SECOND_PAGE_OF = "/en/signatures"
STARTUP_TIMEOUT = 30.0  # seconds for gunicorn to answer /healthz
STOP_TIMEOUT = 10.0  # seconds for gunicorn to stop after SIGTERM before it is killed
COMMAND_TIMEOUT = 120.0  # seconds for a migration or import command
FILL_TIMEOUT = 1800.0  # seconds for bench/fill.py (a million rows take well under two minutes)
DRIFT_WARNING = 10.0  # percent of baseline drift above which the table carries a warning


class BenchError(RuntimeError):
    """The benchmark cannot run; the message says why."""


@dataclass(frozen=True)
class Result:
    route: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx responses plus socket errors
    label: str = ""

    @property
    def name(self):
        return f"`{self.route}`" + (f" ({self.label})" if self.label else "")


# --- wrk ------------------------------------------------------------------------------------

TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def parse_duration_ms(text):
    """wrk's latency figures, such as ``580.00us``, ``1.23ms`` or ``2.00s``, in milliseconds."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not match:
        raise ValueError(f"cannot read the duration {text!r}")
    return float(match.group(1)) * TIME_UNITS_MS[match.group(2)]


def parse_wrk(output, route, label=""):
    """Requests/s, p50 and p99 latency, and the error count from ``wrk --latency`` output."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"^\s+(\d+) requests in", output, re.M)
    if not (rps and p50 and p99 and total):
        raise BenchError(f"cannot read wrk's output for {route}:\n{output}")
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if sockets:
        errors += sum(int(n) for n in sockets.groups())
    return Result(
        route=route,
        requests_per_second=float(rps.group(1)),
        p50_ms=parse_duration_ms(p50.group(1)),
        p99_ms=parse_duration_ms(p99.group(1)),
        requests=int(total.group(1)),
        errors=errors,
        label=label,
    )


def run_wrk(wrk, base_url, route, args, duration, label="", shown=None, cookie=None):
    command = [
        wrk,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{duration}s",
        f"--timeout={args.wrk_timeout}s",
        "--latency",
        *(["--header", f"Cookie: {cookie}"] if cookie else []),
        base_url + route,
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=duration + 30, check=False)
    if completed.returncode != 0:
        raise BenchError(f"wrk failed on {route} ({completed.returncode}):\n{completed.stderr}{completed.stdout}")
    return parse_wrk(completed.stdout, shown or route, label)


def wrk_version(wrk):
    completed = subprocess.run([wrk, "-v"], capture_output=True, text=True, timeout=10, check=False)
    first = (completed.stdout or completed.stderr).splitlines()
    return first[0].split(" Copyright")[0].strip() if first else "unknown"


# --- the database ---------------------------------------------------------------------------


def is_postgres(url):
    return url.startswith(("postgres://", "postgresql://", "postgresql+psycopg://"))


def libpq_url(url):
    """The URL as psycopg reads it (without SQLAlchemy's ``+driver``)."""
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)


def with_database(url, name):
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def describe_database(url):
    """The database for the report, without any password."""
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        return "SQLite (file in a temporary directory)"
    host = parts.hostname or "localhost"
    return f"PostgreSQL on {host}:{parts.port or 5432} (fresh database, dropped afterwards)"


class PostgresDatabase:
    """A database of the benchmark's own on an existing server: created, then dropped."""

    def __init__(self, server_url):
        import psycopg

        self.psycopg = psycopg
        self.server_url = libpq_url(server_url)
        self.name = f"petition_bench_{os.getpid()}_{secrets.token_hex(4)}"
        self.url = with_database(server_url, self.name)
        self.version = "unknown"
        self.created = False

    def _admin(self):
        return self.psycopg.connect(self.server_url, autocommit=True, connect_timeout=10)

    def create(self):
        try:
            with self._admin() as connection:
                connection.execute(f'CREATE DATABASE "{self.name}"')
                self.created = True
                self.version = connection.execute("SHOW server_version").fetchone()[0]
        except self.psycopg.Error as error:
            raise BenchError(f"cannot create a database on {describe_database(self.server_url)}: {error}") from error

    def drop(self):
        if not self.created:
            return
        with self._admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.created = False


# --- the app --------------------------------------------------------------------------------


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_environment(database_url, port):
    env = dict(os.environ)
    env.update(
        SECRET_KEY=secrets.token_hex(32),
        IP_HASH_KEY=secrets.token_hex(32),
        DATABASE_URL=database_url,
        APP_ENV="production",
        RATELIMIT_ENABLED="false",
        RATELIMIT_STORAGE_URI="memory://",
        PUBLIC_URL=f"http://127.0.0.1:{port}",
        # Empty values take precedence over a developer's .env (python-dotenv does not override).
        MAIL_SERVER="",
        # The web processes only queue, as in production (docs/deploy.md); no mail worker runs, so
        # the sign forms received here stay in the intake, as the emails of the others in the outbox.
        MAIL_BACKGROUND_SENDER="false",
        PYTHONUNBUFFERED="1",
    )
    env.pop("TESTING", None)
    return env


def flask_command(env, *args):
    command = [sys.executable, "-m", "flask", "--app", "petition", *args]
    completed = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
    )
    if completed.returncode != 0:
        raise BenchError(f"`flask --app petition {' '.join(args)}` failed:\n{completed.stderr}{completed.stdout}")
    return completed.stdout.strip()


def fill_signatures(env, database_url, count):
    """Add ``count`` confirmed signatures with bench/fill.py; returns the seconds it took."""
    started = time.monotonic()
    command = [sys.executable, str(ROOT / "bench" / "fill.py"), database_url, str(count)]
    completed = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=FILL_TIMEOUT, check=False
    )
    if completed.returncode != 0:
        raise BenchError(f"bench/fill.py failed:\n{completed.stderr}{completed.stdout}")
    return time.monotonic() - started


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer of its own: the bench must not measure a page it was sent to instead."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def fetch(url, timeout=5.0, cookie=None):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with OPENER.open(request, timeout=timeout) as response:
        return response.status, response.read()


class Gunicorn:
    def __init__(self, env, port, workers, log_path):
        self.env, self.port, self.workers, self.log_path = env, port, workers, log_path
        self.base_url = f"http://127.0.0.1:{port}"
        self.process = None
        self.log = None

    def start(self):
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "wsgi:app",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            # gunicorn.conf.py recycles a worker every ~20,000 requests, which under wrk is every
            # few seconds: its restart would stall whichever route's run it fell in.
            "--max-requests",
            "0",
            "--log-level",
            "warning",
        ]
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        # A session of its own: Ctrl-C reaches this script only, which then stops gunicorn in order.
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                status, _ = fetch(self.base_url + "/healthz", timeout=2)
                if status == 200:
                    return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer /healthz within {STARTUP_TIMEOUT:.0f}s:\n{self.log_tail()}")

    def log_tail(self, lines=30):
        try:
            return "\n".join(Path(self.log_path).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # gunicorn's master stops its workers gracefully on SIGTERM
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=STOP_TIMEOUT)
        if self.log is not None:
            self.log.close()
            self.log = None


# --- the links people are given -------------------------------------------------------------


@dataclass(frozen=True)
class Links:
    """What one language's routes need: the values of the fields in their paths, and a signer's
    confirmation link to follow for the session of ``/<lang>/thanks``."""

    fields: dict
    to_confirm: str
    confirmer: str  # the signer's first name, which the thanks page shows after confirming


@contextlib.contextmanager
def app_context(env):
    """The app in this process, on the benchmark's database and with the server's secret key, so
    that the tokens it makes open the server's pages."""
    from petition import create_app
    from petition.extensions import db

    saved = dict(os.environ)
    os.environ.update(env)  # the app reads its settings from the environment, as in production
    try:
        app = create_app()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    with app.app_context():
        try:
            yield
        finally:
            db.session.remove()
            db.engine.dispose()


def lead_organisation():
    """The lead signatory's slug (the first organisation's if none leads): the organisation that
    ``fill.py`` credits most often, so its figures page is the heaviest."""
    from petition.endorsements.models import Endorsement
    from petition.extensions import db

    slug = db.session.execute(
        db.select(Endorsement.slug).order_by(Endorsement.is_lead.desc(), Endorsement.position).limit(1)
    ).scalar_one_or_none()
    if slug is None:
        raise BenchError("no endorsements were imported")
    return slug


def pending_signature(lang, role, first_name):
    """A signature submitted through the signing service, as the form submits one, not confirmed.

    It wants updates, so that its unsubscribe link shows the button, as for most who follow one.
    """
    from petition.extensions import db
    from petition.signing import service
    from petition.signing.forms import CONSENT_WORDING_VERSION
    from petition.signing.models import Signature

    signature_id = service.submit(
        service.Submission(
            first_name=first_name,
            last_name="Tremblay",
            email=f"bench-routes-{role}-{lang}@example.org",
            province="QC",
            city="Gatineau",
            display="full",
            wants_updates=True,
            consent_wording=CONSENT_WORDING_VERSION,
            lang=lang,
            ip_hash=None,
        )
    )
    return db.session.get(Signature, signature_id)


def language_links(lang):
    """The links of ``lang``'s routes, made by the app's own code (in an app context): the lead
    signatory's figures link, as ``flask endorsements stats-link`` prints it, and the links in the
    confirmation emails of two pending signatures, one to read and one to confirm."""
    from petition.sharing.stats import stats_token
    from petition.signing import tokens

    slug = lead_organisation()
    reader = pending_signature(lang, "reader", "Élodie")
    confirmer = pending_signature(lang, "confirmer", "François")
    return Links(
        fields={
            "slug": slug,
            "stats_token": stats_token(slug),
            "confirm_token": tokens.confirm_token(reader),
            "withdraw_token": tokens.withdraw_token(reader),
            "unsubscribe_token": tokens.unsubscribe_token(reader),
        },
        to_confirm=f"/{lang}/confirm/{tokens.confirm_token(confirmer)}",
        confirmer=confirmer.first_name,
    )


def visitor_links(env):
    """``language_links`` for every language, made on the benchmark's database before the server starts."""
    with app_context(env):
        return {lang: language_links(lang) for lang in LANGUAGES}


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def answer(opener, url, data=None):
    """Status, headers and body, whether a page, a redirect or an error page."""
    try:
        with opener.open(url, data=data, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def confirmed_session(base_url, lang, links):
    """The session cookie that confirming leaves, as a signer gets it: open the confirmation link,
    press the button (a POST with the page's CSRF token), and land on the thanks page."""
    jar = CookieJar()
    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPCookieProcessor(jar))
    url = base_url + links.to_confirm
    status, _, page = answer(opener, url)
    token = CSRF_FIELD.search(page.decode()) if status == 200 else None
    if token is None:
        raise BenchError(f"the confirmation page in {lang} answered {status} without its form")
    status, headers, _ = answer(opener, url, urlencode({"csrf_token": token.group(1)}).encode())
    if status != 303 or urlsplit(headers.get("Location", "")).path != f"/{lang}/thanks":
        raise BenchError(f"confirming in {lang} answered {status}, not a redirect to /{lang}/thanks")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    if links.confirmer not in get_ok(base_url, f"/{lang}/thanks", cookie).decode():
        raise BenchError(f"/{lang}/thanks does not greet the signer who has just confirmed")
    return cookie


# --- the report -----------------------------------------------------------------------------


def format_ms(value):
    return f"{value:.2f} ms" if value < 100 else f"{value:.0f} ms"


def evaluate(first, last, measured):
    """Table rows, the baseline's mean, and whether every target was met without errors."""
    baseline = (first.requests_per_second + last.requests_per_second) / 2
    rows, ok = [], True
    for result, target in [(first, None), *measured, (last, None)]:
        ratio = result.requests_per_second / baseline if baseline else 0.0
        if target is None:
            verdict = "—"
        elif result.errors:
            verdict, ok = "FAIL (errors)", False
        elif ratio >= target:
            verdict = "PASS"
        else:
            verdict, ok = "FAIL", False
        if result.errors and target is None:
            ok = False
        rows.append(
            "| {} | {:,.0f} | {} | {} | {:.2f} | {} | {} |".format(
                result.name,
                result.requests_per_second,
                format_ms(result.p50_ms),
                format_ms(result.p99_ms),
                ratio,
                f"≥ {target:.2f}" if target is not None else "—",
                verdict,
            )
        )
    return rows, baseline, ok


def render_table(first, last, measured):
    rows, baseline, ok = evaluate(first, last, measured)
    drift = (last.requests_per_second - first.requests_per_second) / baseline * 100 if baseline else 0.0
    lines = [
        "| route | requests/s | p50 | p99 | ratio to baseline | target | result |",
        "|---|---:|---:|---:|---:|---:|---|",
        *rows,
        "",
        f"Baseline: mean of the two `{BASELINE}` runs, {baseline:,.0f} requests/s "
        f"(drift from first to last: {drift:+.1f}%).",
    ]
    if abs(drift) > DRIFT_WARNING:
        lines.append("")
        lines.append(
            f"**The baseline drifted by {drift:+.1f}%**: something else used the CPU during the run; "
            "treat the ratios with caution and run again on a quiet machine."
        )
    errors = [r for r in [first, *(m for m, _ in measured), last] if r.errors]
    for result in errors:
        lines.append("")
        lines.append(f"**{result.route}: {result.errors} errors** (non-2xx/3xx responses or socket errors).")
    return "\n".join(lines), ok


def load_average():
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


def machine_facts(args, database_label, wrk_name, load_before, slug):
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
        ).stdout.strip()
    except OSError:
        commit = ""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        ("date", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("machine", f"{cores} cores (nproc), {cpu}, {platform.system()} {platform.release()}"),
        ("python", platform.python_version()),
        (
            "gunicorn",
            f"{importlib.metadata.version('gunicorn')}, {args.workers} sync workers, not recycled (`--max-requests 0`)",
        ),
        (
            "wrk",
            f"{wrk_name}: `-t{args.threads} -c{args.connections} -d{args.duration}s --latency`, "
            f"after a {args.warmup}s warm-up per route",
        ),
        ("database", database_label),
        (
            "made here",
            f"in each language a pending signature (its email's links) and one confirmed through its "
            f"page (the session of `/<lang>/thanks`); `<slug>` is `{slug}`, the lead signatory",
        ),
        # The run itself keeps about 3 processes busy, so the second figure is near 2 at best.
        ("load average (1 min)", f"{load_before} before the run, {load_average()} at its end"),
        ("commit", commit or "unknown"),
    ]


def render_facts(facts):
    return "\n".join(f"- {name}: {value}" for name, value in facts)


# --- the run --------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server on which to create a throwaway database "
        "(e.g. postgresql://postgres@127.0.0.1:5432/postgres); default: a temporary SQLite file",
    )
    parser.add_argument(
        "--signatures",
        type=int,
        default=0,
        help="confirmed signatures to add with bench/fill.py before gunicorn starts (default 0)",
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


def say(message):
    print(message, file=sys.stderr, flush=True)


def drop_quietly(postgres):
    """Drop a throwaway database; a failure is reported and the rest of the clean-up goes on."""
    try:
        postgres.drop()
    except Exception as error:  # noqa: BLE001 - report, and still remove the temporary files
        say(f"could not drop the database {postgres.name}: {error}")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def guarded(run, args):
    """``run(args)``, with SIGTERM (a CI timeout, ``kill``) cleaning up as Ctrl-C does.

    A bench error exits with status 2 and an interruption with 130, after ``run``'s own clean-up.
    """
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return run(args)
    except (BenchError, subprocess.TimeoutExpired) as error:
        say(f"error: {error}")
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        say("interrupted; what the run started was stopped and removed")
        raise SystemExit(130) from None


def check_tools():
    wrk = shutil.which("wrk")
    if wrk is None:
        raise BenchError("wrk is not installed (apt-get install wrk)")
    for module in ("gunicorn", "flask"):
        try:
            importlib.metadata.version(module)
        except importlib.metadata.PackageNotFoundError as error:
            raise BenchError(f"{module} is not installed for {sys.executable}; run with .venv/bin/python") from error
    return wrk


def get_ok(base_url, route, cookie=None):
    """The body of ``route``, which must answer 200 with something in it."""
    try:
        status, body = fetch(base_url + route, cookie=cookie)
    except urllib.error.HTTPError as error:
        raise BenchError(f"{route} answered {error.code}; not measuring an error page or a redirect") from error
    if status != 200 or not body:
        raise BenchError(f"{route} answered {status} with {len(body)} bytes")
    return body


def second_page(base_url):
    """The path of the signers list's second page (its "older" link), or None with a single page."""
    body = get_ok(base_url, SECOND_PAGE_OF).decode()
    match = re.search(r'<a href="([^"]+)" rel="next"', body)
    return html.unescape(match.group(1)) if match else None


@dataclass(frozen=True)
class Planned:
    """One measured request: the path asked for, its name in the table, and what goes with it."""

    path: str
    shown: str
    label: str = ""
    target: float | None = None
    cookie: str | None = None


def shown_fields(fields):
    """The fields as the table names them: ``<slug>``, and ``<token>`` for every token."""
    return {name: "<token>" if name.endswith("_token") else f"<{name}>" for name in fields}


def expand(route, links):
    """``route`` in each of its languages (once when it has none), as (language, path, shown)."""
    languages = LANGUAGES if "{lang}" in route.path else LANGUAGES[:1]
    for lang in languages:
        fields = links[lang].fields
        yield lang, route.path.format(lang=lang, **fields), route.path.format(lang=lang, **shown_fields(fields))


def plan(base_url, links):
    """Every request to measure, in order, each checked to answer 200."""
    planned = []
    for route in ROUTES:
        for lang, path, shown in expand(route, links):
            cookie = confirmed_session(base_url, lang, links[lang]) if route.after_confirming else None
            label = "after confirming" if route.after_confirming else ""
            planned.append(Planned(path, shown, label, route.target, cookie))
    older = second_page(base_url)
    if older is not None:
        planned.insert(
            [request.path for request in planned].index(SECOND_PAGE_OF) + 1,
            Planned(older, SECOND_PAGE_OF + "?before=…", "second page, not cached"),
        )
    check_answers(base_url, planned)
    return planned


def check_answers(base_url, planned):
    """The baseline and every planned request answer 200 (a redirect or an error page is not measured)."""
    get_ok(base_url, BASELINE)
    for request in planned:
        get_ok(base_url, request.path, request.cookie)


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
    postgres, server = None, None
    try:
        if args.database_url:
            postgres = PostgresDatabase(args.database_url)
            postgres.create()
            database_url = postgres.url
            database_label = f"{describe_database(args.database_url)}, server {postgres.version}"
        else:
            database_url = f"sqlite:///{workdir / 'petition.sqlite3'}"
            database_label = describe_database(database_url)
        port = free_port()
        env = app_environment(database_url, port)
        say(f"database: {database_label}")
        flask_command(env, "db", "upgrade")
        say(flask_command(env, "endorsements", "import"))
        if args.signatures:
            say(f"adding {args.signatures:,} confirmed signatures (bench/fill.py)")
            seconds = fill_signatures(env, database_url, args.signatures)
            database_label += f", {args.signatures:,} confirmed signatures (filled in {seconds:.0f}s)"
            say(f"  done in {seconds:.1f}s")
        else:
            database_label += ", no signatures"
        links = visitor_links(env)
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
        # A second Ctrl-C must not cut the clean-up short; every step of it is bounded in time.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if server is not None:
            server.stop()
        if postgres is not None:
            drop_quietly(postgres)
        shutil.rmtree(workdir, ignore_errors=True)


def target_status(ok, check, missed="some targets were missed"):
    """The exit status for the targets: a miss fails the run only with ``--check``."""
    if ok:
        return 0
    say(missed + ("" if check else " (not failing: run with --check)"))
    return 1 if check else 0


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
