"""The site under gunicorn: its settings, limits shared through Redis by several processes or
refused in memory, and logs without secrets."""

import datetime
import logging
import os
import re
import subprocess
import sys

import pytest

from petition.config import ConfigError, load_config, refuse_per_process_limits
from tests.mailserver import free_port
from tests.processes import (
    GUNICORN_CONF,
    REDIS_URL,
    ROOT,
    START_TIMEOUT,
    Visitor,
    base_env,
    gunicorn,
    load_gunicorn_conf,
    start_gunicorn,
    stop,
)
from tests.signing_helpers import signatures, take_in_received
from tests.support import production_environ


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
        process = start_gunicorn(env, log)
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
    config = load_config(
        str(tmp_path),
        environ=production_environ(**settings),
    )
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
