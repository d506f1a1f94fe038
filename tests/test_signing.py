"""The signing journey end to end: the form, the real email, its link, the count."""

import threading

import pytest

from petition.extensions import db
from petition.mail.models import OutboxMessage, OutboxStatus
from petition.signing.models import Signature, SignatureStatus
from tests.mailserver import html_of, link_in, text_of
from tests.signing_helpers import (
    VALID,
    confirm_through_page,
    count,
    deliver,
    path_of,
    sign,
    signatures,
    take_in_received,
)


@pytest.fixture
def app_config(mail_config):
    return mail_config


def make_due(app):
    """Let the retry delay pass for every queued message."""
    from petition.timeutil import utcnow

    with app.app_context():
        db.session.execute(db.update(OutboxMessage).values(next_attempt_at=utcnow()))
        db.session.commit()


def test_sign_confirm_and_count_in_french(app, client, mail_server, endorsements):
    response = sign(client, "fr", updates="y")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/fr/sign/check-your-inbox")
    assert client.get(response.headers["Location"]).status_code == 200
    assert count(client) == 0

    assert deliver(app) == 1
    [message] = mail_server.to(VALID["email"])
    assert message["Content-Language"] == "fr-CA"
    assert "confirmer" in message["Subject"].lower()
    assert "Bonjour Élodie" in text_of(message)
    assert "Élodie" in html_of(message)
    assert message["List-Unsubscribe"].startswith("<http://localhost/mail/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = link_in(message, "confirm")
    assert "/fr/confirm/" in link

    # Opening the link, as a mail scanner would, confirms nothing.
    assert client.get(path_of(link)).status_code == 200
    assert count(client) == 0

    confirmed = confirm_through_page(client, link)
    assert confirmed.status_code == 303
    assert confirmed.headers["Location"].endswith("/fr/thanks")
    thanks = client.get("/fr/thanks").get_data(as_text=True)
    assert "Élodie" in thanks
    assert count(client) == 1

    [signature] = signatures(app)
    assert signature.status == SignatureStatus.CONFIRMED
    assert signature.lang == "fr"
    assert signature.wants_updates and signature.updates_consented_at and signature.consent_wording


def test_confirming_twice_shows_the_same_thanks_and_counts_once(app, client, mail_server):
    sign(client)
    deliver(app)
    link = link_in(mail_server.messages[0], "confirm")
    confirm_through_page(client, link)
    again = client.get(path_of(link))
    assert again.status_code == 303 and again.headers["Location"].endswith("/en/thanks")
    assert count(client) == 1


def test_the_count_and_page_show_only_confirmed_signatures(app, client, mail_server, endorsements):
    for n in range(3):
        sign(client, email=f"person{n}@example.org")
    deliver(app)
    confirm_through_page(client, link_in(mail_server.to("person1@example.org")[0], "confirm"))
    assert count(client) == 1
    page = client.get("/en/").get_data(as_text=True)
    assert 'data-counter="signatures">1<' in page


def test_a_forged_or_malformed_token_gets_a_clear_400_page(app, client, mail_server):
    sign(client, "fr")
    deliver(app)
    link = path_of(link_in(mail_server.messages[0], "confirm"))
    forged = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    for path in (forged, "/fr/confirm/not-a-token", "/fr/confirm/" + "x" * 600, "/fr/withdraw/garbage"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert "Ce lien n’est pas valide" in response.get_data(as_text=True)
    # A confirmation token is worthless as a withdrawal token, and the reverse.
    token = link.rsplit("/", 1)[1]
    assert client.get(f"/fr/withdraw/{token}").status_code == 400
    assert count(client) == 0


def test_an_expired_link_offers_a_fresh_email(app, client, mail_server):
    sign(client)
    deliver(app)
    link = link_in(mail_server.messages[0], "confirm")
    app.config["SIGNATURE_CONFIRM_MAX_AGE"] = -1
    page = client.get(path_of(link))
    assert page.status_code == 410
    html = page.get_data(as_text=True)
    assert "expired" in html
    from tests.support import csrf_token_from

    resend = client.post(path_of(link) + "/resend", data={"csrf_token": csrf_token_from(html)})
    assert resend.status_code == 303
    app.config["SIGNATURE_CONFIRM_MAX_AGE"] = 7 * 24 * 3600
    deliver(app)
    assert len(mail_server.messages) == 2
    confirm_through_page(client, link_in(mail_server.messages[1], "confirm"))
    assert count(client) == 1


def test_withdrawing_removes_the_signature_from_the_count_and_kills_old_links(app, client, mail_server):
    sign(client, updates="y")
    deliver(app)
    [message] = mail_server.messages
    confirm_link = link_in(message, "confirm")
    confirm_through_page(client, confirm_link)
    assert count(client) == 1

    withdraw_link = path_of(link_in(message, "withdraw"))
    page = client.get(withdraw_link)
    assert page.status_code == 200 and count(client) == 1
    from tests.support import csrf_token_from

    done = client.post(withdraw_link, data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert done.status_code == 200
    assert count(client) == 0
    assert client.get(path_of(confirm_link)).status_code == 400
    [signature] = signatures(app)
    assert signature.status == SignatureStatus.WITHDRAWN and not signature.wants_updates

    # Signing again starts a new confirmation, with new links.
    sign(client)
    deliver(app)
    assert len(mail_server.messages) == 2
    confirm_through_page(client, link_in(mail_server.messages[1], "confirm"))
    assert count(client) == 1


def test_one_click_unsubscribe_needs_no_form(app, client, mail_server):
    sign(client, updates="y")
    deliver(app)
    url = mail_server.messages[0]["List-Unsubscribe"].strip("<>")
    response = client.post(path_of(url), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 204
    assert not signatures(app)[0].wants_updates
    assert client.post("/mail/unsubscribe/forged", data={"List-Unsubscribe": "One-Click"}).status_code == 400


def test_unsubscribe_page_keeps_the_signature(app, client, mail_server):
    sign(client, updates="y")
    deliver(app)
    link = path_of(link_in(mail_server.messages[0], "unsubscribe"))
    from tests.support import csrf_token_from

    page = client.get(link)
    assert page.status_code == 200
    assert client.post(link, data={"csrf_token": csrf_token_from(page.get_data(as_text=True))}).status_code == 200
    [signature] = signatures(app)
    assert not signature.wants_updates and signature.status == SignatureStatus.PENDING


@pytest.mark.parametrize(
    "variant", ["Elodie.Tremblay@Example.CA", "elodie.tremblay+letter@example.ca", " elodie.tremblay@example.ca "]
)
def test_the_same_address_in_another_form_is_one_signature(app, client, mail_server, variant):
    sign(client)
    sign(client, email=variant)
    assert len(signatures(app)) == 1


def test_gmail_dots_and_googlemail_are_one_signer(app, client, mail_server):
    sign(client, email="jane.doe@gmail.com")
    sign(client, email="JaneDoe+x@googlemail.com")
    assert len(signatures(app)) == 1


def test_signing_again_while_pending_resends_at_most_three_emails_a_day(app, client, mail_server):
    for _ in range(5):
        assert sign(client).status_code == 303
    deliver(app)
    assert len(mail_server.messages) == 3
    assert len(signatures(app)) == 1


def test_signing_again_once_confirmed_sends_a_note_not_a_second_signature(app, client, mail_server):
    sign(client)
    deliver(app)
    confirm_through_page(client, link_in(mail_server.messages[0], "confirm"))
    second = sign(client, first_name="Someone", last_name="Else")
    assert second.status_code == 303 and second.headers["Location"].endswith("/en/sign/check-your-inbox")
    deliver(app)
    note = mail_server.messages[1]
    assert "already signed" in note["Subject"]
    assert "/confirm/" not in text_of(note)
    [signature] = signatures(app)
    assert signature.first_name == "Élodie"
    assert count(client) == 1


def test_invalidated_signature_signing_again_sends_nothing(app, client, mail_server):
    sign(client)
    with app.app_context():
        signature = db.session.execute(db.select(Signature)).scalar_one()
        signature.status = SignatureStatus.INVALIDATED
        db.session.execute(db.delete(OutboxMessage))
        db.session.commit()
    response = sign(client)
    assert response.status_code == 303
    deliver(app)
    assert mail_server.messages == []


def test_two_people_signing_the_same_address_at_once_leave_one_signature(app, mail_server):
    barrier = threading.Barrier(4)
    results = []

    def attempt():
        client = app.test_client()
        from tests.support import csrf_token_from

        token = csrf_token_from(client.get("/en/").get_data(as_text=True))
        barrier.wait()
        response = client.post("/en/sign", data={**VALID, "csrf_token": token})
        results.append(response.status_code)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [303] * 4
    # Two senders take the four forms in at once.
    senders = [threading.Thread(target=take_in_received, args=(app,)) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    assert len(signatures(app)) == 1
    assert take_in_received(app) == 0, "every form was taken in once"


def test_mail_server_down_at_signing_then_back_delivers_once(app, client, mail_server):
    mail_server.stop()
    sign(client)
    assert deliver(app) == 0
    with app.app_context():
        message = db.session.execute(db.select(OutboxMessage)).scalar_one()
        assert message.status == OutboxStatus.QUEUED and message.attempts == 1 and message.last_error
    mail_server.start()
    assert deliver(app) == 0  # not due again yet
    make_due(app)
    assert deliver(app) == 1
    assert deliver(app) == 0
    assert len(mail_server.messages) == 1


def test_a_refusing_mail_server_is_retried_then_the_message_fails_with_its_error(app, client, mail_server):
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    mail_server.inbox.refuse = True
    sign(client)
    for _ in range(3):
        deliver(app)
        make_due(app)
    with app.app_context():
        message = db.session.execute(db.select(OutboxMessage)).scalar_one()
        assert message.status == OutboxStatus.FAILED
        assert message.attempts == 3
        assert "451" in message.last_error


def test_two_senders_draining_one_outbox_send_each_message_once(app, client, mail_server):
    for n in range(30):
        sign(client, email=f"signer{n}@example.org")
    from petition.mail.outbox import drain_all

    def sender(name):
        with app.app_context():
            drain_all(claimant=name)
            db.session.remove()

    threads = [threading.Thread(target=sender, args=(f"sender-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [m["Message-ID"] for m in mail_server.messages]
    assert len(ids) == 30 and len(set(ids)) == 30
    with app.app_context():
        statuses = db.session.execute(db.select(OutboxMessage.status)).scalars().all()
    assert set(statuses) == {OutboxStatus.SENT}


def test_background_sender_delivers_without_anything_else_started(app, client, mail_server):
    from petition.mail.background import init_app as start_background

    app.config["MAIL_BACKGROUND_SENDER"] = True
    start_background(app)
    try:
        sign(client, take_in=False)  # the sender takes the form in, then sends its email
        assert len(mail_server.wait_for(1)) == 1
    finally:
        app.extensions["outbox_sender"].stop()


def test_withdrawn_between_opening_the_confirm_page_and_pressing_the_button(app, client, mail_server):
    from petition.signing import service
    from tests.support import csrf_token_from

    sign(client)
    deliver(app)
    link = path_of(link_in(mail_server.messages[0], "confirm"))
    token = csrf_token_from(client.get(link).get_data(as_text=True))
    with app.app_context():
        signature = db.session.execute(db.select(Signature)).scalar_one()
        signature.status = SignatureStatus.INVALIDATED
        db.session.commit()
        with pytest.raises(service.SigningError):
            service.confirm(signature)
    response = client.post(link, data={"csrf_token": token})
    assert response.status_code == 400
    assert count(client) == 0
