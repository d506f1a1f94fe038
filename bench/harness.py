"""What every benchmark in bench/ shares: its throwaway database, the app's processes, wrk, and its exit.

Each script is run from the repository's root as ``python -m bench.<name>``, so that both ``bench``
and the app's package ``petition`` import from there, as the tests and gunicorn find them:

- the throwaway database: a SQLite file in the run's temporary directory, or a fresh
  ``petition_bench_<pid>_<random>`` database on the PostgreSQL server that ``--database-url``
  names, created here and dropped at the end (``ThrowawayDatabase``);
- the app: its production settings with a random secret key (``app_environment``), its commands
  (``flask_command``), the bulk fill (``fill_signatures``), the app in the script's own process on
  the same database (``app_context``), and ``gunicorn wsgi:app`` on a free port, started and stopped
  (``Gunicorn``);
- wrk runs and their figures (``run_wrk``, ``parse_wrk``);
- the exit: ``guarded`` turns SIGTERM into what Ctrl-C does, so that every run's ``finally`` cleans
  up on both, and gives the exit statuses that all the scripts share: 0 ok, 1 a target missed or a
  check failed, 2 the bench could not run (``BenchError``), 130 interrupted.
"""

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent  # the repository: gunicorn and flask run from here

STARTUP_TIMEOUT = 30.0  # seconds for gunicorn to answer /healthz
STOP_TIMEOUT = 10.0  # seconds for gunicorn to stop after SIGTERM before it is killed
COMMAND_TIMEOUT = 120.0  # seconds for a migration or import command
FILL_TIMEOUT = 1800.0  # seconds for bench.fill (a million rows take well under two minutes)


class BenchError(RuntimeError):
    """The benchmark cannot run; the message says why."""


def say(message):
    """Progress and errors go to stderr, so that stdout holds the report alone."""
    print(message, file=sys.stderr, flush=True)


# --- the exit -------------------------------------------------------------------------------


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


def hold_interrupts():
    """Ignore Ctrl-C and SIGTERM from here on: a second one must not cut a clean-up short, and
    every step of a clean-up is bounded in time."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def target_status(ok, check, missed="some targets were missed"):
    """The exit status for the targets: a miss fails the run only with ``--check``."""
    if ok:
        return 0
    say(missed + ("" if check else " (not failing: run with --check)"))
    return 1 if check else 0


# --- the throwaway database -----------------------------------------------------------------


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


def drop_quietly(postgres):
    """Drop a throwaway database; a failure is reported and the rest of the clean-up goes on."""
    try:
        postgres.drop()
    except Exception as error:  # noqa: BLE001 - report, and still remove the temporary files
        say(f"could not drop the database {postgres.name}: {error}")


class ThrowawayDatabase:
    """The run's own database: a SQLite file in its temporary directory, or, given ``server_url``, a
    fresh database on that PostgreSQL server. ``create()`` makes it, ``drop()`` removes it (the
    SQLite file goes with the temporary directory); ``label`` names it for the report."""

    def __init__(self, server_url, workdir, filename="petition.sqlite3"):
        self.server_url = server_url
        self.postgres = PostgresDatabase(server_url) if server_url else None
        self.url = f"sqlite:///{Path(workdir) / filename}"
        self.label = describe_database(self.url)

    def create(self):
        """Make the database; returns its URL."""
        if self.postgres is not None:
            self.postgres.create()
            self.url = self.postgres.url
            self.label = f"{describe_database(self.server_url)}, server {self.postgres.version}"
        return self.url

    def drop(self):
        if self.postgres is not None:
            drop_quietly(self.postgres)


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
        PRIVACY_CONTACT_EMAIL="privacy@letter.example.ca",  # production refuses to start without one
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
    """Add ``count`` confirmed signatures with bench.fill; returns the seconds it took."""
    started = time.monotonic()
    command = [sys.executable, "-m", "bench.fill", database_url, str(count)]
    completed = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=FILL_TIMEOUT, check=False
    )
    if completed.returncode != 0:
        raise BenchError(f"bench.fill failed:\n{completed.stderr}{completed.stdout}")
    return time.monotonic() - started


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


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer of its own: the bench must not measure a page it was sent to instead."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def fetch(url, timeout=5.0, cookie=None):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with OPENER.open(request, timeout=timeout) as response:
        return response.status, response.read()


def get_ok(base_url, route, cookie=None):
    """The body of ``route``, which must answer 200 with something in it."""
    try:
        status, body = fetch(base_url + route, cookie=cookie)
    except urllib.error.HTTPError as error:
        raise BenchError(f"{route} answered {error.code}; not measuring an error page or a redirect") from error
    if status != 200 or not body:
        raise BenchError(f"{route} answered {status} with {len(body)} bytes")
    return body


class ServerProcess:
    """A server started in a session of its own (``process``), its output in ``log_path``
    (``log``, open while it runs): stopped by SIGTERM, then SIGKILL to its whole group."""

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


class Gunicorn(ServerProcess):
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


# --- wrk ------------------------------------------------------------------------------------


def require_wrk():
    """The path of wrk, which every bench but the in-process ones needs."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise BenchError("wrk is not installed (apt-get install wrk)")
    return wrk


@dataclass(frozen=True)
class WrkResult:
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
    return WrkResult(
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


# --- the machine, for the reports -----------------------------------------------------------


def load_average():
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


def commit_id():
    """The short id of the commit checked out, or "" outside a git work tree."""
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
        ).stdout.strip()
    except OSError:
        return ""


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def core_count():
    """The cores this process may run on (as nproc counts them)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
