"""Sharing in a real Chromium: an organisation's link carries the credit through the email round
trip; the share panel copies the link; the new pages pass axe-core; screenshots to look at."""

import pytest
from playwright.sync_api import expect

from petition.extensions import db
from petition.sharing.stats import stats_token
from petition.signing.models import Signature
from tests.browser.test_accessibility import assert_no_serious_violations
from tests.browser.test_screenshots import SCREENSHOTS, VIEWPORTS, horizontal_overflow
from tests.mailserver import link_in
from tests.signing_helpers import deliver, make_signature, path_of

ORG = "national-council-of-canadian-muslims"


@pytest.fixture
def app_config(mail_config):
    return mail_config


def test_a_signature_made_from_an_organisations_link_is_credited_to_it(
    app, live_server, endorsements, mail_server, browser_context
):
    page = browser_context(locale="en-CA").new_page()
    page.goto(f"{live_server}/en/o/{ORG}")
    assert "National Council of Canadian Muslims" in page.locator(".shared-by").inner_text()

    page.get_by_role("link", name="Who signed").click()  # a look around before signing
    page.get_by_role("link", name="Add your name").click()
    page.get_by_label("First name", exact=True).fill("Yusuf")
    page.get_by_label("Last name", exact=True).fill("Haddad")
    page.get_by_label("Email", exact=True).fill("yusuf@example.ca")
    page.get_by_label("Province or territory").select_option("ON")
    page.get_by_role("button", name="Sign the letter").click()
    page.wait_for_url("**/en/sign/check-your-inbox")
    assert page.locator("[data-share-url]").input_value() == f"http://localhost/en/o/{ORG}"

    deliver(app)
    [message] = mail_server.to("yusuf@example.ca")
    phone = browser_context(locale="en-CA").new_page()  # confirmed on another device
    phone.goto(live_server + path_of(link_in(message, "confirm")))
    phone.wait_for_url("**/en/thanks")

    with app.app_context():
        signature = db.session.execute(db.select(Signature)).scalar_one()
        assert (signature.status, signature.share_ref) == ("confirmed", f"org:{ORG}")
    assert phone.locator("[data-share-url]").input_value() == f"http://localhost/en/o/{ORG}"


def test_the_copy_button_copies_the_link(live_server, endorsements, browser_context):
    context = browser_context(locale="fr-CA", permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{live_server}/fr/o/{ORG}")

    page.get_by_role("button", name="Copier le lien").click()

    expect(page.locator(".share-status")).to_have_text("Lien copié.")
    assert page.evaluate("navigator.clipboard.readText()") == f"http://localhost/fr/o/{ORG}"
    native = page.locator("[data-native-share]")
    assert native.is_hidden() != page.evaluate("'share' in navigator")


def test_without_script_the_link_is_still_there_to_copy(live_server, endorsements, browser_context):
    page = browser_context(java_script_enabled=False).new_page()
    page.goto(f"{live_server}/en/")

    assert page.locator("[data-share-url]").input_value() == "http://localhost/en/"
    assert page.locator("[data-copy-link]").is_hidden()  # a button that cannot work is not offered
    assert page.get_by_role("link", name="Facebook").is_visible()


def new_pages(app):
    make_signature(app, "a@example.org", first="Marie", last="Tremblay", share_ref=f"org:{ORG}")
    make_signature(app, "b@example.org", first="Jean", last="Ouellet", display="initial", city=None, province="XX")
    with app.app_context():
        token = stats_token(ORG)
    return {
        "signers": "/{lang}/signatures",
        "organisation": f"/{{lang}}/o/{ORG}",
        "stats": f"/{{lang}}/o/{ORG}/stats/{token}",
    }


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_new_pages_pass_axe(app, live_server, endorsements, browser_context, lang):
    page = browser_context(locale=f"{lang}-CA").new_page()
    for path in new_pages(app).values():
        page.goto(live_server + path.format(lang=lang))
        page.evaluate("document.querySelectorAll('details').forEach(element => element.open = true)")
        assert_no_serious_violations(page)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_screenshots_of_the_share_panel_and_the_new_pages(app, live_server, endorsements, browser_context, viewport):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = VIEWPORTS[viewport]
    page = browser_context(locale="fr-CA", viewport=size, reduced_motion="reduce").new_page()
    for name, path in new_pages(app).items():
        page.goto(live_server + path.format(lang="fr"))
        page.wait_for_load_state("networkidle")
        if name == "organisation":
            page.screenshot(path=SCREENSHOTS / f"fr-{viewport}-shared-by.png")
            panel = page.locator(".share")
            panel.evaluate("panel => panel.querySelectorAll('details').forEach(d => d.open = true)")
            panel.screenshot(path=SCREENSHOTS / f"fr-{viewport}-share-panel.png")
        else:
            page.screenshot(path=SCREENSHOTS / f"fr-{viewport}-{name}.png", full_page=True)
        overflow = horizontal_overflow(page)
        assert overflow["scrollWidth"] <= overflow["clientWidth"], overflow
