"""The letter page's defences: its security headers (on errors too), no inline script for the
policy to allow, nothing loaded from another host, and crawlers kept out of the admin."""

import re
from html import unescape

import pytest

from tests.test_letter import LANGS, attribute, attribute_values, page


def assert_security_headers(response):
    policy = response.headers["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert "script-src" in directives
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("path", ["/en/", "/fr/", "/en/?q=mosquee", "/", "/language/fr", "/robots.txt"])
def test_security_headers_on_pages(client, endorsements, path):
    assert_security_headers(client.get(path))


@pytest.mark.parametrize("path", ["/de/", "/fr/no-such-page", "/api/nope"])
def test_security_headers_on_errors(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert_security_headers(response)


def test_no_inline_script(client, endorsements):
    html = page(client, "/en/")
    for script in re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S):
        attributes, content = script
        assert "src=" in attributes
        assert content.strip() == ""
    assert not re.search(r"\son[a-z]+=", html), "inline event handlers would be blocked by the policy"


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_loads_nothing_from_another_host(client, endorsements, lang):
    html = page(client, f"/{lang}/")
    own_absolute_links = {
        attribute(tag, "href")
        for tag in re.findall(r"<link\b[^>]*>", html)
        if re.search(r'\srel="(canonical|alternate)"', tag)
    }
    # Links that people follow (<a href>: the share panel's networks, mailto:) load nothing.
    loaded = re.sub(r"<a\b[^>]*>", "", html)
    for name in ("src", "href", "action", "srcset", "poster", "data"):
        for value in attribute_values(loaded, name):
            value = unescape(value)
            if value in own_absolute_links:
                assert value.startswith("http://localhost/")
                continue
            assert not re.match(r"\s*([a-z][a-z0-9+.-]*:|//)", value, flags=re.I), f"{name}={value!r}"
    assert "@import" not in html
    assert "url(http" not in html


def test_robots_txt_keeps_crawlers_out_of_admin(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "Disallow: /admin/" in response.get_data(as_text=True)
