"""A French-speaking visitor signs in a real Chromium, confirms from the real email, sees the count."""

import pytest

from tests.mailserver import link_in, text_of
from tests.signing_helpers import deliver, path_of


@pytest.fixture
def app_config(mail_config):
    return mail_config


def test_the_whole_signing_journey_in_french(app, live_server, endorsements, mail_server, browser_context):
    page = browser_context(locale="fr-CA").new_page()
    page.goto(live_server + "/")
    assert page.url == live_server + "/fr/"
    assert page.locator("[data-counter=signatures]").inner_text() == "0"

    page.get_by_label("Prénom", exact=True).fill("Amélie")
    page.get_by_label("Nom", exact=True).fill("Côté-Nguyễn")
    page.get_by_label("Courriel", exact=True).fill("amelie@example.ca")
    page.get_by_label("Province ou territoire").select_option("QC")
    page.get_by_label("Ville ou municipalité (facultatif)").fill("Gatineau")
    page.get_by_label("Mon prénom et l’initiale de mon nom").check()
    page.get_by_role("button", name="Signer la lettre").click()
    page.wait_for_url("**/fr/sign/check-your-inbox")
    assert page.get_by_role("heading", level=1).inner_text() == "Consultez votre boîte de réception"

    assert deliver(app) == 1
    [message] = mail_server.to("amelie@example.ca")
    assert "Bonjour Amélie" in text_of(message)

    # The page behind the link confirms by itself, through script.
    page.goto(live_server + path_of(link_in(message, "confirm")))
    page.wait_for_url("**/fr/thanks")
    assert "Merci, Amélie" in page.get_by_role("heading", level=1).inner_text()

    page.goto(live_server + "/fr/")
    assert page.locator("[data-counter=signatures]").inner_text() == "1"


def test_the_confirm_button_works_without_script(app, live_server, mail_server, browser_context):
    from tests.signing_helpers import VALID, sign

    sign(app.test_client(), "en")
    deliver(app)
    page = browser_context(java_script_enabled=False).new_page()
    page.goto(live_server + path_of(link_in(mail_server.messages[0], "confirm")))
    assert page.get_by_role("heading", level=1).inner_text() == "Confirm your signature"
    assert app.test_client().get("/api/count").get_json()["signatures"] == 0
    page.get_by_role("button", name="Confirm my signature").click()
    page.wait_for_url("**/en/thanks")
    assert app.test_client().get("/api/count").get_json()["signatures"] == 1
    assert VALID["first_name"] in page.content()


def test_errors_are_shown_next_to_the_fields_in_french(app, live_server, endorsements, browser_context, browser_errors):
    browser_errors.allow(r"status of 400 .*/fr/sign")  # the form's answer is a 400, by design
    page = browser_context(locale="fr-CA").new_page()
    page.goto(live_server + "/fr/")
    page.get_by_label("Courriel", exact=True).fill("pas-une-adresse")
    page.get_by_role("button", name="Signer la lettre").click()
    page.wait_for_load_state()
    summary = page.locator("[data-error-summary]")
    assert "Veuillez entrer votre prénom." in summary.inner_text()
    assert page.get_by_label("Courriel", exact=True).input_value() == "pas-une-adresse"
    assert page.get_by_label("Courriel", exact=True).get_attribute("aria-invalid") == "true"
