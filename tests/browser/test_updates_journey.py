"""An administrator sends an update in a real Chromium: writes it (and is told what is wrong),
reads both previews, sends a test to themselves, sends it and watches the progress reach the end,
while the app's own background sender delivers to the test SMTP server.

axe-core checks every updates page and both emails as received; screenshots of the pages and of the
emails go to test-artifacts/screenshots/ (``updates-*.png``), for people to look at.
"""

import re
import time

import pytest
from playwright.sync_api import expect

from petition.admin.accounts import create_administrator
from petition.extensions import db
from petition.mail.suppression import suppression_statement
from tests.admin.admin_helpers import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.browser.test_accessibility import assert_no_serious_violations
from tests.browser.test_screenshots import SCREENSHOTS, VIEWPORTS, horizontal_overflow
from tests.export_helpers import add
from tests.mailserver import html_of
from tests.updates_helpers import CASL

SIGNERS = 12
BODY_EN = """We delivered the letter to the Prime Minister's Office this morning, with **{count} signatures**
and the names of the 414 organisations that endorse it.

## What happens next

- We asked for a meeting before the end of the month.
- We will publish the government's answer on the letter page as soon as we receive it.

> Thank you for standing with us.

[See the photos of the delivery](https://example.org/photos)"""
BODY_FR = """Nous avons remis la lettre au Cabinet du premier ministre ce matin, avec **{count} signatures**
et les noms des 414 organisations qui l’appuient.

## La suite

- Nous avons demandé une rencontre avant la fin du mois.
- Nous publierons la réponse du gouvernement sur la page de la lettre dès que nous la recevrons.

> Merci d’être à nos côtés.

[Voir les photos de la remise](https://example.org/photos)"""


@pytest.fixture
def app_config(mail_config):
    # The app delivers its outbox itself, as in production; the update leaves at one a second, so
    # that the page has a send to follow.
    return mail_config | CASL | {"MAIL_BACKGROUND_SENDER": True, "MAIL_POLL_SECONDS": 0.3, "UPDATES_PER_MINUTE": 60}


@pytest.fixture
def campaign(app):
    with app.test_request_context():
        create_administrator(ADMIN_EMAIL, ADMIN_PASSWORD)
        for n in range(SIGNERS):
            lang = "fr" if n % 3 == 0 else "en"
            add(f"Signer{n}", "Tremblay", f"signer{n}@example.org", wants_updates=True, lang=lang, province="QC")
        add("No", "Updates", "no-updates@example.org", wants_updates=False)
        # An address refused before, which the list shows and the update leaves out.
        add("Gone", "Away", "gone@example.org", wants_updates=True, province="QC")
        refusal = "550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown in virtual mailbox table"
        db.session.execute(suppression_statement(db.engine.dialect.name, "gone@example.org", refusal, "update"))
        db.session.commit()
        db.session.remove()


def shoot(page, name, full_page=True):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"updates-{name}.png"
    path.unlink(missing_ok=True)
    page.screenshot(path=path, full_page=full_page)
    assert path.stat().st_size > 1000


def shoot_whole(page, name):
    """The whole page, its frames drawn too: Chromium leaves sandboxed frames (another process)
    blank in a full-page capture, so the window is made as tall as the page instead."""
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": page.evaluate("document.documentElement.scrollHeight")})
    page.wait_for_timeout(300)
    shoot(page, name, full_page=False)
    page.set_viewport_size(size)


def no_sideways_scroll(page):
    overflow = horizontal_overflow(page)
    assert overflow["scrollWidth"] <= overflow["clientWidth"], f"{page.url} scrolls sideways: {overflow}"


def sign_in(page, live_server):
    page.goto(live_server + "/admin/sign-in")
    page.get_by_label("Email address").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server + "/admin/")


def update_emails(mail_server, test):
    return [
        message
        for message in mail_server.messages
        # A test names no signer, so it has no List-Unsubscribe; its subject says so in its language.
        if message.get("Precedence") == "bulk" and ("List-Unsubscribe" not in message) == test
    ]


def wait_for_emails(mail_server, test, count, timeout=20):
    deadline = time.monotonic() + timeout
    while len(update_emails(mail_server, test)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return update_emails(mail_server, test)


def test_an_administrator_writes_previews_tests_and_sends_an_update(
    app, live_server, campaign, mail_server, browser_context, browser_errors
):
    browser_errors.allow(r"status of 400 .*/admin/updates/(new|\d+/send)")  # the forms' answers to mistakes
    page = browser_context().new_page()
    sign_in(page, live_server)
    page.get_by_role("link", name="Updates", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Updates")
    expect(page.get_by_text("No update yet.")).to_be_visible()
    assert_no_serious_violations(page)

    # Written with the French text missing: the form says so and keeps the rest.
    page.get_by_role("link", name="Write an update").click()
    page.get_by_label("Subject in English").fill("The letter is delivered")
    page.get_by_label("Text in English (Markdown)").fill(BODY_EN.format(count="12,480"))
    page.get_by_label("Subject in French").fill("La lettre est remise")
    page.get_by_label("Quebec").check()
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("alert")).to_contain_text("The update is not saved yet.")
    french = page.get_by_label("Text in French (Markdown)")
    expect(french).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Please write the text of the update.")).to_be_visible()
    expect(page.get_by_label("Text in English (Markdown)")).to_have_value(BODY_EN.format(count="12,480"))
    expect(page.get_by_label("Quebec")).to_be_checked()
    assert_no_serious_violations(page)
    shoot(page, "form-error-1280")
    phone = browser_context(viewport=VIEWPORTS["phone"]).new_page()
    sign_in(phone, live_server)
    phone.goto(live_server + "/admin/updates/new")
    phone.get_by_role("button", name="Save the draft").click()
    expect(phone.get_by_role("alert")).to_be_visible()
    no_sideways_scroll(phone)
    shoot(phone, "form-error-390")

    french.fill(BODY_FR.format(count="12\u00a0480"))
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("status")).to_contain_text("saved as a draft")
    update_url = page.url
    assert re.fullmatch(rf"{live_server}/admin/updates/\d+", update_url)

    # Both previews, exactly as the emails: the HTML in its frame, the text written out.
    for lang, subject, words in (
        ("English", "The letter is delivered", "What happens next"),
        ("French", "La lettre est remise", "La suite"),
    ):
        frame = page.frame_locator(f"iframe[title='The {lang} email, as HTML']")
        expect(frame.get_by_role("heading", name=subject)).to_be_visible()
        expect(frame.get_by_role("heading", name=words)).to_be_visible()
        expect(frame.get_by_text("Coalition for the Letter")).to_be_visible()
        expect(page.get_by_label(f"The {lang} email, as text")).to_contain_text(words)
    expect(page.get_by_text("This sends the update to 12 people: 8 in English, 4 in French.")).to_be_visible()
    assert_no_serious_violations(page)
    shoot_whole(page, "draft-1280")
    no_sideways_scroll(page)

    page.get_by_role("link", name="Change it").click()
    expect(page.get_by_label("Subject in French")).to_have_value("La lettre est remise")
    assert_no_serious_violations(page)
    page.go_back()
    page.get_by_role("link", name="Cancel the update…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel the update?")
    assert_no_serious_violations(page)
    page.get_by_role("link", name="Keep it").click()

    # A test to oneself, in both languages, delivered by the app's own sender.
    page.get_by_role("button", name="Send a test to me").click()
    expect(page.get_by_role("status")).to_contain_text(f"is sent to {ADMIN_EMAIL}")
    tests = wait_for_emails(mail_server, test=True, count=2)
    assert sorted(message["To"] for message in tests) == [ADMIN_EMAIL, ADMIN_EMAIL]
    assert update_emails(mail_server, test=False) == []

    # The send: confirmed with the box, then followed on the page without a reload.
    page.get_by_role("button", name="Send to 12 people").click()
    expect(page.get_by_text("Please read both previews first, then tick the box.")).to_be_visible()
    page.get_by_label("I have read both previews").check()
    page.get_by_role("button", name="Send to 12 people").click()
    expect(page.get_by_role("status").first).to_contain_text("Sending to 12 people: 8 in English, 4 in French.")
    summary = page.locator("[data-progress-summary]")
    expect(page.locator("[data-progress-note]")).to_have_text("These figures follow the send by themselves.")
    expect(summary).to_have_text(re.compile(r"^([1-9]|1[01]) of 12 handled so far\.$"), timeout=15_000)
    shoot(page, "sending-1280", full_page=False)
    expect(summary).to_have_text("Done: every one of the 12 recipients is handled.", timeout=30_000)
    assert page.url == update_url
    expect(page.locator("[data-figure=sent]")).to_have_text("12")
    expect(page.locator("progress")).to_have_attribute("value", "12")
    expect(page.locator("h1 .badge")).to_have_text("Sent")
    expect(page.get_by_role("link", name="Cancel the update…")).to_be_hidden()
    assert_no_serious_violations(page)
    shoot(page, "sent-1280", full_page=False)

    received = wait_for_emails(mail_server, test=False, count=SIGNERS)
    assert sorted(message["To"] for message in received) == sorted(f"signer{n}@example.org" for n in range(SIGNERS))

    page.get_by_role("link", name="All updates").click()
    expect(page.get_by_role("cell", name="12 sent")).to_be_visible()
    assert_no_serious_violations(page)
    shoot(page, "list-1280")

    # The emails as signers receive them, at a phone's width and a desktop client's.
    for lang in ("en", "fr"):
        message = next(m for m in received if m["Content-Language"] == f"{lang}-CA")
        for width in (390, 800):
            reader = browser_context(viewport={"width": width, "height": 900}).new_page()
            reader.set_content(html_of(message))
            assert_no_serious_violations(reader)
            no_sideways_scroll(reader)
            shoot(reader, f"email-{lang}-{width}")
