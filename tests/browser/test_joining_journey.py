"""An organisation joins the letter in a real Chromium, through the real SMTP server: its contact
asks and confirms, an administrator approves it (and declines a near-duplicate of a name on the
list, shown beside its twin), the organisation is on ``/en/`` and ``/fr/`` with the count moved by
one, and every link of the contact's email works; the figures link asked for again answers the same
page to any address. axe-core checks each new page; screenshots of the form, the review page and
the emails go to test-artifacts/screenshots/ (``joining-*.png``), for people to look at."""

import re

import pytest
from playwright.sync_api import expect

from petition.admin.accounts import create_administrator
from petition.extensions import db
from tests.admin.admin_helpers import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.browser.test_accessibility import assert_no_serious_violations
from tests.browser.test_admin_journey import sign_in
from tests.browser.test_screenshots import SCREENSHOTS, VIEWPORTS, horizontal_overflow
from tests.joining_helpers import TWIN, make_request
from tests.mailserver import html_of, link_in, text_of
from tests.signing_helpers import deliver, path_of


@pytest.fixture
def app_config(mail_config):
    return mail_config


@pytest.fixture
def administrator(app):
    with app.app_context():
        create_administrator(ADMIN_EMAIL, ADMIN_PASSWORD)
        db.session.remove()


def shoot(page, name, full_page=True):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"joining-{name}.png"
    page.screenshot(path=path, full_page=full_page)
    assert path.stat().st_size > 1000


def shoot_email(browser_context, live_server, message, name):
    """The email's HTML as a mail client shows it, its images served by the live server."""
    page = browser_context(viewport={"width": 700, "height": 900}).new_page()
    page.set_content(html_of(message).replace("http://localhost/", f"{live_server}/"))
    page.wait_for_load_state("networkidle")
    shoot(page, name)
    page.close()


def fill_request(page, lang, name, email, contact):
    labels = {
        "en": ("Name of the organisation", "Website (optional)", "Province or territory (optional)", "Your name",
               "Your email address", "I am authorised", "Send the request"),
        "fr": ("Nom de l’organisation", "Site Web (facultatif)", "Province ou territoire (facultatif)", "Votre nom",
               "Votre adresse courriel", "J’ai l’autorisation", "Envoyer la demande"),
    }[lang]  # fmt: skip
    page.get_by_role("textbox", name=labels[0]).fill(name)
    page.get_by_role("textbox", name=labels[1]).fill("noor-al-huda.example.ca")
    page.get_by_label(labels[2]).select_option("ON")
    page.get_by_role("textbox", name=labels[3], exact=True).fill(contact)
    page.get_by_role("textbox", name=labels[4]).fill(email)
    page.get_by_role("checkbox", name=labels[5]).check()
    return page.get_by_role("button", name=labels[6])


def organisation_names(page, letter):
    """The names the list shows under ``letter`` (the list is folded after its first letter)."""
    return page.locator(f"#org-{letter} + ul li").all_text_contents()


def test_an_organisation_joins_the_letter(app, live_server, endorsements, administrator, mail_server, browser_context):
    # The contact, in French, finds the form from the endorsement list.
    contact = browser_context(locale="fr-CA").new_page()
    contact.goto(f"{live_server}/fr/")
    expect(contact.locator("#endorsements-heading")).to_contain_text("414")
    contact.get_by_role("link", name="Demander à appuyer la lettre").click()
    contact.wait_for_url("**/fr/endorse")
    assert_no_serious_violations(contact)
    send = fill_request(contact, "fr", "Masjid Noor Al Huda", "amina@example.ca", "Amina Diallo")
    send.click()
    contact.wait_for_url("**/fr/endorse/check-your-inbox")
    assert_no_serious_violations(contact)

    # Somebody else asks for an organisation that is on the list already, under another spelling.
    other = browser_context(locale="en-CA").new_page()
    other.goto(f"{live_server}/en/endorse")
    fill_request(other, "en", "Islamic Center of Québec", "omar@example.ca", "Omar Haddad").click()
    other.wait_for_url("**/en/endorse/check-your-inbox")

    deliver(app)
    [to_amina] = mail_server.to("amina@example.ca")
    [to_omar] = mail_server.to("omar@example.ca")
    assert to_amina["Subject"] == "Veuillez confirmer votre demande d’appui à la lettre ouverte"
    shoot_email(browser_context, live_server, to_amina, "email-confirm-fr")
    shoot_email(browser_context, live_server, to_omar, "email-confirm-en")

    # The administrator sees nothing before the contacts confirm.
    admin = browser_context(locale="en-CA").new_page()
    sign_in(admin, live_server)
    admin.get_by_role("link", name="Requests to endorse").click()
    expect(admin.locator("main")).to_contain_text("No request waits for a review.")

    # Confirming: the link opens a page that confirms by itself with script on.
    for message in (to_amina, to_omar):
        page = browser_context(locale="fr-CA").new_page()
        page.goto(live_server + path_of(link_in(message, "endorse/confirm")))
        page.wait_for_url("**/endorse/confirmed")
        assert_no_serious_violations(page)
        shoot(page, "confirmed-fr")

    admin.reload()
    requests = admin.locator("section.request")
    expect(requests).to_have_count(2)
    first, second = requests.nth(0), requests.nth(1)
    expect(first.locator("h2")).to_have_text("Masjid Noor Al Huda")
    expect(second.locator("h2")).to_have_text("Islamic Center of Québec")
    # The near-duplicate beside its twins on the list (the list itself holds both spellings).
    expect(second.locator(".close-list").first).to_contain_text(TWIN)
    expect(second.locator(".badge.same").first).to_have_text("Same name")
    expect(first.locator(".close-names")).to_contain_text("No organisation on the list has a close name.")
    assert_no_serious_violations(admin)
    for viewport in ("desktop", "phone"):
        admin.set_viewport_size(VIEWPORTS[viewport])
        shoot(admin, f"review-{viewport}")
        overflow = horizontal_overflow(admin)
        assert overflow["scrollWidth"] <= overflow["clientWidth"], overflow
    admin.set_viewport_size(VIEWPORTS["desktop"])

    # Approve the first under a corrected name; decline the near-duplicate.
    first.get_by_label("Name on the list").fill("Masjid Noor al-Huda")
    first.get_by_role("button", name="Approve and add to the list").click()
    expect(admin.locator(".message.success")).to_contain_text("Masjid Noor al-Huda is on the list")
    admin.locator("section.request").get_by_label("Reason").fill("Already on the list as Islamic Centre of Quebec")
    admin.get_by_role("button", name="Decline").click()
    expect(admin.locator(".message.success")).to_contain_text("is declined")
    expect(admin.locator("main")).to_contain_text("No request waits for a review.")
    shoot(admin, "review-decided")

    # On the public list at once, in both languages, the count moved by one.
    for lang, heading in (("en", "Endorsed by 415 organisations"), ("fr", "Appuyée par 415 organisations")):
        reader = browser_context(locale=f"{lang}-CA").new_page()
        reader.goto(f"{live_server}/{lang}/")
        expect(reader.locator("#endorsements-heading")).to_have_text(heading)
        assert "Masjid Noor al-Huda" in organisation_names(reader, "M")
        reader.get_by_role("searchbox").fill("noor al-huda")
        expect(reader.locator("[data-org-list] li:visible")).to_have_text(["Masjid Noor al-Huda"])
        assert "Masjid Noor al-Huda" in reader.locator("[data-org-list]").inner_text()
    assert app.test_client().get("/api/count").get_json()["endorsements"] == 415

    # The contact's email, in French: the share page, the QR code and the figures page all work.
    deliver(app)
    approved = mail_server.to("amina@example.ca")[-1]
    assert approved["Subject"] == "Masjid Noor al-Huda appuie maintenant la lettre ouverte"
    shoot_email(browser_context, live_server, approved, "email-approved-fr")
    declined = mail_server.to("omar@example.ca")[-1]
    assert declined["Subject"] == "Your request to endorse the open letter"
    assert "Already on the list" not in text_of(declined)
    shoot_email(browser_context, live_server, declined, "email-declined-en")
    text = text_of(approved)
    share = re.search(r"http://localhost(/fr/o/[a-z0-9-]+)\s", text).group(1)
    stats = re.search(r"http://localhost(/fr/o/[a-z0-9-]+/stats/\S+)", text).group(1)
    qr = re.search(r"http://localhost(/fr/o/[a-z0-9-]+/qr\.png\?download=1)", text).group(1)
    visitor = browser_context(locale="fr-CA").new_page()
    visitor.goto(live_server + share)
    expect(visitor.locator(".shared-by")).to_have_text("Cette lettre vous est transmise par Masjid Noor al-Huda")
    shoot(visitor, "share-page-fr", full_page=False)
    assert visitor.request.get(live_server + qr).headers["content-type"] == "image/png"
    visitor.goto(live_server + stats)
    expect(visitor.locator("h1")).to_have_text("Statistiques de Masjid Noor al-Huda")
    assert_no_serious_violations(visitor)

    # The figures link asked for again: the same page for the contact's address and a stranger's.
    answers = []
    for address in ("amina@example.ca", "stranger@example.ca"):
        asker = browser_context(locale="fr-CA").new_page()
        asker.goto(live_server + share)
        asker.get_by_role("link", name=re.compile("Vous représentez Masjid Noor al-Huda")).click()
        assert_no_serious_violations(asker)
        shoot(asker, "figures-link-fr")
        asker.get_by_label("L’adresse courriel de la personne-ressource").fill(address)
        asker.get_by_role("button", name="M’envoyer le lien par courriel").click()
        asker.wait_for_url("**/figures-link/asked")
        answers.append((asker.url, asker.locator("main").inner_html()))
        assert_no_serious_violations(asker)
        shoot(asker, "figures-link-asked-fr")
    assert answers[0] == answers[1]
    before = len(mail_server.messages)
    deliver(app)
    [again] = mail_server.messages[before:]
    assert again["To"] == "amina@example.ca"
    visitor.goto(live_server + path_of(link_in(again, "o/[a-z0-9-]+/stats")))
    expect(visitor.locator("h1")).to_have_text("Statistiques de Masjid Noor al-Huda")


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("viewport", ["desktop", "phone-small"])
def test_screenshots_of_the_form_with_and_without_errors(live_server, browser_context, browser_errors, lang, viewport):
    browser_errors.allow(r"status of 400")  # the form sent empty answers 400, by design
    page = browser_context(locale=f"{lang}-CA", viewport=VIEWPORTS[viewport], reduced_motion="reduce").new_page()
    page.goto(f"{live_server}/{lang}/endorse")
    shoot(page, f"form-{lang}-{viewport}")
    overflow = horizontal_overflow(page)
    assert overflow["scrollWidth"] <= overflow["clientWidth"], overflow

    button = "Send the request" if lang == "en" else "Envoyer la demande"
    page.get_by_role("button", name=button).click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    assert_no_serious_violations(page)
    shoot(page, f"form-{lang}-{viewport}-errors")


def test_without_script_the_confirmation_page_shows_its_button(app, live_server, mail_server, browser_context):
    make_request(app, "Quiet Reading Circle", "reader@example.ca", lang="en", confirm=False)
    deliver(app)
    [message] = mail_server.to("reader@example.ca")
    page = browser_context(java_script_enabled=False).new_page()
    page.goto(live_server + path_of(link_in(message, "endorse/confirm")))
    expect(page.locator("h1")).to_have_text("Confirm your request")
    # (axe needs script: this page is checked with it in test_the_confirmation_page_passes_axe.)
    shoot(page, "confirm-page-en", full_page=False)
    page.get_by_role("button", name="Confirm the request").click()
    page.wait_for_url("**/en/endorse/confirmed")


def test_the_confirmation_page_passes_axe(app, live_server, mail_server, browser_context):
    """With the site's script the page confirms at once; without it, axe reads the page as shown."""
    make_request(app, "Quiet Reading Circle", "reader@example.ca", lang="fr", confirm=False)
    deliver(app)
    [message] = mail_server.to("reader@example.ca")
    page = browser_context(locale="fr-CA").new_page()
    # The site's script, which sends the form at once, is left out, so that the page stays to be read.
    page.route("**/static/js/site.js", lambda route: route.fulfill(body="", content_type="text/javascript"))
    page.goto(live_server + path_of(link_in(message, "endorse/confirm")))
    expect(page.locator("h1")).to_have_text("Confirmer votre demande")
    assert_no_serious_violations(page)
