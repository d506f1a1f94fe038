"""axe-core on the public pages: no serious or critical violations.

The site's Content Security Policy forbids inline script, so ``page.add_script_tag`` cannot inject
axe; its source is evaluated through the DevTools protocol instead, which the policy does not govern.
"""

import json
from functools import cache
from pathlib import Path

import axe_playwright_python
import pytest

AXE_SCRIPT = Path(axe_playwright_python.__file__).resolve().parent / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}


@cache
def axe_source():
    return AXE_SCRIPT.read_text(encoding="utf-8")


def run_axe(page):
    page.evaluate(axe_source())
    return page.evaluate("axe.run(document, {resultTypes: ['violations']})")


def describe(violations):
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {json.dumps(node['target'])}: {node['html'][:160]}")
            if node.get("failureSummary"):
                lines.extend(f"      {line}" for line in node["failureSummary"].splitlines())
        if len(violation["nodes"]) > 5:
            lines.append(f"    ... and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


def assert_no_serious_violations(page):
    results = run_axe(page)
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]
    others = [v for v in results["violations"] if v["impact"] not in BLOCKING_IMPACTS]
    if others:
        print(f"Minor axe findings on {page.url}:\n{describe(others)}")
    assert not blocking, f"axe-core found serious or critical problems on {page.url}:\n{describe(blocking)}"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_letter_page(live_server, endorsements, browser_context, lang):
    page = browser_context(locale=f"{lang}-CA").new_page()
    page.goto(f"{live_server}/{lang}/")
    assert_no_serious_violations(page)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_filtered_letter_page(live_server, endorsements, browser_context, lang):
    """With the filter in use: hidden items, the status line, a query in the field."""
    page = browser_context(locale=f"{lang}-CA").new_page()
    page.goto(f"{live_server}/{lang}/?q=mosq#endorsements")
    assert_no_serious_violations(page)


@pytest.mark.parametrize("path", ["/en/no-such-page", "/fr/no-such-page", "/no-such-page"])
def test_not_found_page(live_server, browser_context, browser_errors, path):
    # Chromium logs the 404 status of the page itself as a console error.
    browser_errors.allow(r"Failed to load resource: the server responded with a status of 404")
    page = browser_context().new_page()
    response = page.goto(f"{live_server}{path}")
    assert response.status == 404
    assert_no_serious_violations(page)
