"""``/api/count`` for counters and embeds, ``/healthz`` for load balancers."""

import re
import socket

import pytest

from petition.counts import forget_counts
from petition.extensions import db
from tests.support import make_app


@pytest.fixture
def app_config():
    """No background mail sender: these tests send no mail, and a sender left running would drain
    the outbox that other tests share."""
    return {"MAIL_BACKGROUND_SENDER": False}


def cache_directives(response):
    directives = {}
    for part in response.headers["Cache-Control"].split(","):
        name, _, value = part.strip().partition("=")
        directives[name.lower()] = value
    return directives


def test_count_before_any_import(client):
    response = client.get("/api/count")
    assert response.status_code == 200
    assert response.get_json() == {"signatures": 0, "endorsements": 0, "closed_at": None}


def test_count_reports_signatures_and_endorsements(client, endorsements):
    response = client.get("/api/count")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {"signatures": 0, "endorsements": 414, "closed_at": None}


def test_count_is_cacheable_for_a_few_seconds(client, endorsements):
    directives = cache_directives(client.get("/api/count"))
    assert "public" in directives
    assert int(directives["max-age"]) > 0
    assert int(directives["stale-while-revalidate"]) > 0
    assert "no-store" not in directives
    assert "private" not in directives


def test_count_can_be_read_from_any_site(client, endorsements):
    assert client.get("/api/count").headers["Access-Control-Allow-Origin"] == "*"


def test_count_answers_304_to_a_matching_etag(client, endorsements):
    first = client.get("/api/count")
    etag = first.headers["ETag"]
    assert re.fullmatch(r'(W/)?"[^"]+"', etag)

    again = client.get("/api/count", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert "max-age" in again.headers["Cache-Control"]

    other = client.get("/api/count", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200
    assert other.get_json() == {"signatures": 0, "endorsements": 414, "closed_at": None}


def test_the_etag_changes_with_the_counts(app, client, runner):
    empty = client.get("/api/count").headers["ETag"]
    runner.invoke(args=["endorsements", "import"])
    forget_counts()
    response = client.get("/api/count", headers={"If-None-Match": empty})
    assert response.status_code == 200
    assert response.get_json()["endorsements"] == 414
    assert response.headers["ETag"] != empty


def test_healthz_is_ok_with_a_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert "no-store" in response.headers["Cache-Control"]


def closed_port():
    """A loopback port with nothing listening on it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    "unreachable",
    [
        lambda tmp_path: f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/petition?connect_timeout=2",
        lambda tmp_path: f"sqlite:///{tmp_path / 'no-such-directory' / 'deeper' / 'petition.sqlite3'}",
    ],
    ids=["closed-port", "missing-directory"],
)
def test_healthz_is_503_when_the_database_is_unreachable(tmp_path, unreachable):
    app = make_app(unreachable(tmp_path), MAIL_BACKGROUND_SENDER=False)
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        body = response.get_json()
        assert body["status"] != "ok"
        assert body["database"] == "unreachable"
        assert "no-store" in response.headers["Cache-Control"]
        assert "Traceback" not in response.get_data(as_text=True)
    finally:
        with app.app_context():
            db.engine.dispose()
