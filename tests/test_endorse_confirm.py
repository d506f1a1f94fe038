"""A contact confirms their address through the emailed link, in their language, read here from a
real SMTP server: opening the link shows a page (mail scanners open links), the POST confirms;
twice is harmless; an old link offers a new one; a forged one is a clear error."""

import pytest

from petition.endorsements.request_models import RequestStatus
from tests.joining_helpers import ask, request_row, requests
from tests.mailserver import html_of, link_in, text_of
from tests.signing_helpers import confirm_through_page, deliver, path_of
from tests.support import csrf_token_from


@pytest.fixture
def app_config(mail_config):
    return mail_config


def asked_and_delivered(app, client, mail_server, lang="en", **fields):
    assert ask(client, lang, **fields).status_code == 303
    deliver(app)
    return mail_server.messages[-1]


@pytest.mark.parametrize(
    ("lang", "subject", "greeting"),
    [
        ("en", "Please confirm your request to endorse the open letter", "Hello Amina Diallo,"),
        ("fr", "Veuillez confirmer votre demande d’appui à la lettre ouverte", "Bonjour Amina Diallo,"),
    ],
)
def test_the_confirmation_email_in_the_contacts_language(app, client, mail_server, lang, subject, greeting):
    message = asked_and_delivered(app, client, mail_server, lang)

    assert message["To"] == "amina@example.ca"
    assert message["Subject"] == subject
    assert message["Content-Language"] == f"{lang}-CA"
    assert "List-Unsubscribe" not in message  # a transactional email, asked for
    text, html = text_of(message), html_of(message)
    assert text.splitlines()[2].startswith(greeting), "the greeting follows the letter's name"
    assert "Islamic Center of Quebec" in text and "https://icq.example.ca" in text
    link = link_in(message, "endorse/confirm")
    assert link.startswith(f"http://localhost/{lang}/endorse/confirm/")
    assert link in html
    assert f'<html lang="{lang}-CA">' in html


def test_opening_the_link_does_not_confirm_and_the_button_does(app, client, mail_server):
    message = asked_and_delivered(app, client, mail_server)
    link = link_in(message, "endorse/confirm")

    page = client.get(path_of(link))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "data-autosubmit" in html and "Islamic Center of Quebec" in html
    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    [request] = requests(app)
    assert request.status == RequestStatus.UNCONFIRMED

    response = client.post(path_of(link), data={"csrf_token": csrf_token_from(html)})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/en/endorse/confirmed")
    assert "your request is confirmed" in client.get(response.headers["Location"]).get_data(as_text=True)
    [request] = requests(app)
    assert request.status == RequestStatus.CONFIRMED and request.confirmed_at is not None

    # Twice: harmless, and the same page.
    again = client.get(path_of(link))
    assert again.status_code == 303 and again.headers["Location"].endswith("/en/endorse/confirmed")
    assert request_row(app, request.id).confirmed_at == request.confirmed_at


def test_a_forged_or_mangled_link_is_a_clear_400(app, client, mail_server):
    message = asked_and_delivered(app, client, mail_server)
    link = link_in(message, "endorse/confirm")
    for path in (path_of(link)[:-3], "/en/endorse/confirm/not-a-token", path_of(link).replace("/en/", "/fr/") + "x"):
        page = client.get(path)
        assert page.status_code == 400
        assert "This link is not valid" in page.get_data(as_text=True) or "lien" in page.get_data(as_text=True)
    # A signer's confirmation token does not open a request, nor the other way round.
    assert client.get(path_of(link).replace("/endorse/confirm/", "/confirm/")).status_code == 400


def test_an_expired_link_offers_a_new_email(app, client, mail_server):
    message = asked_and_delivered(app, client, mail_server)
    link = link_in(message, "endorse/confirm")
    app.config["SIGNATURE_CONFIRM_MAX_AGE"] = -1

    page = client.get(path_of(link))
    assert page.status_code == 410
    html = page.get_data(as_text=True)
    assert "This link has expired" in html
    resent = client.post(path_of(link) + "/resend", data={"csrf_token": csrf_token_from(html)})
    assert resent.status_code == 303 and resent.headers["Location"].endswith("/en/endorse/check-your-inbox")

    app.config["SIGNATURE_CONFIRM_MAX_AGE"] = 7 * 24 * 3600
    deliver(app)
    assert len(mail_server.to("amina@example.ca")) == 2
    fresh = link_in(mail_server.messages[-1], "endorse/confirm")
    assert confirm_through_page(client, fresh).status_code == 303
    assert requests(app)[0].status == RequestStatus.CONFIRMED


def test_no_more_than_the_days_confirmation_emails_reach_one_address(app, client, mail_server):
    app.config["ENDORSEMENT_EMAILS_PER_DAY"] = 2
    for n in range(4):
        ask(client, name=f"Organisation number {n}")
        deliver(app)
    # Each request was recorded alike; the sender dropped the emails past the day's cap.
    assert len(requests(app)) == 4
    assert len(mail_server.to("amina@example.ca")) == 2


def test_the_days_cap_holds_within_one_batch_of_the_sender(app, client, mail_server):
    """Four requests sent before the sender runs: one batch holds all four emails, and the cap
    counts those earlier in the batch, whose outcome this batch's reads may not see yet."""
    app.config["ENDORSEMENT_EMAILS_PER_DAY"] = 2
    for n in range(4):
        ask(client, name=f"Organisation number {n}")

    deliver(app)

    assert len(mail_server.to("amina@example.ca")) == 2
    assert len(requests(app)) == 4
