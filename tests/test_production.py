"""The site in production form: behind a proxy, limits shared through Redis by several app
processes under gunicorn, several mail workers on one outbox, and an access log without secrets."""

import datetime
import http.client
import logging
import os
import re
import runpy
import secrets
import select
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest
import redis

from petition.config import ConfigError, load_config, refuse_per_process_limits
from petition.config_values import parse_trusted_proxies as trusted_proxies
from petition.extensions import db
from petition.mail.models import OutboxMessage, OutboxStatus
from petition.signing import service
from petition.signing import tokens as signer_tokens
from petition.signing.forms import CONSENT_WORDING_VERSION
from petition.signing.models import Signature
from tests.conftest import TEST_IP_HASH_KEY, csrf_token_from
from tests.mailserver import free_port
from tests.signing_helpers import VALID, hashed, sign, signatures, take_in_received

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
# The key of the app processes these tests start (shared by them, as by the machines of a site).
PROCESS_SECRET_KEY = secrets.token_hex(32)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# Bounds on waiting for a process, not measurements: a healthy run takes a fraction of these.
START_TIMEOUT = 60
STOP_TIMEOUT = 30


# --- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [(0, 0), ("0", 0), ("1", 1), (2, 2), ("3.0", 3)])
def test_trusted_proxies_is_a_count(raw, expected):
    assert trusted_proxies(raw) == expected


@pytest.mark.parametrize("raw", ["-1", "two", "1.5", "", None, True, "inf"])
def test_a_malformed_trusted_proxies_is_a_config_error(raw):
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        trusted_proxies(raw)


def test_trusted_proxies_is_read_from_the_environment(tmp_path):
    config = load_config(str(tmp_path), environ={"SECRET_KEY": "k", "IP_HASH_KEY": "i", "TRUSTED_PROXIES": "2"})
    assert config["TRUSTED_PROXIES"] == 2
    assert load_config(str(tmp_path), environ={"SECRET_KEY": "k", "IP_HASH_KEY": "i"})["TRUSTED_PROXIES"] == 0


def test_redis_gets_socket_timeouts_unless_told_otherwise(tmp_path):
    """A Redis that hangs must not hang every request: the fallback needs an error to act on."""
    on_redis = load_config(
        str(tmp_path), environ={"SECRET_KEY": "k", "IP_HASH_KEY": "i", "RATELIMIT_STORAGE_URI": REDIS_URL}
    )
    options = on_redis["RATELIMIT_STORAGE_OPTIONS"]
    assert 0 < options["socket_timeout"] <= 5
    assert 0 < options["socket_connect_timeout"] <= 5
    chosen = load_config(
        str(tmp_path),
        environ={
            "SECRET_KEY": "k",
            "IP_HASH_KEY": "i",
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            "RATELIMIT_STORAGE_OPTIONS": '{"socket_timeout": 3}',
        },
    )
    assert chosen["RATELIMIT_STORAGE_OPTIONS"] == {"socket_timeout": 3}
    in_memory = load_config(str(tmp_path), environ={"SECRET_KEY": "k", "IP_HASH_KEY": "i"})
    assert "RATELIMIT_STORAGE_OPTIONS" not in in_memory


# --- the real client behind a proxy -------------------------------------------------------------


def sign_from(client, headers, lang="en", **fields):
    """Sign with ``headers`` on every request, as a proxy would add them."""
    token = csrf_token_from(client.get(f"/{lang}/", headers=headers).get_data(as_text=True))
    response = client.post(f"/{lang}/sign", data={**VALID, "csrf_token": token, **fields}, headers=headers)
    take_in_received(client.application)
    return response


class TestBehindOneProxy:
    @pytest.fixture
    def app_config(self):
        return {"TRUSTED_PROXIES": 1, "RATELIMIT_ENABLED": True, "SIGNING_RATE_LIMIT": "2 per hour"}

    def test_the_signature_records_the_address_the_proxy_saw(self, app, client):
        # The client sent its own X-Forwarded-For; nginx appended the address it really came from.
        headers = {"X-Forwarded-For": "198.51.100.66, 203.0.113.7", "X-Forwarded-Proto": "https"}
        # Over https, the CSRF check also wants a Referer from the site itself, as browsers send.
        headers["Referer"] = "https://localhost/en/"
        assert sign_from(client, headers).status_code == 303
        [signature] = signatures(app)
        assert signature.ip_hash == hashed("203.0.113.7")

    def test_limits_count_each_real_client_and_a_forged_header_does_not_escape(self, app, client):
        first = {"X-Forwarded-For": "203.0.113.7"}
        assert sign_from(client, first, email="a1@example.org").status_code == 303
        assert sign_from(client, first, email="a2@example.org").status_code == 303
        # The same client, pretending to be someone else before the proxy's entry.
        forged = {"X-Forwarded-For": "192.0.2.99, 203.0.113.7"}
        assert sign_from(client, forged, email="a3@example.org").status_code == 429
        # Another person behind the same proxy has limits of their own.
        second = {"X-Forwarded-For": "203.0.113.8"}
        assert sign_from(client, second, email="b1@example.org").status_code == 303
        assert sorted(s.ip_hash for s in signatures(app)) == sorted(
            map(hashed, ["203.0.113.7", "203.0.113.7", "203.0.113.8"])
        )

    def test_the_scheme_and_host_come_from_the_proxy(self, app, client):
        seen = {}

        @app.get("/__seen")
        def record_seen():
            from flask import request

            seen.update(scheme=request.scheme, host=request.host, addr=request.remote_addr)
            return ""

        client.get(
            "/__seen",
            headers={
                "X-Forwarded-For": "203.0.113.7",
                "X-Forwarded-Proto": "https",
                "X-Forwarded-Host": "letter.example.ca",
            },
        )
        assert seen == {"scheme": "https", "host": "letter.example.ca", "addr": "203.0.113.7"}


class TestWithoutAProxy:
    @pytest.fixture
    def app_config(self):
        return {"TRUSTED_PROXIES": 0, "RATELIMIT_ENABLED": True, "SIGNING_RATE_LIMIT": "2 per hour"}

    def test_x_forwarded_for_is_ignored(self, app, client):
        assert sign_from(client, {"X-Forwarded-For": "203.0.113.7"}).status_code == 303
        [signature] = signatures(app)
        assert signature.ip_hash == hashed("127.0.0.1")

    def test_a_client_cannot_change_its_address_to_escape_the_limit(self, app, client):
        for n in range(2):
            headers = {"X-Forwarded-For": f"203.0.113.{n}"}
            assert sign_from(client, headers, email=f"c{n}@example.org").status_code == 303
        response = sign_from(client, {"X-Forwarded-For": "203.0.113.200"}, email="c9@example.org")
        assert response.status_code == 429
        assert len(signatures(app)) == 2


# --- limits that a real campaign can live with --------------------------------------------------


def queue_signature(app, email, lang="en"):
    """A pending signature made the way the form makes one; returns its id."""
    with app.test_request_context(f"/{lang}/sign", method="POST"):
        ident = service.submit(
            service.Submission(
                first_name="Sam",
                last_name="Lee",
                email=email,
                province="ON",
                city=None,
                display="full",
                wants_updates=False,
                consent_wording=CONSENT_WORDING_VERSION,
                lang=lang,
                ip_hash=hashed("127.0.0.1"),
            )
        )
        db.session.remove()
    return ident


def confirm_token_for(app, ident):
    with app.app_context():
        token = signer_tokens.confirm_token(db.session.get(Signature, ident))
        db.session.remove()
    return token


class TestDefaultLimits:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True}

    def test_a_cafe_behind_one_address_can_all_sign_and_confirm(self, app, client):
        people = 30
        for n in range(people):
            assert sign(client, email=f"cafe{n}@example.org").status_code == 303, n
        page = client.get("/en/").get_data(as_text=True)
        csrf = csrf_token_from(page)
        for signature in signatures(app):
            token = confirm_token_for(app, signature.id)
            response = client.post(f"/en/confirm/{token}", data={"csrf_token": csrf})
            assert response.status_code == 303, signature.email
        assert all(s.status == "confirmed" for s in signatures(app))
        assert len(signatures(app)) == people


class TestConfirmAndResendLimits:
    @pytest.fixture
    def app_config(self):
        return {
            "RATELIMIT_ENABLED": True,
            "CONFIRM_RATE_LIMIT": "2 per hour",
            "RESEND_RATE_LIMIT": "1 per hour",
            "SIGNING_RATE_LIMIT": "5 per hour",
        }

    def test_confirming_has_a_limit_of_its_own_on_post_only(self, app, client):
        csrf = csrf_token_from(client.get("/en/").get_data(as_text=True))
        assert client.post("/en/confirm/not-a-token", data={"csrf_token": csrf}).status_code == 400
        assert client.post("/en/confirm/not-a-token", data={"csrf_token": csrf}).status_code == 400
        limited = client.post("/en/confirm/not-a-token", data={"csrf_token": csrf})
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) > 0
        # Opening a link is not limited (mail scanners open them), and signing counts apart.
        assert client.get("/en/confirm/not-a-token").status_code == 400
        assert sign(client).status_code == 303

    def test_resending_has_a_limit_of_its_own(self, app, client):
        csrf = csrf_token_from(client.get("/en/").get_data(as_text=True))
        assert client.post("/en/confirm/not-a-token/resend", data={"csrf_token": csrf}).status_code == 400
        assert client.post("/en/confirm/not-a-token/resend", data={"csrf_token": csrf}).status_code == 429
        assert client.post("/en/confirm/not-a-token", data={"csrf_token": csrf}).status_code == 400


# --- Redis down ---------------------------------------------------------------------------------


class TestRedisDown:
    @pytest.fixture
    def app_config(self):
        # Nothing listens on this port: every call to the storage fails at once.
        return {
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{free_port()}/0",
            "SIGNING_RATE_LIMIT": "3 per hour",
        }

    def test_signing_goes_on_and_is_still_limited_in_memory(self, app, client):
        statuses = [sign(client, email=f"r{n}@example.org").status_code for n in range(4)]
        assert statuses == [303, 303, 303, 429]
        assert len(signatures(app)) == 3
        assert client.get("/healthz").status_code == 200


# --- gunicorn -----------------------------------------------------------------------------------


def base_env(database_url, **settings):
    """A clean environment for a process of the app: only what the test chooses."""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if name in os.environ}
    env.update(
        PYTHONUNBUFFERED="1",
        SECRET_KEY=PROCESS_SECRET_KEY,
        IP_HASH_KEY=TEST_IP_HASH_KEY,
        DATABASE_URL=database_url,
        PUBLIC_URL="http://localhost",
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


def test_gunicorn_check_config_loads_the_app(migrated_database):
    command = [sys.executable, "-m", "gunicorn", "--check-config", "-c", str(GUNICORN_CONF), "wsgi:app"]
    ok = subprocess.run(command, cwd=ROOT, env=base_env(migrated_database), capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # It really builds the app: without a SECRET_KEY the check fails and says why.
    env = base_env(migrated_database)
    del env["SECRET_KEY"]
    broken = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert broken.returncode != 0
    assert "SECRET_KEY" in broken.stdout + broken.stderr


def test_gunicorn_defaults(monkeypatch):
    conf = load_gunicorn_conf(monkeypatch)
    assert conf["bind"] == ["127.0.0.1:8000"]
    assert conf["workers"] == 2 * len(os.sched_getaffinity(0)) + 1
    assert conf["worker_class"] == "sync"
    assert conf["preload_app"] is False
    assert conf["max_requests"] > 0 and 0 < conf["max_requests_jitter"] < conf["max_requests"]
    assert conf["graceful_timeout"] > 0 and conf["timeout"] > 0
    # No proxy: nobody may claim https through a header.
    assert conf["forwarded_allow_ips"] == ""
    assert conf["control_socket_disable"] is True


def test_gunicorn_settings_from_the_environment(monkeypatch):
    conf = load_gunicorn_conf(monkeypatch, PORT="9001", WEB_CONCURRENCY="3", GUNICORN_THREADS="4", TRUSTED_PROXIES="1")
    assert conf["bind"] == ["127.0.0.1:9001"]
    assert conf["workers"] == 3
    assert (conf["worker_class"], conf["threads"]) == ("gthread", 4)
    assert conf["forwarded_allow_ips"] == "127.0.0.1,::1"
    conf = load_gunicorn_conf(
        monkeypatch,
        GUNICORN_BIND="unix:/run/petition/web.sock, 127.0.0.1:8001",
        PORT="1",
        GUNICORN_CONTROL_SOCKET="/run/petition/gunicorn.ctl",
    )
    assert conf["bind"] == ["unix:/run/petition/web.sock", "127.0.0.1:8001"]
    assert conf["control_socket"] == "/run/petition/gunicorn.ctl"
    assert "control_socket_disable" not in conf


def test_a_malformed_number_stops_gunicorn_with_its_name(monkeypatch):
    with pytest.raises(SystemExit, match="GUNICORN_TIMEOUT"):
        load_gunicorn_conf(monkeypatch, GUNICORN_TIMEOUT="soon")


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
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_serving(process, port, log_path)
            yield port
        finally:
            stop(process)


@pytest.fixture
def redis_limits():
    """A Redis to count limits in, under a key prefix of this test's own, removed afterwards."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({error}); .ci/run starts it")
    prefix = f"petition-test-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        yield client, prefix
    finally:
        for key in client.scan_iter(match=f"*{prefix}*"):
            client.delete(key)
        client.close()


def test_two_app_processes_share_rate_limits_through_redis(app, migrated_database, redis_limits, tmp_path):
    client, prefix = redis_limits
    env = base_env(
        migrated_database,
        RATELIMIT_STORAGE_URI=REDIS_URL,
        RATELIMIT_KEY_PREFIX=prefix,
        SIGNING_RATE_LIMIT="5 per hour",
    )
    with gunicorn(env, tmp_path, "a") as port_a, gunicorn(env, tmp_path, "b") as port_b:
        visitors = [Visitor(port_a), Visitor(port_b)]
        statuses = [visitors[n % 2].sign(email=f"shared{n}@example.org") for n in range(6)]
        assert statuses == [303, 303, 303, 303, 303, 429], "the sixth sign-up, on the second process"
        assert visitors[0].sign(email="shared9@example.org") == 429, "and the first process agrees"
    # Those processes send no mail, so nothing of theirs takes the forms in: this is their sender.
    assert take_in_received(app) == 5
    assert len(signatures(app)) == 5
    assert any(client.scan_iter(match=f"*{prefix}*")), "the limits were counted in Redis"


def test_gunicorn_refuses_several_workers_that_would_each_count_limits_in_memory(migrated_database, tmp_path):
    """With memory:// each worker counts on its own: the real limits would be the settings times
    the workers. gunicorn stops at once and says what to set."""
    env = base_env(migrated_database, WEB_CONCURRENCY="2", GUNICORN_BIND=f"127.0.0.1:{free_port()}")
    log_path = tmp_path / "refused.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            process.wait(START_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
        finally:
            stop(process)
    output = log_path.read_text()
    assert process.returncode != 0, output
    assert "RATELIMIT_STORAGE_URI" in output and "RATELIMIT_ALLOW_PER_PROCESS" in output, output


def test_gunicorn_starts_with_limits_in_memory_when_told_to_or_with_one_worker(migrated_database, tmp_path):
    allowed = base_env(migrated_database, WEB_CONCURRENCY="2", RATELIMIT_ALLOW_PER_PROCESS="true")
    with gunicorn(allowed, tmp_path, "allowed") as port:
        assert Visitor(port).request("GET", "/en/")[0] == 200
    with gunicorn(base_env(migrated_database, WEB_CONCURRENCY="1"), tmp_path, "one") as port:
        assert Visitor(port).request("GET", "/en/")[0] == 200
    for name in ("allowed", "one"):
        assert "RATELIMIT_STORAGE_URI" not in (tmp_path / f"{name}.log").read_text()


@pytest.mark.parametrize(
    ("settings", "workers", "refused"),
    [
        ({}, 2, True),
        ({}, 1, False),
        ({"RATELIMIT_STORAGE_URI": "memory://"}, 5, True),
        ({"RATELIMIT_ALLOW_PER_PROCESS": "true"}, 5, False),
        ({"RATELIMIT_ENABLED": "false"}, 5, False),  # a load test: no limits to count
        ({"RATELIMIT_STORAGE_URI": REDIS_URL}, 5, False),
    ],
)
def test_limits_counted_in_memory_are_refused_for_several_workers(tmp_path, settings, workers, refused):
    config = load_config(str(tmp_path), environ={"SECRET_KEY": "k", "IP_HASH_KEY": "i", **settings})
    if refused:
        with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
            refuse_per_process_limits(config, workers)
    else:
        refuse_per_process_limits(config, workers)


SECRETS = {
    "confirm": "/en/confirm/CONFIRMsecret1.abc",
    "resend": "/fr/confirm/RESENDsecret2.abc/resend",
    "withdraw": "/fr/withdraw/WITHDRAWsecret3.abc?utm_source=QUERYsecret4",
    "unsubscribe": "/en/unsubscribe/UNSUBsecret5.abc",
    "one-click": "/mail/unsubscribe/ONECLICKsecret6.abc",
    "stats": "/en/o/no-such-organisation/stats/STATSsecret7.abc",
    "encoded": "/en/%63onfirm/ENCODEDsecret8.abc",
    "search": "/en/signatures?before=elodie%40example.ca",
}


def test_the_access_log_keeps_tokens_and_query_strings_out(app, migrated_database, tmp_path):
    with gunicorn(base_env(migrated_database), tmp_path, "web") as port:
        visitor = Visitor(port)
        for path in SECRETS.values():
            method = "POST" if path.endswith("/resend") or path.startswith("/mail/") else "GET"
            status, _ = visitor.request(method, path)
            assert 400 <= status < 500, (path, status)
        referrer = "http://localhost/en/confirm/REFERERsecret9.abc?x=1"
        assert visitor.request("GET", "/healthz", headers={"Referer": referrer})[0] == 200
    log = (tmp_path / "web-access.log").read_text()
    lines = log.splitlines()
    assert len(lines) >= len(SECRETS) + 1, log
    for secret in re.findall(r"[A-Z]+secret\d", " ".join([*SECRETS.values(), referrer])):
        assert secret not in log, f"{secret} is in the access log:\n{log}"
    assert "elodie" not in log
    assert '"GET /en/confirm/[token] HTTP/1.1" 400' in log
    assert '"POST /fr/confirm/[token]/resend HTTP/1.1"' in log
    assert '"GET /fr/withdraw/[token]?[query] HTTP/1.1"' in log
    assert '"POST /mail/unsubscribe/[token] HTTP/1.1"' in log
    assert '"GET /en/o/no-such-organisation/stats/[token] HTTP/1.1" 404' in log
    assert '"GET /en/signatures?[query] HTTP/1.1" 400' in log
    assert '"GET /healthz HTTP/1.1" 200' in log
    assert '"http://localhost/en/confirm/[token]?[query]"' in log


def test_a_custom_access_log_format_is_redacted_too(monkeypatch):
    from gunicorn.config import Config
    from gunicorn.glogging import SafeAtoms

    conf = load_gunicorn_conf(monkeypatch)
    config = Config()
    log_format = '%(U)s?%(q)s "%({Referer}i)s" %({x-original-uri}i)s %({raw_uri}e)s %(s)s'
    config.set("access_log_format", log_format)
    logger = conf["RedactingLogger"](config)
    path = "/fr/unsubscribe/UNSUBsecret5.abc"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path + "?email=elodie%40example.ca",
        "PATH_INFO": path,
        "QUERY_STRING": "email=elodie%40example.ca",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://letter.example.ca/en/confirm/CONFIRMsecret1.abc",
    }
    headers = [("REFERER", environ["HTTP_REFERER"]), ("X-ORIGINAL-URI", path)]
    response = type("Response", (), {"status": "200 OK", "sent": 10, "headers": []})()
    request = type("Request", (), {"headers": headers})()
    atoms = logger.atoms(response, request, environ, datetime.timedelta(milliseconds=3))
    line = log_format % SafeAtoms(atoms)
    assert line == (
        '/fr/unsubscribe/[token]?[query] "https://letter.example.ca/en/confirm/[token]" '
        "/fr/unsubscribe/[token] /fr/unsubscribe/[token]?[query] 200"
    )


def test_the_error_log_keeps_tokens_and_query_strings_out(monkeypatch):
    """gunicorn's own lines name the request too: an error that escapes the app, a malformed
    request line, the debug line of every request."""
    from gunicorn.config import Config

    conf = load_gunicorn_conf(monkeypatch)
    config = Config()
    config.set("loglevel", "debug")
    logger = conf["RedactingLogger"](config)
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logger.error_log.addHandler(handler)
    try:
        raise RuntimeError("while streaming")
    except RuntimeError:
        logger.exception("Error handling request %s %s", "GET", "/en/confirm/CONFIRMsecret1.abc?x=QUERYsecret4")
    logger.warning("Invalid request from ip=192.0.2.1: Invalid HTTP request line: 'GET /fr/withdraw/WITHDRAWsecret3'")
    request = type("Request", (), {"method": "POST", "path": "/en/unsubscribe/UNSUBsecret5.abc"})()
    config.pre_request(type("Worker", (), {"log": logger})(), request)  # gunicorn's own hook
    assert lines == [
        "Error handling request GET /en/confirm/[token]?[query]",
        "Invalid request from ip=192.0.2.1: Invalid HTTP request line: 'GET /fr/withdraw/[token]'",
        "POST /en/unsubscribe/[token]",
    ]


# --- two mail workers on one outbox -------------------------------------------------------------


def start_mail_worker(env):
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "petition", "mail", "worker", "--poll", "0.05"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def wait_for_line(process, pattern):
    """Read the process's output until a line matches; returns the match."""
    deadline = time.monotonic() + START_TIMEOUT
    seen = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if ready:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                break
            seen.append(line)
            match = re.search(pattern, line)
            if match:
                return match
    raise AssertionError(f"no line matching {pattern!r} from the worker:\n{''.join(seen)}")


def outbox_statuses(app):
    with app.app_context():
        rows = db.session.execute(db.select(OutboxMessage.status, OutboxMessage.claimed_by)).all()
        db.session.remove()
    return rows


def test_a_stopped_mail_worker_finishes_its_batch_and_takes_no_other(monkeypatch):
    from petition.mail import outbox

    stopping = threading.Event()
    batches = []

    def one_batch(claimant):
        batches.append(claimant)
        stopping.set()  # SIGTERM arrives while this batch is being sent
        return 50, 50

    monkeypatch.setattr(outbox, "take_in_all", lambda: 0)
    monkeypatch.setattr(outbox, "drain", one_batch)
    assert outbox.drain_all("worker:test", stopping) == 50
    assert batches == ["worker:test"]


def test_a_mail_worker_drains_batch_after_batch_until_nothing_is_due(monkeypatch):
    from petition.mail import outbox

    results = iter([(50, 50), (50, 49), (3, 3), (0, 0)])
    monkeypatch.setattr(outbox, "take_in_all", lambda: 0)
    monkeypatch.setattr(outbox, "drain", lambda claimant: next(results))
    assert outbox.drain_all("worker:test", threading.Event()) == 102
    assert next(results, None) is None, "it stopped only when nothing was left"


class TestTwoMailWorkers:
    MESSAGES = 40

    @pytest.fixture
    def app_config(self, mail_config):
        return mail_config

    def test_every_message_is_sent_exactly_once(self, app, mail_server, migrated_database):
        env = base_env(
            migrated_database,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=mail_server.port,
            MAIL_DEFAULT_SENDER="Open letter <letter@example.org>",
            # One message per claim, so that the two workers take turns on the same rows.
            MAIL_BATCH_SIZE=1,
        )
        workers = [start_mail_worker(env), start_mail_worker(env)]
        try:
            names = [wait_for_line(worker, r"Mail worker (\S+) started")[1] for worker in workers]
            for n in range(self.MESSAGES):
                queue_signature(app, f"worker{n}@example.org", lang="fr" if n % 2 else "en")
            mail_server.wait_for(self.MESSAGES, timeout=START_TIMEOUT)
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline:
                if all(status == OutboxStatus.SENT for status, _ in outbox_statuses(app)):
                    break
                time.sleep(0.05)
        finally:
            for worker in workers:
                stop(worker)
        outputs = [worker.stdout.read() for worker in workers]
        for worker, output in zip(workers, outputs, strict=True):
            worker.stdout.close()
            assert worker.returncode == 0, output
            assert "Mail worker stopped." in output

        rows = outbox_statuses(app)
        assert len(rows) == self.MESSAGES
        assert all(status == OutboxStatus.SENT for status, _ in rows), rows
        assert {claimant for _, claimant in rows} <= set(names)
        with app.app_context():
            expected = set(db.session.execute(db.select(OutboxMessage.message_id)).scalars())
            attempts = set(db.session.execute(db.select(OutboxMessage.attempts)).scalars())
            db.session.remove()
        received = [message["Message-ID"] for message in mail_server.messages]
        assert len(received) == self.MESSAGES, "no message twice"
        assert set(received) == expected, "every message once"
        assert attempts == {1}
        # Which worker sent how many: shown with -s, not asserted (it depends on scheduling).
        print({name: sum(claimant == name for _, claimant in rows) for name in names})
