"""The letter page's layout on phones and laptops: a way to sign within reach while reading, a
header in one row, counters side by side, nothing wider than the screen; axe-core with the list
unfolded and the sign bar showing."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import assert_no_serious_violations
from tests.browser.test_screenshots import horizontal_overflow

PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 320, "height": 640}


def scroll_to(page, selector, block="center"):
    page.locator(selector).first.evaluate(f"element => element.scrollIntoView({{block: '{block}'}})")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_on_a_phone_a_way_to_sign_stays_within_reach_while_reading(live_server, endorsements, browser_context, lang):
    page = browser_context(locale=f"{lang}-CA", viewport=PHONE, reduced_motion="reduce").new_page()
    page.goto(f"{live_server}/{lang}/")
    bar = page.locator("[data-sign-bar]")
    expect(page.locator(".hero-action .button")).to_be_in_viewport()
    expect(bar).to_be_hidden()  # the hero's button is there

    # Deep in the letter: the bar is there, slim, at the bottom of the screen.
    scroll_to(page, ".letter ol li:nth-of-type(2)")
    expect(bar).to_be_visible()
    box = bar.bounding_box()
    assert box["y"] + box["height"] == pytest.approx(PHONE["height"], abs=1)
    assert box["height"] <= 72, "a slim bar, not a banner"

    # With the form in view, the bar steps aside: it never sits on the form.
    scroll_to(page, "#sign-heading", block="start")
    expect(bar).to_be_hidden()

    # Nor on the footer.
    scroll_to(page, ".site-footer", block="end")
    expect(bar).to_be_hidden()

    # It leads to the form.
    scroll_to(page, ".letter ol li:nth-of-type(2)")
    bar.get_by_role("link").click()
    expect(page).to_have_url(f"{live_server}/{lang}/#sign")
    expect(page.locator("#sign-heading")).to_be_in_viewport()
    expect(bar).to_be_hidden()


def test_on_a_laptop_the_way_to_sign_waits_beside_the_letter(live_server, endorsements, page):
    page.goto(f"{live_server}/en/")
    bar = page.locator("[data-sign-bar]")
    expect(bar).to_be_hidden()  # the hero's button and the form are in view

    # Just past the form, still in the letter (which runs on well below it).
    page.evaluate("scrollTo(0, document.getElementById('sign').getBoundingClientRect().bottom + scrollY + 10)")
    expect(page.locator(".letter")).to_be_in_viewport()
    expect(bar).to_be_visible()
    letter = page.locator(".letter").bounding_box()
    button = bar.bounding_box()
    assert button["x"] > letter["x"] + letter["width"], "beside the letter, not on its text"

    # Over the list's columns it would hide names: it steps aside there.
    scroll_to(page, "#org-A")
    expect(bar).to_be_hidden()


def test_without_script_there_is_no_bar_and_the_heros_button_leads_to_the_form(
    live_server, endorsements, browser_context
):
    page = browser_context(viewport=PHONE, java_script_enabled=False).new_page()
    page.goto(f"{live_server}/en/")
    scroll_to(page, ".letter ol li:nth-of-type(2)")
    expect(page.locator("[data-sign-bar]")).to_be_hidden()
    page.locator(".hero-action .button").click()
    expect(page.locator("#sign-heading")).to_be_in_viewport()


@pytest.mark.parametrize("viewport", [SMALL_PHONE, PHONE], ids=["320", "390"])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_on_a_phone_the_header_is_one_row_and_the_counters_side_by_side(
    live_server, endorsements, browser_context, lang, viewport
):
    page = browser_context(locale=f"{lang}-CA", viewport=viewport).new_page()
    page.goto(f"{live_server}/{lang}/")
    name = page.locator(".site-name").bounding_box()
    switch = page.locator(".language-switch").bounding_box()
    assert abs((name["y"] + name["height"] / 2) - (switch["y"] + switch["height"] / 2)) < 2, "one row"
    assert name["x"] + name["width"] <= switch["x"]
    assert page.locator(".site-header").bounding_box()["height"] <= 64
    # The short name shows; the link keeps the full name for screen readers.
    full = {"en": "Open letter to the Prime Minister", "fr": "Lettre ouverte au premier ministre"}[lang]
    expect(page.get_by_role("link", name=full, exact=True)).to_be_visible()

    signatures, endorsements_ = (counter.bounding_box() for counter in page.locator(".counter").all())
    assert signatures["y"] == pytest.approx(endorsements_["y"], abs=1), "the counters sit side by side"

    overflow = horizontal_overflow(page)
    assert overflow["scrollWidth"] <= overflow["clientWidth"], overflow


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_hero_leaves_no_empty_half_on_a_laptop(live_server, endorsements, browser_context, lang):
    page = browser_context(locale=f"{lang}-CA").new_page()
    page.goto(f"{live_server}/{lang}/")
    title = page.locator(".hero h1").bounding_box()
    figures = page.locator(".hero-figures").bounding_box()
    assert figures["x"] > title["x"] + title["width"], "the figures and the action beside the title"
    assert page.locator(".hero").bounding_box()["height"] < 480
    expect(page.locator(".eyebrow")).to_have_count(0)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_reader_reaches_the_footer_without_scrolling_past_four_hundred_names(
    live_server, endorsements, browser_context, lang
):
    page = browser_context(locale=f"{lang}-CA", viewport=PHONE).new_page()
    page.goto(f"{live_server}/{lang}/")
    assert page.locator("[data-org-list] li:visible").count() <= 60
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 12 * PHONE["height"], f"the page is {height}px tall"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_page_passes_axe_with_the_list_unfolded_and_the_sign_bar_showing(
    live_server, endorsements, browser_context, lang
):
    page = browser_context(locale=f"{lang}-CA", viewport=PHONE, reduced_motion="reduce").new_page()
    page.goto(f"{live_server}/{lang}/")
    page.locator(".org-more > summary").click()
    scroll_to(page, ".letter ol li:nth-of-type(2)")
    expect(page.locator("[data-sign-bar]")).to_be_visible()
    assert_no_serious_violations(page)


@pytest.mark.parametrize("viewport", [SMALL_PHONE, {"width": 1280, "height": 800}], ids=["320", "1280"])
def test_the_share_tools_keep_their_shape(live_server, endorsements, browser_context, viewport):
    page = browser_context(locale="fr-CA", viewport=viewport).new_page()
    page.goto(f"{live_server}/fr/")
    networks = [item.bounding_box() for item in page.locator(".share-networks li").all()]
    rows = sorted({round(box["y"]) for box in networks})
    assert len(networks) == 6 and len(rows) == 2, "six networks in two rows of three, never 4 + 2"
    assert [sum(round(box["y"]) == row for box in networks) for row in rows] == [3, 3]
    assert len({round(box["height"]) for box in networks}) == 1, "no name wraps"
    copy = page.get_by_role("button", name="Copier le lien").bounding_box()
    field = page.locator("[data-share-url]").bounding_box()
    assert copy["height"] <= field["height"] + 1, "the copy button stays on one line beside the field"
