"""A visitor's way through the letter page in a real browser: language, the endorsement list, keyboard."""

import re
import unicodedata

import pytest
from playwright.sync_api import expect

ORGANISATIONS = 413  # the bundled list without its lead signatory
FIRST_PART = 50  # the organisations under A, shown at once; the rest is folded away
MOSQ = 34  # organisations whose name contains "mosq"
MOSQUEE = 7  # ... "mosquée", accents or not


def folded(text):
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def visible_organisations(page):
    return page.locator("[data-org-list] li:visible")


def status_number(page):
    """The first number that the status line announces, as an int ("Showing 34 of 413 ...")."""
    text = page.locator("#org-status").inner_text()
    match = re.search(r"\d[\d\s\u00a0\u202f,]*", text)
    assert match, f"the status line announces no count: {text!r}"
    return int(re.sub(r"\D", "", match.group()))


def test_root_follows_the_browser_language_then_the_visitors_choice(live_server, endorsements, browser_context):
    page = browser_context(locale="fr-CA").new_page()

    page.goto(f"{live_server}/")
    expect(page).to_have_url(f"{live_server}/fr/")
    expect(page.locator("html")).to_have_attribute("lang", "fr-CA")

    switch = page.locator("a.language-switch")
    expect(switch).to_be_visible()
    expect(switch).to_have_text("English")
    switch.click()
    expect(page).to_have_url(f"{live_server}/en/")
    expect(page.locator("html")).to_have_attribute("lang", "en-CA")

    # The browser still prefers French; the explicit choice wins.
    page.goto(f"{live_server}/")
    expect(page).to_have_url(f"{live_server}/en/")


def test_english_browser_lands_on_english(live_server, endorsements, page):
    page.goto(f"{live_server}/")
    expect(page).to_have_url(f"{live_server}/en/")
    expect(page.locator("html")).to_have_attribute("lang", "en-CA")
    expect(page.locator("a.language-switch")).to_have_attribute("hreflang", "fr-CA")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_filter_narrows_the_list_as_one_types(live_server, endorsements, browser_context, lang):
    page = browser_context(locale=f"{lang}-CA").new_page()
    page.goto(f"{live_server}/{lang}/")
    organisations = visible_organisations(page)
    status = page.locator("#org-status")
    field = page.get_by_role("searchbox")
    more = page.locator("[data-org-more]")
    expect(organisations).to_have_count(FIRST_PART)  # the rest is folded away
    expect(page.locator("[data-org-list] li")).to_have_count(ORGANISATIONS)
    expect(status).to_have_text("")
    expect(page.locator("[data-org-submit]")).to_be_hidden()  # typing filters: no button needed

    # The filter searches the whole list, the folded part included ("mosq" names are under M).
    field.press_sequentially("mosq")
    expect(organisations).to_have_count(MOSQ)
    expect(status).to_contain_text(str(MOSQ))
    expect(status).to_contain_text(str(ORGANISATIONS + 1))  # the heading's number, the lead included
    assert status_number(page) == MOSQ
    assert all("mosq" in folded(name) for name in organisations.all_inner_texts())
    expect(page.locator(".org-more > summary")).to_be_hidden()

    # Accents do not matter, either way round.
    for query in ("mosquée", "mosquee", "MOSQUÉE"):
        field.fill(query)
        expect(organisations).to_have_count(MOSQUEE)
        expect(status).to_contain_text(str(MOSQUEE))
    names = organisations.all_inner_texts()
    assert any("Mosquée" in name for name in names) and any("Mosquee" in name for name in names)
    expect(page.locator(".org-group:visible .org-letter")).to_have_text(["M"])  # empty letters step aside

    field.fill("no such organisation zzz")
    expect(organisations).to_have_count(0)
    expect(page.locator(".lead-signatory")).to_be_hidden()
    expect(status).to_contain_text("no such organisation zzz")

    # Clearing the filter folds the list again, as it was.
    field.fill("")
    expect(organisations).to_have_count(FIRST_PART)
    expect(more).not_to_have_attribute("open", "")
    expect(page.locator(".lead-signatory")).to_be_visible()
    expect(status).to_have_text("")

    # Enter filters in place; the page does not reload.
    field.fill("mosq")
    field.press("Enter")
    expect(organisations).to_have_count(MOSQ)
    expect(page).to_have_url(f"{live_server}/{lang}/")


@pytest.mark.parametrize("script", [True, False], ids=["script", "no-script"])
def test_the_rest_of_the_list_is_one_click_away(live_server, endorsements, browser_context, script):
    page = browser_context(java_script_enabled=script).new_page()
    page.goto(f"{live_server}/en/")
    organisations = visible_organisations(page)
    expect(organisations).to_have_count(FIRST_PART)

    page.get_by_text(f"Show the other {ORGANISATIONS - FIRST_PART} organisations").click()
    expect(organisations).to_have_count(ORGANISATIONS)
    page.get_by_text("Show fewer organisations").click()
    expect(organisations).to_have_count(FIRST_PART)


@pytest.mark.parametrize("script", [True, False], ids=["script", "no-script"])
def test_the_index_leads_to_a_letter_in_the_folded_part(live_server, endorsements, browser_context, script):
    page = browser_context(java_script_enabled=script, viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"{live_server}/en/")
    index = page.get_by_role("navigation", name="Organisations by first letter")
    expect(index.get_by_role("link")).to_have_count(24)
    expect(index.get_by_role("link", name="Q", exact=True)).to_have_count(0)  # no organisation under Q

    index.get_by_role("link", name="W", exact=True).click()
    expect(page).to_have_url(re.compile(r"#org-W$"))
    heading = page.locator("#org-W")
    expect(heading).to_be_visible()
    expect(heading).to_be_in_viewport()
    expect(page.locator("#org-W + ul li").first).to_be_visible()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_filter_works_without_javascript(live_server, endorsements, browser_context, lang):
    page = browser_context(locale=f"{lang}-CA", java_script_enabled=False).new_page()
    page.goto(f"{live_server}/{lang}/")
    organisations = visible_organisations(page)
    expect(organisations).to_have_count(FIRST_PART)
    expect(page.locator("[data-org-submit]")).to_be_visible()

    field = page.get_by_role("searchbox")
    field.fill("mosquee")
    field.press("Enter")
    expect(page).to_have_url(re.compile(rf"/{lang}/\?q=mosquee#endorsements$"))
    expect(organisations).to_have_count(MOSQUEE)  # found in the folded part
    expect(field).to_have_value("mosquee")
    assert status_number(page) == MOSQUEE

    field.fill("mosq")
    page.locator("[data-org-submit]").click()
    expect(organisations).to_have_count(MOSQ)
    assert status_number(page) == MOSQ

    field.fill("")
    page.locator("[data-org-submit]").click()
    expect(organisations).to_have_count(FIRST_PART)
    expect(page.locator("#org-status")).to_have_text("")


def test_an_order_in_an_old_link_is_ignored(live_server, endorsements, page):
    page.goto(f"{live_server}/en/?order=az")
    expect(visible_organisations(page)).to_have_count(FIRST_PART)
    expect(page.locator("select")).to_have_count(1)  # the form's province; no order control


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_first_tab_reaches_the_skip_link(live_server, endorsements, browser_context, lang):
    page = browser_context(locale=f"{lang}-CA").new_page()
    page.goto(f"{live_server}/{lang}/")

    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    box = skip.bounding_box()
    assert box and box["y"] >= 0 and box["height"] > 0

    page.keyboard.press("Enter")
    expect(page.locator("main#content")).to_be_focused()
    # The next Tab goes into the page, not back to the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('content').contains(document.activeElement)")


INTERFACE_TEXT = ", ".join(
    (
        "title",
        "h1",
        "h2",
        "label",
        "button",
        "dt",
        "legend",
        ".hero-summary",
        ".org-more summary",
        ".sign-bar",
        ".lead-label",
        ".skip-link",
        ".site-name",
        ".site-footer",
    )
)


def test_french_page_has_no_english_interface_text(live_server, endorsements, browser_context):
    """Every heading, label and button of /fr/ differs from its English counterpart."""
    texts = {}
    for lang in ("en", "fr"):
        page = browser_context(locale=f"{lang}-CA").new_page()
        page.goto(f"{live_server}/{lang}/")
        texts[lang] = page.locator(INTERFACE_TEXT).evaluate_all("nodes => nodes.map(n => n.textContent.trim())")
    assert len(texts["en"]) == len(texts["fr"])
    untranslated = [en for en, fr in zip(texts["en"], texts["fr"], strict=True) if en == fr and en]
    assert not untranslated, f"English left on /fr/: {untranslated}"
