"""The privacy page in a real Chromium: reached from the footer, in both languages, axe-core clean."""

import pytest

from tests.browser.test_accessibility import assert_no_serious_violations


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_privacy_page_from_the_footer(live_server, browser_context, lang):
    page = browser_context(locale=f"{lang}-CA").new_page()
    page.goto(f"{live_server}/{lang}/signatures")

    page.locator(f'footer a[href="/{lang}/privacy"]').click()

    page.wait_for_url(f"{live_server}/{lang}/privacy")
    assert page.locator("html").get_attribute("lang") == f"{lang}-CA"
    assert page.get_by_role("heading", level=1).count() == 1
    assert page.get_by_role("heading", level=2).count() >= 5
    assert_no_serious_violations(page)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_privacy_page_on_a_phone(live_server, browser_context, lang):
    page = browser_context(locale=f"{lang}-CA", viewport={"width": 320, "height": 640}).new_page()
    page.goto(f"{live_server}/{lang}/privacy")

    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert_no_serious_violations(page)
