"""``/<lang>/provinces`` in a real Chromium: axe-core clean, no sideways scroll at phone and desktop
widths, and screenshots for people to look at (test-artifacts/screenshots/provinces-*.png)."""

import pytest

from tests.browser.test_accessibility import assert_no_serious_violations
from tests.browser.test_screenshots import SCREENSHOTS, horizontal_overflow

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
# Some of everything: counts over the minimum, one under it (and so one held back with it), outside Canada.
SIGNED = {"ON": 40, "QC": 25, "BC": 12, "AB": 9, "NS": 6, "YT": 7, "NU": 2, "XX": 5}


@pytest.fixture
def signed(signature_factory):
    for code, n in SIGNED.items():
        for i in range(n):
            signature_factory(f"{code.lower()}{i}@example.org", province=code)


@pytest.mark.parametrize("viewport", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_provinces_page(live_server, browser_context, signed, lang, viewport):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser_context(locale=f"{lang}-CA", viewport=viewport, reduced_motion="reduce").new_page()
    page.goto(f"{live_server}/{lang}/")
    page.locator(f'.counters-more a[href="/{lang}/provinces"]').click()
    page.wait_for_url(f"{live_server}/{lang}/provinces")

    name = SCREENSHOTS / f"provinces-{lang}-{viewport['width']}x{viewport['height']}.png"
    page.screenshot(path=name, full_page=True)

    assert page.get_by_role("heading", level=1).count() == 1
    assert page.get_by_role("img").first.get_attribute("aria-labelledby") == "map-title"
    assert page.get_by_role("table").locator("tbody tr").count() == 14
    overflow = horizontal_overflow(page)
    assert overflow["scrollWidth"] <= overflow["clientWidth"], overflow
    assert_no_serious_violations(page)


def test_the_page_reads_without_script(live_server, browser_context, signed):
    page = browser_context(java_script_enabled=False).new_page()
    page.goto(f"{live_server}/en/provinces")
    assert page.locator("path.shade-withheld").count() == 2
    assert "Yukon" in page.locator("path.shade-5").first.text_content()
    assert page.get_by_role("row", name="Nunavut").inner_text().endswith("fewer than 5")
