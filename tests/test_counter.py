"""The counters as served: ``/api/count``'s caching and CORS, the goal the bar steps toward, the
counters of the cached letter page, and the embeddable counter that other sites may frame."""

import re
from html import unescape

import pytest
from flask import render_template
from sqlalchemy import update

from petition.config import ConfigError, load_config, parse_goals
from petition.counters import goal_for
from petition.counts import forget_counts
from petition.extensions import db
from petition.signing.models import SignatureCountShard
from tests.mailserver import link_in
from tests.signing_helpers import confirm_through_page, deliver, sign

NBSP = "\u00a0"
DEFAULT_GOALS = (1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000)


@pytest.fixture
def app_config(request):
    """Settings given by ``@pytest.mark.parametrize("app_config", [...], indirect=True)``; a test
    that asks for the mail server also gets the settings that send the app's mail there."""
    config = {"MAIL_BACKGROUND_SENDER": False, **getattr(request, "param", {})}
    if "mail_server" in request.fixturenames:
        config.update(request.getfixturevalue("mail_config"))
    return config


def set_signature_count(app, value):
    """Make the confirmed count ``value`` (the count is the sum of its shards)."""
    with app.app_context():
        db.session.execute(update(SignatureCountShard).values(count=0))
        db.session.execute(update(SignatureCountShard).where(SignatureCountShard.shard == 0).values(count=value))
        db.session.commit()
        db.session.remove()
    forget_counts()


def cache_directives(response):
    directives = {}
    for part in response.headers["Cache-Control"].split(","):
        name, _, value = part.strip().partition("=")
        directives[name.lower()] = value
    return directives


def text_of(fragment):
    return unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def hero(html):
    found = re.search(r'<div class="counters-panel"(.*?)<p class="visually-hidden" role="status"', html, flags=re.S)
    assert found, "the page has no counters panel"
    return found.group(0)


def counter_text(html, name):
    found = re.search(rf'data-counter="{name}"[^>]*>(.*?)<', html, flags=re.S)
    assert found, f"no {name} counter"
    return unescape(found.group(1)).strip()


def progress_bar(html):
    """``(value, max, text)`` of the bar toward the goal, or None when the page has none."""
    bar = re.search(r"<progress\b([^>]*)>", html)
    if bar is None:
        return None
    attributes = dict(re.findall(r'([a-z-]+)="([^"]*)"', bar.group(1)))
    label = re.search(rf'id="{attributes["aria-labelledby"]}"[^>]*>(.*?)</p>', html, flags=re.S)
    assert label, "the bar's label is missing"
    return int(attributes["value"]), int(attributes["max"]), text_of(label.group(1))


def data_attributes(html, marker):
    found = re.search(rf"<[a-z]+[^>]*\b{marker}\b[^>]*>", html, flags=re.S)
    assert found, f"no element marked {marker}"
    return {name: unescape(value) for name, value in re.findall(r'(data-[a-z-]+)="([^"]*)"', found.group(0))}


# /api/count


@pytest.mark.parametrize("app_config", [{"COUNT_MAX_AGE_SECONDS": 7, "COUNT_STALE_SECONDS": 45}], indirect=True)
def test_count_caching_comes_from_the_settings(client):
    response = client.get("/api/count")
    directives = cache_directives(response)
    assert "public" in directives
    assert directives["max-age"] == "7"
    assert directives["stale-while-revalidate"] == "45"


def test_count_has_cors_and_an_exposed_etag_on_200_and_304(client, endorsements):
    first = client.get("/api/count")
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert "etag" in first.headers["Access-Control-Expose-Headers"].lower()
    again = client.get("/api/count", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]


@pytest.mark.parametrize(
    "validator",
    ["{etag}", "W/{etag}", '"other", {etag}', "*"],
    ids=["strong", "weakened-by-a-proxy", "one-of-several", "star"],
)
def test_count_answers_304_to_any_matching_validator(client, endorsements, validator):
    etag = client.get("/api/count").headers["ETag"]
    response = client.get("/api/count", headers={"If-None-Match": validator.format(etag=etag)})
    assert response.status_code == 304
    assert response.get_data() == b""


def test_count_answers_200_once_the_count_changed(app, client, endorsements):
    etag = client.get("/api/count").headers["ETag"]
    set_signature_count(app, 3)
    response = client.get("/api/count", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.get_json() == {"signatures": 3, "endorsements": 414, "closed_at": None}
    assert response.headers["ETag"] != etag


def test_count_answers_a_cors_preflight(client):
    response = client.options(
        "/api/count",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "if-none-match" in response.headers["Access-Control-Allow-Headers"].lower()
    assert int(response.headers["Access-Control-Max-Age"]) > 0


def test_count_head_has_the_headers_and_no_body(client):
    response = client.head("/api/count")
    assert response.status_code == 200
    assert response.get_data() == b""
    assert response.headers["ETag"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_count_refuses_other_methods_with_a_json_405(client, method):
    response = client.open("/api/count", method=method)
    assert response.status_code == 405
    assert response.get_json()["error"]["status"] == 405
    assert "GET" in response.headers["Allow"]


# Goals


@pytest.mark.parametrize(
    ("count", "goal"),
    [
        (0, 1000),
        (999, 1000),
        (1000, 2500),
        (2499, 2500),
        (12345, 25000),
        (999_999, 1_000_000),
        (1_000_000, 2_000_000),
        (3_000_000, 4_000_000),
        (4_000_000, 8_000_000),
    ],
)
def test_the_goal_is_the_first_step_above_the_count_then_the_last_doubled(count, goal):
    assert goal_for(count, DEFAULT_GOALS) == goal
    assert goal > count


def test_no_steps_means_no_goal():
    assert goal_for(10, ()) is None


def test_the_default_goals_are_the_documented_steps():
    assert load_config("/tmp", environ={}, testing=True)["SIGNATURE_GOALS"] == DEFAULT_GOALS


@pytest.mark.parametrize(
    ("raw", "goals"),
    [
        (" 5000, 1000,1000 ", (1000, 5000)),
        ("250", (250,)),
        (250, (250,)),
        ([2500, "1000"], (1000, 2500)),
        ("", ()),
    ],
)
def test_goals_are_read_sorted_and_without_repeats(raw, goals):
    assert parse_goals(raw) == goals


@pytest.mark.parametrize("raw", ["lots", "0", "-5", "1.5", "1000;2000", "1e400", True, None])
def test_malformed_goals_stop_the_start_with_a_clear_message(raw):
    with pytest.raises(ConfigError, match="SIGNATURE_GOALS"):
        parse_goals(raw)


def test_counter_settings_are_read_from_the_environment():
    environ = {
        "SIGNATURE_GOALS": "100,200",
        "COUNTER_POLL_SECONDS": "2.5",
        "COUNT_MAX_AGE_SECONDS": "9",
        "COUNT_STALE_SECONDS": "0",
        "EMBED_MAX_AGE_SECONDS": "120",
    }
    config = load_config("/tmp", environ=environ, testing=True)
    assert config["SIGNATURE_GOALS"] == (100, 200)
    assert config["COUNTER_POLL_SECONDS"] == 2.5
    assert (config["COUNT_MAX_AGE_SECONDS"], config["COUNT_STALE_SECONDS"], config["EMBED_MAX_AGE_SECONDS"]) == (
        9,
        0,
        120,
    )


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("COUNTER_POLL_SECONDS", "0"),
        ("COUNTER_POLL_SECONDS", "soon"),
        ("COUNT_MAX_AGE_SECONDS", "-1"),
        ("COUNT_STALE_SECONDS", "inf"),
        ("EMBED_MAX_AGE_SECONDS", "true"),
    ],
)
def test_malformed_counter_settings_stop_the_start(name, raw):
    with pytest.raises(ConfigError, match=name):
        load_config("/tmp", environ={name: raw}, testing=True)


# The letter page's counters


@pytest.mark.parametrize(
    ("lang", "count", "goal"),
    [("en", "12,345", "25,000"), ("fr", f"12{NBSP}345", f"25{NBSP}000")],
)
def test_counters_and_progress_are_formatted_for_the_language(app, client, endorsements, lang, count, goal):
    set_signature_count(app, 12345)
    html = client.get(f"/{lang}/").get_data(as_text=True)
    assert counter_text(html, "signatures") == count
    assert counter_text(html, "endorsements") == "414"
    value, maximum, text = progress_bar(html)
    assert (value, maximum) == (12345, 25000)
    # The big figure gives the count; the bar's line names the goal (it reads the same at 4 and at 400,000).
    assert goal in text and count not in text
    assert "{" not in text
    settings = data_attributes(html, "data-count-url")
    assert settings["data-group-separator"] in count
    assert settings["data-count-url"] == "/api/count"


@pytest.mark.parametrize("app_config", [{"SIGNATURE_GOALS": (10, 20)}], indirect=True)
def test_past_the_last_goal_the_bar_aims_at_its_double(app, client):
    set_signature_count(app, 25)
    value, maximum, text = progress_bar(client.get("/en/").get_data(as_text=True))
    assert (value, maximum) == (25, 40)
    assert "40" in text


@pytest.mark.parametrize("app_config", [{"SIGNATURE_GOALS": ()}], indirect=True)
def test_without_goals_there_is_no_bar_but_the_counters_stay(app, client):
    set_signature_count(app, 25)
    html = client.get("/en/").get_data(as_text=True)
    assert progress_bar(html) is None
    assert counter_text(html, "signatures") == "25"


@pytest.mark.parametrize("app_config", [{"COUNTER_POLL_SECONDS": 3}], indirect=True)
def test_the_page_tells_the_script_how_often_to_ask(client):
    assert data_attributes(client.get("/en/").get_data(as_text=True), "data-count-url")["data-poll-seconds"] == "3"


def test_the_announcements_have_a_singular_and_a_plural_form(client):
    status = data_attributes(client.get("/en/").get_data(as_text=True), "data-counter-status")
    for name in ("signatures", "endorsements"):
        one, other = status[f"data-{name}-one"], status[f"data-{name}-other"]
        assert "{count}" in one and "{count}" in other
        assert one != other
    assert "{goal}" in status["data-goal-reached"] and "{next}" in status["data-goal-reached"]


def test_the_live_region_is_polite_and_starts_empty(client):
    html = client.get("/fr/").get_data(as_text=True)
    region = re.search(r'<p class="visually-hidden" role="status" data-counter-status[^>]*>(.*?)</p>', html, re.S)
    assert region and region.group(1) == ""


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_cached_page_shows_the_count_after_a_confirmation(app, client, endorsements, mail_server, lang):
    for _ in range(2):  # the second visit is served from the cached page
        html = client.get(f"/{lang}/").get_data(as_text=True)
        assert counter_text(html, "signatures") == "0"
        assert progress_bar(html)[:2] == (0, 1000)

    sign(client, lang)
    deliver(app)
    confirm_through_page(client, link_in(mail_server.messages[0], "confirm"))

    html = client.get(f"/{lang}/").get_data(as_text=True)
    assert counter_text(html, "signatures") == "1"
    assert progress_bar(html)[:2] == (1, 1000)
    assert client.get("/api/count").get_json()["signatures"] == 1


def test_each_visitor_of_the_cached_page_still_gets_their_own_form_token(app, endorsements):
    first = app.test_client().get("/en/").get_data(as_text=True)
    second = app.test_client().get("/en/").get_data(as_text=True)
    token = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
    assert token.search(first).group(1) != token.search(second).group(1)
    assert hero(first) == hero(second)


def test_a_page_filtered_without_the_cache_shows_the_same_counters(app, client, endorsements):
    set_signature_count(app, 2500)
    plain = client.get("/en/").get_data(as_text=True)
    filtered = client.get("/en/?q=mosque").get_data(as_text=True)
    assert hero(plain) == hero(filtered)
    assert progress_bar(filtered)[:2] == (2500, 5000)


# The embeddable counter


def test_the_embed_may_be_framed_by_any_site_but_the_letter_may_not(client, endorsements):
    embed = client.get("/en/embed")
    assert embed.status_code == 200
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers

    letter = client.get("/en/")
    assert letter.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in letter.headers["Content-Security-Policy"]
    # The rest of the policy holds on the embed too.
    assert "script-src 'self'" in embed.headers["Content-Security-Policy"]


@pytest.mark.parametrize("app_config", [{"EMBED_MAX_AGE_SECONDS": 90}], indirect=True)
def test_the_embed_is_publicly_cacheable_for_a_short_time_and_sets_no_cookie(client):
    response = client.get("/fr/embed")
    directives = cache_directives(response)
    assert "public" in directives and directives["max-age"] == "90"
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(("lang", "count"), [("en", "12,345"), ("fr", f"12{NBSP}345")])
def test_the_embed_shows_the_count_the_goal_and_a_link_that_opens_the_letter(app, client, lang, count):
    set_signature_count(app, 12345)
    html = client.get(f"/{lang}/embed").get_data(as_text=True)
    assert f'<html lang="{lang}-CA">' in html
    assert counter_text(html, "signatures") == count
    assert progress_bar(html)[:2] == (12345, 25000)
    link = re.search(r'<a class="embed-sign"([^>]*)>', html).group(1)
    assert f'href="http://localhost/{lang}/#sign"' in link
    assert 'target="_blank"' in link and 'rel="noopener"' in link
    # A page of its own: its stylesheet and the counter's script, not the site's layout.
    assert "css/embed.css" in html and "js/counter.js" in html
    assert "css/site.css" not in html and "site-header" not in html
    assert "<script>" not in html


@pytest.mark.parametrize("path", ["/de/embed", "/EN/embed", "/en/embed/extra", "/embed"])
def test_unknown_embed_addresses_are_404(client, path):
    response = client.get(path)
    assert response.status_code == 404


def test_the_embed_refuses_a_post_with_405(client):
    assert client.post("/en/embed").status_code == 405


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_snippet_gives_an_iframe_of_the_embed_to_copy(app, client, lang):
    with app.test_request_context(f"/{lang}/"):
        html = render_template("embed/_snippet.html", lang=lang)
    textarea = re.search(r"<textarea([^>]*)>(.*?)</textarea>", html, flags=re.S)
    assert textarea and "readonly" in textarea.group(1)
    field_id = re.search(r'id="([^"]+)"', textarea.group(1)).group(1)
    assert f'<label for="{field_id}">' in html

    code = unescape(textarea.group(2))
    iframe = re.fullmatch(r"<iframe ([^>]*)></iframe>", code)
    assert iframe, code
    attributes = dict(re.findall(r'([a-z]+)="([^"]*)"', iframe.group(1)))
    assert attributes["src"] == f"http://localhost/{lang}/embed"
    assert attributes["title"]
    assert attributes["style"] == "border:0"
    assert int(attributes["width"]) >= 300 and int(attributes["height"]) >= 150
    assert client.get(attributes["src"].removeprefix("http://localhost")).status_code == 200
