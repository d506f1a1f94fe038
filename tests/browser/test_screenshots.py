"""Screenshots of the letter page at 320, 390, 768 and 1280 px, for people to look at.

They go to test-artifacts/screenshots/ (ignored by git): ``<lang>-<width>x<height>-full.png`` is the
whole page, ``<lang>-<width>x<height>-top.png`` the first screen, and ``-filtered`` the list in use.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "phone-small": {"width": 320, "height": 640},
    "phone": {"width": 390, "height": 844},
    "tablet": {"width": 768, "height": 1024},
}


def horizontal_overflow(page):
    """How far the page scrolls sideways, and the elements that stick out on the right."""
    return page.evaluate(
        """() => {
            const root = document.documentElement;
            const wide = [];
            for (const element of document.body.querySelectorAll("*")) {
                const box = element.getBoundingClientRect();
                if (box.width && box.right > root.clientWidth + 0.5) {
                    wide.push(`${element.tagName.toLowerCase()}${element.className ? "." + element.className : ""}`
                              + ` right=${Math.round(box.right)}`);
                }
            }
            return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide: wide.slice(0, 10)};
        }"""
    )


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_letter_page_screenshots(live_server, endorsements, browser_context, lang, viewport):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser_context(locale=f"{lang}-CA", viewport=viewport, reduced_motion="reduce")
    page = context.new_page()
    page.goto(f"{live_server}/{lang}/")
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready")

    size = f"{viewport['width']}x{viewport['height']}"
    full = SCREENSHOTS / f"{lang}-{size}-full.png"
    top = SCREENSHOTS / f"{lang}-{size}-top.png"
    filtered = SCREENSHOTS / f"{lang}-{size}-filtered.png"
    for path in (full, top, filtered):
        path.unlink(missing_ok=True)

    page.screenshot(path=full, full_page=True)
    page.screenshot(path=top)

    page.get_by_role("searchbox").fill("mosquée")
    expect(page.locator("#org-status")).not_to_be_empty()
    page.locator("#endorsements").scroll_into_view_if_needed()
    page.screenshot(path=filtered)

    for path in (full, top, filtered):
        assert path.is_file() and path.stat().st_size > 1000, f"no screenshot at {path}"

    if viewport["width"] <= 320:
        page.get_by_role("searchbox").fill("")
        overflow = horizontal_overflow(page)
        assert overflow["scrollWidth"] <= overflow["clientWidth"], (
            f"the page scrolls sideways at {viewport['width']}px: {overflow}"
        )
