"""The live counter in a real Chromium: the count moves without a reload after a confirmation made
elsewhere, the live region says so, the bar steps to the next goal; polling waits while the tab is
hidden, keeps one request at a time, and backs off on errors; the embeddable counter is framable
by another site, clean under axe-core, and looked at in screenshots."""

import threading
from itertools import pairwise
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import update
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from petition.counts import forget_counts
from petition.extensions import db
from petition.signing.models import SignatureCountShard
from tests.browser.test_accessibility import assert_no_serious_violations
from tests.browser.test_screenshots import horizontal_overflow
from tests.mailserver import link_in
from tests.signing_helpers import confirm_through_page, deliver, sign

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
NBSP = "\u00a0"
POLL_SECONDS = 0.25
# Counters that ask often and a count that no cache holds, so that a change shows within a second.
LIVE = {
    "COUNTER_POLL_SECONDS": POLL_SECONDS,
    "COUNT_CACHE_SECONDS": 0,
    "COUNT_MAX_AGE_SECONDS": 0,
    "COUNT_STALE_SECONDS": 0,
}


@pytest.fixture
def app_config(request):
    config = {**LIVE, **getattr(request, "param", {})}
    if "mail_server" in request.fixturenames:
        config.update(request.getfixturevalue("mail_config"))
    return config


def set_signature_count(app, value):
    with app.app_context():
        db.session.execute(update(SignatureCountShard).values(count=0))
        db.session.execute(update(SignatureCountShard).where(SignatureCountShard.shard == 0).values(count=value))
        db.session.commit()
        db.session.remove()
    forget_counts()


COUNT_FETCHES = """() => {
    // Record when the page asks for the count (in the page's own clock).
    window.countFetches = [];
    const original = window.fetch;
    window.fetch = (...args) => {
        if (String(args[0]).includes("/api/count")) window.countFetches.push(performance.now());
        return original(...args);
    };
}"""

SET_HIDDEN = """(hidden) => {
    // What the browser does when the tab goes to the background or comes back.
    Object.defineProperty(document, "hidden", {configurable: true, get: () => hidden});
    Object.defineProperty(document, "visibilityState", {configurable: true, get: () => hidden ? "hidden" : "visible"});
    document.dispatchEvent(new Event("visibilitychange"));
    return window.countFetches.length;
}"""


def fetches(page):
    return page.evaluate("window.countFetches.length")


def wait_for_fetches(page, count, timeout_ms=10_000):
    page.wait_for_function("(count) => window.countFetches.length >= count", arg=count, timeout=timeout_ms)


@pytest.mark.parametrize("app_config", [{"SIGNATURE_GOALS": (12345, 20000)}], indirect=True)
def test_the_count_moves_without_a_reload_after_a_confirmation_elsewhere(
    app, live_server, endorsements, mail_server, browser_context
):
    set_signature_count(app, 12344)
    page = browser_context(locale="fr-CA").new_page()
    page.goto(f"{live_server}/fr/")
    counter = page.locator("dd[data-counter=signatures]")
    bar = page.locator("#signature-goal")
    status = page.locator("[data-counter-status]")
    expect(counter).to_have_text(f"12{NBSP}344")
    assert bar.get_attribute("max") == "12345"
    assert status.inner_text() == ""
    page.evaluate("window.sameDocument = true")

    # Someone else signs and confirms, in another session.
    other = app.test_client()
    sign(other, "fr", email="quelquun@example.ca")
    deliver(app)
    confirm_through_page(other, link_in(mail_server.messages[0], "confirm"))

    expect(counter).to_have_text(f"12{NBSP}345")
    expect(status).to_contain_text(f"12{NBSP}345")
    # The goal was reached: the bar now aims at the next one, and the announcement says so.
    expect(bar).to_have_attribute("max", "20000")
    assert bar.evaluate("bar => bar.value") == 12345
    expect(page.locator("#signature-goal-text")).to_contain_text(f"20{NBSP}000")
    expect(status).to_contain_text(f"20{NBSP}000")
    assert page.evaluate("window.sameDocument") is True, "the page was reloaded"
    # The script writes the number exactly as the server would have.
    page.reload()
    expect(counter).to_have_text(f"12{NBSP}345")


@pytest.mark.parametrize("reduced_motion", ["no-preference", "reduce"])
def test_the_number_counts_up_unless_motion_is_reduced(app, live_server, browser_context, reduced_motion):
    page = browser_context(reduced_motion=reduced_motion).new_page()
    page.goto(f"{live_server}/en/")
    counter = page.locator("dd[data-counter=signatures]")
    expect(counter).to_have_text("0")
    page.evaluate(
        """() => {
            window.shownValues = [];
            const counter = document.querySelector("dd[data-counter=signatures]");
            new MutationObserver(() => window.shownValues.push(counter.textContent))
                .observe(counter, {childList: true, characterData: true, subtree: true});
        }"""
    )
    set_signature_count(app, 5000)
    expect(counter).to_have_text("5,000")
    shown = page.evaluate("window.shownValues")
    assert shown[-1] == "5,000"
    numbers = [int(text.replace(",", "")) for text in shown]
    assert numbers == sorted(numbers), f"the count went backwards: {shown}"
    if reduced_motion == "reduce":
        assert shown == ["5,000"]
    else:
        assert len(set(shown)) > 2, f"no count-up: {shown}"
        assert all(text == f"{number:,}" for text, number in zip(shown, numbers, strict=True))


def test_polling_waits_while_the_tab_is_hidden_and_resumes_at_once(app, live_server, browser_context):
    page = browser_context().new_page()
    page.goto(f"{live_server}/en/")
    page.evaluate(COUNT_FETCHES)
    wait_for_fetches(page, 2)

    page.evaluate(SET_HIDDEN, True)
    page.wait_for_timeout(POLL_SECONDS * 1000)  # one that was in flight may still land
    before = fetches(page)
    page.wait_for_timeout(POLL_SECONDS * 8 * 1000)
    assert fetches(page) == before, "the page asked for the count while hidden"

    set_signature_count(app, 7)
    # The request goes out in the same task as the event, not at the next tick of a timer.
    assert page.evaluate(SET_HIDDEN, False) == before + 1
    expect(page.locator("dd[data-counter=signatures]")).to_have_text("7")


def test_one_request_at_a_time(live_server, browser_context):
    page = browser_context().new_page()
    held = []
    page.route("**/api/count", lambda route: held.append(route))
    page.goto(f"{live_server}/en/")
    for _ in range(40):
        if held:
            break
        page.wait_for_timeout(100)
    assert len(held) == 1
    page.wait_for_timeout(POLL_SECONDS * 8 * 1000)
    assert len(held) == 1, "a second request went out while the first was unanswered"

    held[0].fulfill(status=200, content_type="application/json", body='{"signatures": 3, "endorsements": 0}')
    expect(page.locator("dd[data-counter=signatures]")).to_have_text("3")
    for _ in range(40):
        if len(held) > 1:
            break
        page.wait_for_timeout(100)
    assert len(held) == 2, "polling did not go on once the answer came"
    held[1].continue_()
    page.unroute("**/api/count")


def test_errors_slow_the_polling_down_then_it_recovers(app, live_server, browser_context, browser_errors):
    browser_errors.allow(r"status of 503")
    page = browser_context().new_page()
    page.route(
        "**/api/count",
        lambda route: route.fulfill(status=503, content_type="application/json", body='{"error": {"status": 503}}'),
    )
    page.goto(f"{live_server}/en/")
    page.evaluate(COUNT_FETCHES)
    wait_for_fetches(page, 4, timeout_ms=20_000)
    times = page.evaluate("window.countFetches")
    gaps = [later - earlier for earlier, later in pairwise(times)]
    # Without backoff the gaps would all be one poll interval; with it, each about doubles.
    assert gaps[-1] >= 2 * gaps[0], f"no backoff: gaps of {gaps} ms"
    assert all(gap >= POLL_SECONDS * 1000 for gap in gaps), gaps

    set_signature_count(app, 11)
    page.unroute("**/api/count")
    expect(page.locator("dd[data-counter=signatures]")).to_have_text("11", timeout=20_000)


class HostSite:
    """Another site (another origin: its own port) whose page frames ours."""

    def __init__(self, html):
        self.html = html
        self.server = make_server("127.0.0.1", 0, self.serve)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def serve(self, environ, start_response):
        return Response(self.html, mimetype="text/html")(environ, start_response)

    def __enter__(self):
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_port}/"

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)


def test_another_site_can_frame_the_embed_but_not_the_letter(app, live_server, browser_context, browser_errors):
    # Chromium reports the refused frame on the console, as it should.
    browser_errors.allow(r"frame-ancestors 'none'|Refused to display .* in a frame")
    set_signature_count(app, 1234)
    html = (
        "<!doctype html><html lang='en'><head><title>An organisation's site</title></head><body>"
        f"<iframe id='embed' src='{live_server}/en/embed' title='Counter' width='320' height='180'></iframe>"
        f"<iframe id='letter' src='{live_server}/en/' title='Letter' width='320' height='180'></iframe>"
        "</body></html>"
    )
    with HostSite(html) as host:
        page = browser_context().new_page()
        page.goto(host)
        embed = page.frame_locator("#embed")
        expect(embed.locator("[data-counter=signatures]")).to_have_text("1,234")
        expect(embed.get_by_role("link", name="Sign the letter")).to_have_attribute("target", "_blank")

        # It is live in the frame too.
        set_signature_count(app, 1235)
        expect(embed.locator("[data-counter=signatures]")).to_have_text("1,235")

        # The letter refuses: the browser puts its own error page in that frame instead.
        letter = page.locator("#letter").element_handle().content_frame()
        assert not letter.url.startswith(live_server), letter.url
        assert letter.locator("[data-counter]").count() == 0, "the letter page was shown in another site's frame"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_embed_is_clean_under_axe(app, live_server, browser_context, lang):
    set_signature_count(app, 1234)
    page = browser_context(locale=f"{lang}-CA", viewport={"width": 320, "height": 180}).new_page()
    page.goto(f"{live_server}/{lang}/embed")
    assert_no_serious_violations(page)


@pytest.mark.parametrize(
    ("name", "viewport"),
    [
        ("250x150", {"width": 250, "height": 150}),
        ("300x150", {"width": 300, "height": 150}),
        ("320x180", {"width": 320, "height": 180}),
        ("390", None),
    ],
)
@pytest.mark.parametrize(("lang", "count"), [("en", 12345), ("fr", 1234567)])
def test_embed_screenshots(app, live_server, browser_context, lang, count, name, viewport):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    set_signature_count(app, count)
    viewport = viewport or {"width": 390, "height": 220}
    page = browser_context(locale=f"{lang}-CA", viewport=viewport, reduced_motion="reduce").new_page()
    page.goto(f"{live_server}/{lang}/embed")
    path = SCREENSHOTS / f"embed-{lang}-{name}.png"
    path.unlink(missing_ok=True)
    page.screenshot(path=path)
    assert path.is_file() and path.stat().st_size > 1000
    overflow = horizontal_overflow(page)
    assert overflow["scrollWidth"] <= overflow["clientWidth"], f"the embed scrolls sideways: {overflow}"
    height = page.evaluate("[document.documentElement.scrollHeight, document.documentElement.clientHeight]")
    assert height[0] <= height[1], f"the embed does not fit in {viewport}: {height}"


@pytest.mark.parametrize(
    ("name", "viewport"), [("desktop", {"width": 1280, "height": 800}), ("phone", {"width": 390, "height": 844})]
)
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_hero_screenshots(app, live_server, endorsements, browser_context, lang, name, viewport):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    set_signature_count(app, 12345)
    page = browser_context(locale=f"{lang}-CA", viewport=viewport, reduced_motion="reduce").new_page()
    page.goto(f"{live_server}/{lang}/")
    hero = page.locator(".hero")
    expect(hero.locator("progress")).to_be_visible()
    path = SCREENSHOTS / f"counter-hero-{lang}-{name}.png"
    path.unlink(missing_ok=True)
    hero.screenshot(path=path)
    assert path.is_file() and path.stat().st_size > 1000
    overflow = horizontal_overflow(page)
    assert overflow["scrollWidth"] <= overflow["clientWidth"], f"the page scrolls sideways: {overflow}"
