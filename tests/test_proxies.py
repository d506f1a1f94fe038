"""The site behind a proxy: the settings that say how many there are, and the client address,
scheme and host believed from them."""

import pytest

from petition.config import ConfigError, load_config
from petition.config_values import parse_trusted_proxies as trusted_proxies
from tests.processes import (
    REDIS_URL,
)
from tests.signing_helpers import VALID, hashed, signatures, take_in_received
from tests.support import csrf_token_from, production_environ

# --- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [(0, 0), ("0", 0), ("1", 1), (2, 2), ("3.0", 3)])
def test_trusted_proxies_is_a_count(raw, expected):
    assert trusted_proxies(raw) == expected


@pytest.mark.parametrize("raw", ["-1", "two", "1.5", "", None, True, "inf"])
def test_a_malformed_trusted_proxies_is_a_config_error(raw):
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        trusted_proxies(raw)


def test_trusted_proxies_is_read_from_the_environment(tmp_path):
    config = load_config(
        str(tmp_path),
        environ=production_environ(TRUSTED_PROXIES="2"),
    )
    assert config["TRUSTED_PROXIES"] == 2
    assert load_config(str(tmp_path), environ=production_environ())["TRUSTED_PROXIES"] == 0


def test_redis_gets_socket_timeouts_unless_told_otherwise(tmp_path):
    """A Redis that hangs must not hang every request: the fallback needs an error to act on."""
    on_redis = load_config(
        str(tmp_path),
        environ=production_environ(RATELIMIT_STORAGE_URI=REDIS_URL),
    )
    options = on_redis["RATELIMIT_STORAGE_OPTIONS"]
    assert 0 < options["socket_timeout"] <= 5
    assert 0 < options["socket_connect_timeout"] <= 5
    chosen = load_config(
        str(tmp_path),
        environ=production_environ(RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_STORAGE_OPTIONS='{"socket_timeout": 3}'),
    )
    assert chosen["RATELIMIT_STORAGE_OPTIONS"] == {"socket_timeout": 3}
    in_memory = load_config(str(tmp_path), environ=production_environ())
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
