"""Fixtures for the browser tests: Debian's Chromium driven by Playwright's sync API.

Playwright never downloads a browser here: the tests launch ``/usr/bin/chromium`` (``make chromium``
installs it). Every page opened in a context made by ``browser_context`` is watched; a console error
or an uncaught script error fails the test at teardown, unless the test declared it expected with
``browser_errors.allow(pattern)``.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 800}
BROWSER_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    """Every test in tests/browser drives a browser."""
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def playwright():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing (make chromium installs it)")
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class BrowserErrors:
    """Console errors and uncaught page errors seen during one test."""

    def __init__(self):
        self.seen = []
        self.allowed = []

    def allow(self, pattern):
        """Expect errors matching ``pattern`` (a regular expression), such as the 404 of an error page."""
        self.allowed.append(re.compile(pattern))

    def watch(self, context):
        context.on("console", self._on_console)
        context.on("weberror", self._on_page_error)

    def _on_console(self, message):
        if message.type == "error":
            location = message.location or {}
            where = location.get("url", "")
            if where and location.get("lineNumber") is not None:
                where += f":{location['lineNumber']}"
            self.seen.append(f"console error: {message.text}" + (f" ({where})" if where else ""))

    def _on_page_error(self, web_error):
        error = web_error.error
        page_url = web_error.page.url if web_error.page else ""
        self.seen.append(f"page error: {error.name}: {error.message} (on {page_url})\n{error.stack or ''}".rstrip())

    def unexpected(self):
        return [text for text in self.seen if not any(pattern.search(text) for pattern in self.allowed)]


@pytest.fixture
def browser_errors():
    return BrowserErrors()


@pytest.fixture
def browser_context(browser, browser_errors):
    """A factory of fresh browser contexts: ``browser_context(locale="fr-CA", viewport={...})``.

    The locale also sets the Accept-Language header. Other keyword arguments go to
    ``Browser.new_context`` (for instance ``java_script_enabled=False``). Contexts are closed, and
    the errors their pages logged are checked, when the test ends.
    """
    contexts = []

    def make(locale="en-CA", viewport=None, **options):
        context = browser.new_context(locale=locale, viewport=viewport or DESKTOP, **options)
        context.set_default_timeout(10_000)
        browser_errors.watch(context)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    unexpected = browser_errors.unexpected()
    if unexpected:
        pytest.fail("The browser reported errors:\n" + "\n".join(unexpected), pytrace=False)


@pytest.fixture
def page(browser_context):
    """A page in a fresh English, desktop-sized context, watched for errors."""
    return browser_context().new_page()
