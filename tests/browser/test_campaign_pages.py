"""The closed letter and the campaign page in Chromium: axe-core clean, and screenshots of the
closed letter page (390 and 1280 pixels wide, both languages) and of the campaign page into
test-artifacts/screenshots/ (ignored by git), for people to look at."""

from datetime import timedelta

import pytest

from petition.admin.accounts import create_administrator
from petition.campaign import service
from petition.extensions import db
from petition.timeutil import utcnow
from tests.admin.admin_helpers import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.browser.test_accessibility import assert_no_serious_violations
from tests.browser.test_admin_journey import sign_in
from tests.browser.test_screenshots import SCREENSHOTS as SCREENS
from tests.browser.test_screenshots import horizontal_overflow
from tests.campaign_helpers import set_count

WIDTHS = (390, 1280)


@pytest.fixture
def delivered(app, endorsements, signature_factory):
    """A letter that reached two goals, closed, was delivered and was answered."""
    set_count(app, 998)
    signature_factory("nine-nine-nine@example.org")
    signature_factory("thousand@example.org")
    set_count(app, 12_345)
    with app.app_context():
        create_administrator(ADMIN_EMAIL, ADMIN_PASSWORD)
        service.close()
        today = utcnow().date()
        service.record_delivery(
            today - timedelta(days=1),
            "the Office of the Prime Minister",
            "au Cabinet du premier ministre",
            "We handed the letter and its 12,345 signatures to the Prime Minister's office on Parliament Hill."
            "\n\nThank you to every organisation and every person who signed.",
            "Nous avons remis la lettre et ses 12\u00a0345 signatures au cabinet du premier ministre, sur la colline "
            "du Parlement.\n\nMerci à chaque organisation et à chaque personne qui a signé.",
            "https://example.org/delivered",
        )
        service.record_response(
            today,
            "The government thanks the signatories and will answer in detail within 45 days.",
            "Le gouvernement remercie les signataires et répondra en détail d'ici 45 jours.",
            "https://www.canada.ca/response",
        )
        db.session.remove()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_closed_letter_page(live_server, delivered, browser_context, lang, width):
    SCREENS.mkdir(parents=True, exist_ok=True)
    page = browser_context(locale=f"{lang}-CA", viewport={"width": width, "height": 900}).new_page()
    page.goto(f"{live_server}/{lang}/")
    page.wait_for_load_state("networkidle")
    assert page.locator(".closed-banner").is_visible()
    assert page.locator("form.sign-form").count() == 0
    assert page.locator(".campaign-news").is_visible()
    page.screenshot(path=str(SCREENS / f"closed-{lang}-{width}.png"), full_page=False)
    page.locator("#sign").screenshot(path=str(SCREENS / f"closed-{lang}-{width}-panel.png"))
    overflow = horizontal_overflow(page)
    assert overflow["scrollWidth"] <= overflow["clientWidth"], overflow
    assert_no_serious_violations(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_campaign_page(live_server, delivered, browser_context, width):
    SCREENS.mkdir(parents=True, exist_ok=True)
    page = browser_context(viewport={"width": width, "height": 900}).new_page()
    sign_in(page, live_server)
    page.goto(live_server + "/admin/campaign/")
    assert page.get_by_role("heading", name="Closing the letter").is_visible()
    page.screenshot(path=str(SCREENS / f"admin-campaign-{width}.png"), full_page=True)
    assert_no_serious_violations(page)
    overflow = horizontal_overflow(page)
    assert overflow["scrollWidth"] <= overflow["clientWidth"], overflow


def test_the_campaign_page_while_open_with_an_error(live_server, app, browser_context, browser_errors):
    """Open, with a refused closing time: the form's error tied to its field."""
    browser_errors.allow(r"status of 400")
    SCREENS.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        create_administrator(ADMIN_EMAIL, ADMIN_PASSWORD)
        db.session.remove()
    page = browser_context().new_page()
    sign_in(page, live_server)
    page.goto(live_server + "/admin/campaign/")
    page.get_by_label("Close at").fill("2020-01-01T10:00")
    page.get_by_role("button", name="Close at this time").click()
    assert page.locator(".error").first.is_visible()
    page.get_by_role("button", name="Record the delivery").click()
    page.screenshot(path=str(SCREENS / "admin-campaign-open-errors.png"), full_page=True)
    assert_no_serious_violations(page)
