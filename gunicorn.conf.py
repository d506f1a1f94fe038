"""gunicorn's settings for the site: ``gunicorn -c gunicorn.conf.py wsgi:app``.

gunicorn also reads this file by itself when started from this folder. Every value comes from the
environment, with a default that suits nginx on the same machine (docs/deploy.md):

| variable | default | meaning |
|---|---|---|
| ``GUNICORN_BIND`` | ``127.0.0.1:$PORT`` | where to listen, e.g. ``unix:/run/petition/web.sock``; commas for several |
| ``PORT`` | ``8000`` | the port when ``GUNICORN_BIND`` is not set |
| ``WEB_CONCURRENCY`` | 2 × cores + 1 | worker processes |
| ``GUNICORN_THREADS`` | ``1`` | threads per worker; above 1 the worker class is gthread |
| ``GUNICORN_TIMEOUT``, ``GUNICORN_GRACEFUL_TIMEOUT`` | ``30``, ``30`` | seconds |
| ``GUNICORN_MAX_REQUESTS``, ``GUNICORN_MAX_REQUESTS_JITTER`` | ``20000``, ``2000`` | recycle workers |
| ``GUNICORN_ACCESS_LOG``, ``GUNICORN_ERROR_LOG`` | ``-`` (stdout, stderr) | a path; empty turns the access log off |
| ``GUNICORN_LOG_LEVEL`` | ``info`` | |
| ``GUNICORN_CONTROL_SOCKET`` | none | a path turns on gunicorn's control socket, for ``gunicornc`` |
| ``TRUSTED_PROXIES`` | ``0`` | the app's setting; above 0 gunicorn believes ``X-Forwarded-Proto`` |
| ``FORWARDED_ALLOW_IPS`` | ``127.0.0.1,::1`` | the proxies' addresses, when ``TRUSTED_PROXIES`` is above 0 |
"""

import functools
import logging
import os
import re
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from gunicorn.glogging import Logger


def env_int(name, default):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name}: expected a whole number, got {raw!r}") from None


def usable_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# Where to listen. Loopback by default: nginx in front is the only client (docs/deploy.md).
bind = [
    address.strip()
    for address in (os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{env_int('PORT', 8000)}").split(",")
    if address.strip()
]

workers = env_int("WEB_CONCURRENCY", 2 * usable_cores() + 1)

# Sync workers by default. A request here is short and mostly CPU (a template, a signed token, one
# transaction on a nearby database), so a process per request in flight uses both cores with no
# lock held between requests, and nginx buffers slow clients so none of them ties up a worker.
# The outbox sender is a thread of its own in each worker (petition/mail/background.py): it runs
# beside the sync worker's single request thread just as well as beside gthread's pool, and it
# never holds a request. GUNICORN_THREADS above 1 switches to gthread, for a proxy that does not
# buffer or for many slow clients.
threads = max(env_int("GUNICORN_THREADS", 1), 1)
worker_class = "gthread" if threads > 1 else "sync"

# Off, so that each worker builds the app after the fork: its own database pool, its own
# connection to Redis, its own sender thread (started by its first request, and checked against
# the process id), nothing opened in the master and shared by accident between processes, and a
# HUP or a recycled worker loads the current code.
preload_app = False

timeout = env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5  # gthread only; sync workers close after each response, as nginx expects by default
# A worker lives for about this many requests, a safety valve against slow leaks; the jitter keeps
# the workers from restarting all at once. Building the app costs under a second of CPU.
max_requests = env_int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = env_int("GUNICORN_MAX_REQUESTS_JITTER", 2000)
# The heartbeat file on memory, not on a disk that may stall.
if os.path.isdir("/dev/shm"):  # noqa: S108 - gunicorn's heartbeat files, no data
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# gunicorn believes X-Forwarded-Proto only from the proxies the app trusts, and from none when the
# app is told there is no proxy (then a client could claim https for a plain request).
trusted_proxies = env_int("TRUSTED_PROXIES", 0)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1") if trusted_proxies > 0 else ""

# gunicorn opens a control socket for gunicornc, by default one per user ($HOME/.gunicorn/), which
# two instances on one machine (the tests, a benchmark beside the site) would fight over. Off unless
# GUNICORN_CONTROL_SOCKET names a path; the signals do the same work (HUP, TTIN, TTOU, TERM).
if os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip():
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"].strip()
else:
    control_socket_disable = True

proc_name = "petition-web"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# The combined format plus the time taken in milliseconds. "r", "U", "q" and "f" are redacted by
# RedactingLogger below: the secret in a link from an email never reaches the log.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'


# Paths whose last part is a secret token: /<lang>/confirm/<token>[/resend], /<lang>/withdraw/<token>,
# /<lang>/unsubscribe/<token>, /mail/unsubscribe/<token>, /<lang>/o/<slug>/stats/<token>.
TOKEN_SEGMENT = r"(/(?:confirm|withdraw|unsubscribe|stats)/)"  # noqa: S105 - a pattern, not a token
TOKEN_IN_PATH = re.compile(TOKEN_SEGMENT + r"[^/?#\s]+", re.IGNORECASE)
# In a sentence that quotes a path, the quote after it is not part of the token.
TOKEN_IN_TEXT = re.compile(TOKEN_SEGMENT + r"[^/?#\s'\"]+", re.IGNORECASE)
PATH_MARK = "[token]"
QUERY_MARK = "[query]"
# What stays readable in a logged path; everything else is percent-encoded, so a request cannot
# write control characters or quotes into the log.
SAFE_IN_PATH = "/:@!$&'()*+,;=-._~[]"


def redact_target(target):
    """A request target (path and query) as it may be logged: tokens and query strings removed.

    The path is decoded before matching, so ``/en/%63onfirm/…`` is caught as well; query strings
    are dropped whole, since they can carry search terms such as an email address.
    """
    if not target:
        return target
    path, has_query, _ = target.partition("?")
    path = TOKEN_IN_PATH.sub(rf"\g<1>{PATH_MARK}", unquote(path, errors="replace"))
    return quote(path, safe=SAFE_IN_PATH, errors="backslashreplace") + (f"?{QUERY_MARK}" if has_query else "")


def redact_url(value):
    """A full URL (a Referer) with its path and query redacted like a request target."""
    if not value or value == "-":
        return value
    try:
        parts = urlsplit(value)
    except ValueError:
        return redact_target(value)
    if not parts.scheme and not parts.netloc:
        return redact_target(value)
    target = parts.path + (f"?{parts.query}" if parts.query or value.endswith("?") else "")
    return urlunsplit((parts.scheme, parts.netloc, "", "", "")) + redact_target(target)


def redact_atom(key, value, environ):
    """The value of one access-log atom, as it may be written."""
    if key == "r":
        raw_uri = environ.get("RAW_URI") or environ.get("PATH_INFO") or ""
        target = redact_target(raw_uri) if raw_uri.startswith("/") else redact_url(raw_uri)
        return f"{environ.get('REQUEST_METHOD', '-')} {target} {environ.get('SERVER_PROTOCOL', '-')}"
    if not isinstance(value, str):
        return value
    if key in ("U", "{raw_uri}e", "{path_info}e", "{request_uri}e"):
        return redact_target(value)
    if key in ("q", "{query_string}e"):
        return QUERY_MARK if value else ""
    if key in ("f", "{referer}i", "{http_referer}e"):
        return redact_url(value)
    if key.startswith("{"):
        # Any other header or variable that happens to carry such a path.
        return TOKEN_IN_PATH.sub(rf"\g<1>{PATH_MARK}", value)
    return value


def redact_logged(value):
    """A value in a line of the error log: a request target is redacted as in the access log, and
    any other text loses the tokens of the paths it quotes."""
    if not isinstance(value, str):
        return value
    if value.startswith("/"):
        return redact_target(value)
    return TOKEN_IN_TEXT.sub(rf"\g<1>{PATH_MARK}", value)


class RedactingErrorLog(logging.Filter):
    """The error log's lines that name a request ("Error handling request GET /en/confirm/…", a
    malformed request line, the debug line of each request) without its token or query string."""

    def filter(self, record):
        record.msg = redact_logged(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_logged(value) for value in record.args)
        return True


REDACTING_ERROR_LOG = RedactingErrorLog()


class RedactingLogger(Logger):
    """gunicorn's logger, with the secret parts of request lines and referrers taken out.

    Only the atoms that the access log's format writes are redacted (headers and variables
    lower-cased, as gunicorn looks them up), which keeps the cost to a few microseconds a request;
    the error log's lines go through ``RedactingErrorLog``.
    """

    def setup(self, cfg):
        super().setup(cfg)
        self.error_log.addFilter(REDACTING_ERROR_LOG)

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in atoms_in(self.cfg.access_log_format):
            if key in atoms:
                atoms[key] = redact_atom(key, atoms[key], environ)
        return atoms


@functools.cache
def atoms_in(log_format):
    """The names of the atoms that a format uses: ``'%(h)s "%(r)s"'`` gives ``("h", "r")``."""
    names = (name.lower() if name.startswith("{") else name for name in re.findall(r"%\(([^)]+)\)", log_format))
    return tuple(dict.fromkeys(names))


logger_class = RedactingLogger


def post_worker_init(worker):
    """Refuse to serve when the workers would each count the rate limits in their own memory: a
    worker that fails here stops gunicorn, with the message saying which setting to change."""
    from petition.config import refuse_per_process_limits

    config = getattr(worker.wsgi, "config", None)
    if config is not None:
        refuse_per_process_limits(config, worker.cfg.workers)


def worker_exit(server, worker):
    """Let the outbox sender thread finish the message in hand before the worker goes.

    A message cut off mid-send is not lost (its lease runs out and another sender takes it), but
    stopping cleanly avoids sending it twice.
    """
    app = getattr(worker, "wsgi", None)
    sender = getattr(app, "extensions", {}).get("outbox_sender")
    if sender is not None:
        sender.stop(timeout=min(graceful_timeout / 2, 10))
