"""Sending an update through the real SMTP server: who gets it, once, in which language, and what
it says; a test send; unsubscribing during a send; addresses refused for good."""

import re

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from petition.extensions import db
from petition.mail.models import OutboxMessage, OutboxStatus
from petition.mail.suppression import suppressed_addresses
from petition.updates import service as updates
from petition.updates.models import CampaignUpdate, UpdateStatus
from petition.updates.sending import SendingError
from tests.mailserver import html_of, text_of
from tests.updates_helpers import CASL, RECIPIENTS, population, progress_of, send_all, sent, written


@pytest.fixture
def app_config(mail_config):
    return mail_config | CASL | {"UPDATES_PER_MINUTE": 600_000}


@pytest.fixture
def signers(app):
    with app.test_request_context():
        population()
    # Their confirmation emails, out of the way.
    send_all(app)


def update_emails(mail_server):
    return [message for message in mail_server.messages if "Content-Language" in message and "Precedence" in message]


def test_an_update_reaches_each_consenting_confirmed_signer_once_in_their_language(app, mail_server, signers):
    update_id = written(app)
    assert sent(app, update_id) == {"en": 2, "fr": 2}
    send_all(app)

    received = update_emails(mail_server)
    assert sorted(message["To"] for message in received) == sorted(RECIPIENTS)
    for message in received:
        lang = RECIPIENTS[message["To"]]
        assert message["Content-Language"] == f"{lang}-CA"
        assert message["Subject"] == ("La lettre a été remise" if lang == "fr" else "The letter was delivered")
        text, html = text_of(message), html_of(message)
        if lang == "fr":
            assert "Cabinet du premier ministre" in text and "<strong>Cabinet du premier ministre</strong>" in html
        else:
            assert "Photos (https://example.org/photos)" in text
            assert '<a style="color:#1d4e3f;" href="https://example.org/photos">Photos</a>' in html
        # Who sends it and where, as Canada's anti-spam law asks, in both parts.
        for part in (text, html):
            assert "Coalition for the Letter" in part and "Ottawa ON K1A 0A1" in part
        with app.test_request_context(), force_locale(f"{lang}_CA"):
            why = _("Stop receiving updates")
        assert why in html
        # One click (RFC 8058), and the visible link, both to this signer's own unsubscribe.
        one_click = re.fullmatch(r"<(http://[^>]+/mail/unsubscribe/[^>]+)>", message["List-Unsubscribe"])
        assert one_click and message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert re.search(rf"/{lang}/unsubscribe/\S+", text)

    assert progress_of(app, update_id).as_dict() == {
        "recipients": 4,
        "waiting": 0,
        "queued": 0,
        "sent": 4,
        "failed": 0,
        "not_sent": 0,
        "done": True,
    }
    # Sending again cannot happen: the update is no longer a draft; nor can a cancel, once all went.
    with app.test_request_context():
        with pytest.raises(SendingError, match="not a draft"):
            updates.send(db.session.get(CampaignUpdate, update_id))
        with pytest.raises(SendingError, match="nothing left to cancel"):
            updates.cancel(db.session.get(CampaignUpdate, update_id))
    send_all(app)
    assert len(update_emails(mail_server)) == 4


def test_an_update_limited_to_provinces_reaches_only_their_signers(app, mail_server, signers):
    update_id = written(app, provinces=("qc", "BC"))
    assert sent(app, update_id) == {"en": 0, "fr": 2}
    send_all(app)
    assert sorted(message["To"] for message in update_emails(mail_server)) == ["benoit@example.ca", "zoe@example.net"]


def test_a_test_send_reaches_only_the_administrator_in_both_languages(app, mail_server, signers):
    update_id = written(app)
    with app.test_request_context():
        updates.send_test(db.session.get(CampaignUpdate, update_id), "admin@example.org")
    send_all(app)

    received = update_emails(mail_server)
    assert [message["To"] for message in received] == ["admin@example.org", "admin@example.org"]
    by_language = {message["Content-Language"]: message for message in received}
    assert by_language["en-CA"]["Subject"] == "[Test] The letter was delivered"
    assert by_language["fr-CA"]["Subject"].endswith("La lettre a été remise")
    assert "This is a test" in text_of(by_language["en-CA"])
    assert all("List-Unsubscribe" not in message for message in received), "a test names no signer's link"
    with app.app_context():
        assert db.session.get(CampaignUpdate, update_id).status == UpdateStatus.DRAFT


def test_sending_is_refused_without_the_sender_identification(app, signers):
    update_id = written(app)
    for missing in ("CAMPAIGN_NAME", "CAMPAIGN_POSTAL_ADDRESS"):
        app.config[missing] = " "
        with app.test_request_context(), pytest.raises(SendingError, match=missing):
            updates.send(db.session.get(CampaignUpdate, update_id))
        app.config.update(CASL)
    with app.app_context():
        assert db.session.get(CampaignUpdate, update_id).status == UpdateStatus.DRAFT
        assert db.session.query(OutboxMessage).filter_by(kind="update").count() == 0


def test_an_unsubscribe_during_a_send_stops_the_rest_for_that_person(app, client, mail_server, signers):
    update_id = written(app)
    sent(app, update_id)
    with app.app_context():
        from petition.updates.sending import hand_over

        assert hand_over() == 4, "every recipient is queued"
        db.session.remove()
    # Ana follows the one-click link of an earlier email while her update waits in the outbox.
    with app.test_request_context():
        from petition.signing.models import Signature
        from petition.signing.tokens import unsubscribe_token

        ana = db.session.execute(db.select(Signature).filter_by(email="ana@example.org")).scalar_one()
        token = unsubscribe_token(ana)
    assert client.post(f"/mail/unsubscribe/{token}").status_code == 204
    send_all(app)

    assert "ana@example.org" not in {message["To"] for message in update_emails(mail_server)}
    assert len(update_emails(mail_server)) == 3
    progress = progress_of(app, update_id)
    assert (progress.sent, progress.not_sent, progress.done) == (3, 1, True)
    with app.app_context():
        statuses = {m.to_address: m.status for m in db.session.query(OutboxMessage).filter_by(kind="update")}
        assert statuses["ana@example.org"] == OutboxStatus.DROPPED


def test_a_signer_who_unsubscribes_before_their_turn_is_skipped(app, client, mail_server, signers):
    update_id = written(app)
    sent(app, update_id)
    with app.test_request_context():
        from petition.signing import service
        from petition.signing.models import Signature

        service.unsubscribe(db.session.execute(db.select(Signature).filter_by(email="zoe@example.net")).scalar_one())
    send_all(app)
    assert sorted(message["To"] for message in update_emails(mail_server)) == sorted(
        set(RECIPIENTS) - {"zoe@example.net"}
    )
    progress = progress_of(app, update_id)
    assert (progress.recipients, progress.sent, progress.not_sent) == (4, 3, 1)


def test_an_address_refused_for_good_is_left_out_of_the_next_update_and_listed(app, mail_server, signers):
    mail_server.inbox.unknown = {"benoit@example.ca"}
    first = written(app)
    sent(app, first)
    send_all(app)
    progress = progress_of(app, first)
    assert (progress.sent, progress.failed) == (3, 1)
    with app.app_context():
        listed = suppressed_addresses()
        assert [entry.address for entry in listed] == ["benoit@example.ca"]
        assert "550" in listed[0].reason and listed[0].kind == "update"

    second = written(app)
    assert sent(app, second) == {"en": 2, "fr": 1}
    send_all(app)
    assert [m["To"] for m in update_emails(mail_server)].count("benoit@example.ca") == 0


def test_the_signing_date_reads_as_each_language_writes_it():
    from datetime import date

    from petition.updates.emails import date_in

    assert date_in(date(2026, 3, 1), "fr") == "1er mars 2026"
    assert date_in(date(2026, 3, 21), "fr") == "21 mars 2026"
    assert date_in(date(2026, 3, 1), "en") == "March 1, 2026"
