"""Processes of the app for the tests of its production form: gunicorn started from the
repository's root with ``gunicorn.conf.py``, the environment it is given, a visitor that talks to it
over HTTP, and the Redis that several processes share limits through."""

import http.client
import os
import runpy
import secrets
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from tests.mailserver import free_port
from tests.signing_helpers import VALID
from tests.support import TEST_IP_HASH_KEY, csrf_token_from

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
# The key of the app processes these tests start (shared by them, as by the machines of a site).
PROCESS_SECRET_KEY = secrets.token_hex(32)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# Bounds on waiting for a process, not measurements: a healthy run takes a fraction of these.
START_TIMEOUT = 60
STOP_TIMEOUT = 30


def base_env(database_url, **settings):
    """A clean environment for a process of the app: only what the test chooses."""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if name in os.environ}
    env.update(
        PYTHONUNBUFFERED="1",
        SECRET_KEY=PROCESS_SECRET_KEY,
        IP_HASH_KEY=TEST_IP_HASH_KEY,
        DATABASE_URL=database_url,
        PUBLIC_URL="http://localhost",
        # Production refuses to start without a privacy contact, and localhost gives none.
        PRIVACY_CONTACT_EMAIL="privacy@letter.example.ca",
        # Mail would land in the project's instance/ folder; these processes send none.
        MAIL_BACKGROUND_SENDER="false",
    )
    env.update({name: str(value) for name, value in settings.items()})
    return env


GUNICORN_VARIABLES = (
    "GUNICORN_BIND",
    "PORT",
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
    "GUNICORN_TIMEOUT",
    "TRUSTED_PROXIES",
    "GUNICORN_CONTROL_SOCKET",
)


def load_gunicorn_conf(monkeypatch, **env):
    for name in GUNICORN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(GUNICORN_CONF))


class Visitor:
    """Someone with a cookie jar, talking HTTP to one server."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data.decode("utf-8", "replace")

    def sign(self, **fields):
        status, page = self.request("GET", "/en/")
        assert status == 200, page
        data = {**VALID, "csrf_token": csrf_token_from(page), **fields}
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.request("POST", "/en/sign", urlencode(data), headers)[0]


def start_gunicorn(env, log):
    """gunicorn as production starts it, from the repository's root with ``gunicorn.conf.py``; its
    output goes to ``log``, and it runs in a session of its own, so that it can be stopped whole."""
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_until_serving(process, port, log_path):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            if Visitor(port).request("GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"gunicorn did not answer within {START_TIMEOUT}s:\n{log_path.read_text()}")


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def gunicorn(env, log_dir, name):
    """The app under gunicorn with gunicorn.conf.py, one worker unless ``env`` says, on a free port."""
    port = free_port()
    log_path = log_dir / f"{name}.log"
    env = {"WEB_CONCURRENCY": "1", **env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    env.setdefault("GUNICORN_ACCESS_LOG", str(log_dir / f"{name}-access.log"))
    with log_path.open("w") as log:
        process = start_gunicorn(env, log)
        try:
            wait_until_serving(process, port, log_path)
            yield port
        finally:
            stop(process)
