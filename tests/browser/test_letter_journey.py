"""A visitor's way through the letter page in a real browser: language, the endorsement list, keyboard."""

import itertools
import re
import unicodedata

import pytest
from playwright.sync_api import expect

from petition.endorsements.listing import forget_entries
from petition.endorsements.models import Endorsement
from petition.extensions import db

ORGANISATIONS = 413  # the bundled list without its lead signatory
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
    expect(organisations).to_have_count(ORGANISATIONS)
    expect(status).to_have_text("")

    field.press_sequentially("mosq")
    expect(organisations).to_have_count(MOSQ)
    expect(status).to_contain_text(str(MOSQ))
    expect(status).to_contain_text(str(ORGANISATIONS))
    assert status_number(page) == MOSQ
    assert all("mosq" in folded(name) for name in organisations.all_inner_texts())

    # Accents do not matter, either way round.
    for query in ("mosquée", "mosquee", "MOSQUÉE"):
        field.fill(query)
        expect(organisations).to_have_count(MOSQUEE)
        expect(status).to_contain_text(str(MOSQUEE))
    names = organisations.all_inner_texts()
    assert any("Mosquée" in name for name in names) and any("Mosquee" in name for name in names)

    field.fill("no such organisation zzz")
    expect(organisations).to_have_count(0)
    expect(status).to_contain_text("no such organisation zzz")

    field.fill("")
    expect(organisations).to_have_count(ORGANISATIONS)
    expect(status).to_have_text("")

    # Enter filters in place; the page does not reload.
    field.fill("mosq")
    field.press("Enter")
    expect(organisations).to_have_count(MOSQ)
    expect(page).to_have_url(f"{live_server}/{lang}/")


def alphabetical_key(name):
    return folded(name).lstrip("\"'“‘«- ")


@pytest.fixture
def reversed_endorsements(app, endorsements):
    """The bundled list is alphabetical already; reversed, the two orders differ."""
    with app.app_context():
        others = db.session.scalars(
            db.select(Endorsement).where(Endorsement.is_lead.is_(False)).order_by(Endorsement.position)
        ).all()
        positions = [e.position for e in others]
        for endorsement, position in zip(others, reversed(positions), strict=True):
            endorsement.position = position
        db.session.commit()
    forget_entries()


def test_order_control_sorts_alphabetically(live_server, reversed_endorsements, page):
    page.goto(f"{live_server}/en/")
    organisations = visible_organisations(page)
    expect(organisations).to_have_count(ORGANISATIONS)
    listed = organisations.all_inner_texts()
    assert listed == sorted(listed, key=alphabetical_key, reverse=True)

    page.get_by_label("Order").select_option("az")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/en/\?(.*&)?order=az"))
    expect(page.get_by_label("Order")).to_have_value("az")
    expect(organisations).to_have_count(ORGANISATIONS)
    names = organisations.all_inner_texts()

    assert sorted(names) == sorted(listed)
    assert names != listed
    keys = [alphabetical_key(name) for name in names]
    out_of_order = [(a, b) for a, b in itertools.pairwise(keys) if a > b]
    assert not out_of_order, f"not alphabetical: {out_of_order[:5]}"

    # The filter still works in place on the sorted list, and keeps the order.
    page.get_by_role("searchbox").fill("mosq")
    expect(organisations).to_have_count(MOSQ)
    filtered = organisations.all_inner_texts()
    assert filtered == sorted(filtered, key=alphabetical_key)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_filter_works_without_javascript(live_server, reversed_endorsements, browser_context, lang):
    page = browser_context(locale=f"{lang}-CA", java_script_enabled=False).new_page()
    page.goto(f"{live_server}/{lang}/")
    organisations = visible_organisations(page)
    expect(organisations).to_have_count(ORGANISATIONS)

    field = page.get_by_role("searchbox")
    field.fill("mosquee")
    field.press("Enter")
    expect(page).to_have_url(re.compile(rf"/{lang}/\?q=mosquee&order=list#endorsements$"))
    expect(organisations).to_have_count(MOSQUEE)
    expect(field).to_have_value("mosquee")
    assert status_number(page) == MOSQUEE

    field.fill("mosq")
    page.locator("[data-org-submit]").click()
    expect(organisations).to_have_count(MOSQ)
    assert status_number(page) == MOSQ
    in_list_order = organisations.all_inner_texts()
    assert in_list_order == sorted(in_list_order, key=alphabetical_key, reverse=True)

    # Alphabetical order through the form as well, keeping the filter.
    page.locator("#org-order").select_option("az")
    page.locator("[data-org-submit]").click()
    expect(page).to_have_url(re.compile(r"\?q=mosq&order=az#endorsements$"))
    expect(organisations).to_have_count(MOSQ)
    names = organisations.all_inner_texts()
    assert names == sorted(names, key=alphabetical_key)

    field.fill("")
    page.locator("[data-org-submit]").click()
    expect(organisations).to_have_count(ORGANISATIONS)
    expect(page.locator("#org-status")).to_have_text("")


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
        "#org-order option",
        "dt",
        "legend",
        ".eyebrow",
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
