"""The sign form with errors, in Chromium: rows stay level, the summary has one frame, French reads right.

An error on one side of a row (Last name without First name's, Province without City's) must not push
the field beside it out of line; the focused error summary shows one frame, not a border and a ring.
"""

import pytest

WIDTHS = (390, 1280)


@pytest.fixture(autouse=True)
def form_errors_answer_400(browser_errors):
    """A form sent back with its errors is a 400, which Chromium logs."""
    browser_errors.allow(r"status of 400")


def submit_with_one_sided_errors(page, base, lang):
    page.goto(f"{base}/{lang}/")
    page.fill("#first_name", "Ada")  # Last name left empty: an error on the right of the first row
    page.fill("#email", "ada@example.ca")
    page.fill("#city", "Gatineau")  # Province left unchosen: an error on the left of the second row
    page.locator("form.sign-form button[type=submit]").click()
    page.wait_for_selector("[data-error-summary]")


def top(page, selector):
    return page.locator(selector).evaluate("element => element.getBoundingClientRect().top")


def side_by_side(page):
    return (
        top(page, "#first_name") == top(page, "#last_name")
        or abs(
            page.locator("#first_name").evaluate("e => e.getBoundingClientRect().left")
            - page.locator("#last_name").evaluate("e => e.getBoundingClientRect().left")
        )
        > 1
    )


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_inputs_stay_level_when_one_side_has_an_error(live_server, endorsements, browser_context, lang, width):
    page = browser_context(viewport={"width": width, "height": 900}).new_page()
    submit_with_one_sided_errors(page, live_server, lang)
    assert page.locator("#last_name-error").is_visible()
    assert page.locator("#province-error").is_visible()
    assert page.locator("#first_name-error").count() == 0
    assert page.locator("#city-error").count() == 0
    first_left = page.locator("#first_name").evaluate("e => e.getBoundingClientRect().left")
    last_left = page.locator("#last_name").evaluate("e => e.getBoundingClientRect().left")
    if width >= 1280:
        assert last_left > first_left, "at a desktop width the names sit side by side"
    if last_left > first_left:  # side by side: the inputs' tops are level despite the one-sided error
        assert abs(top(page, "#first_name") - top(page, "#last_name")) < 1
        assert abs(top(page, "#province") - top(page, "#city")) < 1
    else:  # stacked on a narrow form: each error sits between its label and its input
        assert top(page, "#last_name") > top(page, "#last_name-error") > top(page, "label[for=last_name]")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_french_and_english_labels_take_at_most_two_lines_at_desktop(live_server, endorsements, browser_context, lang):
    page = browser_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{live_server}/{lang}/")
    for field in ("first_name", "last_name", "province", "city"):
        lines = page.locator(f"label[for={field}]").evaluate(
            "label => Math.round(label.getBoundingClientRect().height / parseFloat(getComputedStyle(label).lineHeight))"
        )
        assert lines <= 2, f"the label of {field} wraps to {lines} lines"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_focused_error_summary_has_one_frame(live_server, endorsements, browser_context, lang):
    page = browser_context(viewport={"width": 1280, "height": 900}).new_page()
    submit_with_one_sided_errors(page, live_server, lang)
    summary = page.locator("[data-error-summary]")
    assert summary.evaluate("element => document.activeElement === element"), "script focuses the summary"
    style = summary.evaluate(
        """element => { const s = getComputedStyle(element);
             return {outline: s.outlineStyle, border: s.borderTopStyle, borderWidth: s.borderTopWidth,
                     borderColor: s.borderTopColor, shadow: s.boxShadow}; }"""
    )
    assert style["outline"] == "none", "a ring around the border would draw a second frame"
    assert style["shadow"] == "none"
    assert style["border"] == "solid" and style["borderWidth"] == "3px"
    page.locator("#first_name").focus()
    unfocused = summary.evaluate("element => getComputedStyle(element).borderTopColor")
    assert unfocused != style["borderColor"], "focus shows, by the border's colour"


def test_the_french_summary_puts_a_no_break_space_before_its_colon(live_server, endorsements, browser_context):
    page = browser_context(locale="fr-CA").new_page()
    submit_with_one_sided_errors(page, live_server, "fr")
    items = page.locator("[data-error-summary] li").all_inner_texts()
    assert items[0].startswith("Nom\u00a0: "), items
    page = browser_context().new_page()
    submit_with_one_sided_errors(page, live_server, "en")
    assert page.locator("[data-error-summary] li").first.inner_text().startswith("Last name: ")
