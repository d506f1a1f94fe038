"""Sending from the updates' pages, through the real SMTP server: a test to the administrator only,
the send with its counts and its confirmation, refused without the sender identification, the
progress as JSON, cancelling, and the addresses refused for good (listed, and taken off)."""

import pytest

from petition.audit import AuditEvent
from petition.extensions import db
from petition.mail.models import OutboxMessage
from petition.mail.suppression import suppressed_addresses
from petition.updates.models import CampaignUpdate, UpdateStatus
from petition.updates.sending import hand_over
from tests.admin.admin_helpers import text_of, token
from tests.updates_helpers import CASL, RECIPIENTS, population, send_all, sent, written


@pytest.fixture
def app_config(mail_config):
    return mail_config | CASL | {"UPDATES_PER_MINUTE": 600_000}


@pytest.fixture
def signers(app):
    with app.test_request_context():
        population()
    send_all(app)  # their confirmation emails, out of the way


def update_emails(mail_server):
    return [message for message in mail_server.messages if "Content-Language" in message and "Precedence" in message]


def status_of(app, update_id):
    with app.app_context():
        return db.session.get(CampaignUpdate, update_id).status


def audit_of(app, action):
    with app.app_context():
        return db.session.execute(db.select(AuditEvent).where(AuditEvent.action == action)).scalars().all()


def post(admin, update_id, action, **data):
    return admin.post(f"/admin/updates/{update_id}/{action}", data={"csrf_token": token(admin), **data})


def test_a_test_send_goes_to_the_administrator_alone(app, admin, mail_server, signers):
    update_id = written(app)
    response = post(admin, update_id, "test")
    assert response.status_code == 303
    assert "is sent to admin@example.org" in text_of(admin.get(response.headers["Location"]))
    send_all(app)
    received = update_emails(mail_server)
    assert [message["To"] for message in received] == ["admin@example.org", "admin@example.org"]
    assert {message["Content-Language"] for message in received} == {"en-CA", "fr-CA"}
    assert all(
        message["Subject"].startswith("[Test]") for message in received if message["Content-Language"] == "en-CA"
    )
    assert status_of(app, update_id) == UpdateStatus.DRAFT
    [event] = audit_of(app, "update test sent")
    assert event.actor == "admin@example.org" and "to admin@example.org" in event.detail


def test_the_page_says_how_many_will_receive_it_and_asks_to_confirm(app, admin, mail_server, signers):
    update_id = written(app)
    page = text_of(admin.get(f"/admin/updates/{update_id}"))
    assert "This sends the update to 4 people: 2 in English, 2 in French." in page
    assert "I have read both previews" in page and "Send to 4 people" in page

    unconfirmed = post(admin, update_id, "send")
    assert unconfirmed.status_code == 400
    assert "Please read both previews first, then tick the box." in text_of(unconfirmed)
    assert status_of(app, update_id) == UpdateStatus.DRAFT

    response = post(admin, update_id, "send", read_previews="y")
    assert response.status_code == 303
    page = admin.get(response.headers["Location"])
    assert "Sending to 4 people: 2 in English, 2 in French." in text_of(page)
    html = page.get_data(as_text=True)
    assert f'data-progress-url="/admin/updates/{update_id}/progress"' in html
    assert "<progress" in html and 'role="status"' in html
    assert "update-progress.js" in html and "Send to 4 people" not in html
    # Without script, the figures as the page was served, and a way to see them move.
    assert "The figures as of" in text_of(page)
    assert f'<a href="/admin/updates/{update_id}">Reload</a>' in html
    [event] = audit_of(app, "update sent")
    assert event.actor == "admin@example.org" and "english 2; french 2" in event.detail

    send_all(app)
    assert sorted(message["To"] for message in update_emails(mail_server)) == sorted(RECIPIENTS)
    # Sending again is refused, and nobody gets it twice.
    again = post(admin, update_id, "send", read_previews="y")
    assert again.status_code == 400 and "no longer a draft" in text_of(again)
    send_all(app)
    assert len(update_emails(mail_server)) == 4


def test_the_progress_follows_the_send_as_json(app, admin, signers):
    update_id = written(app)
    draft = admin.get(f"/admin/updates/{update_id}/progress")
    assert draft.status_code == 200 and draft.get_json()["status"] == "draft"
    sent(app, update_id)
    assert admin.get(f"/admin/updates/{update_id}/progress").get_json() == {
        "recipients": 4,
        "waiting": 4,
        "queued": 0,
        "sent": 0,
        "failed": 0,
        "not_sent": 0,
        "done": False,
        "status": "sending",
    }
    with app.app_context():
        hand_over()
    middle = admin.get(f"/admin/updates/{update_id}/progress").get_json()
    assert (middle["waiting"], middle["queued"], middle["status"]) == (0, 4, "sent")
    send_all(app)
    response = admin.get(f"/admin/updates/{update_id}/progress")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json() | {"done": True} == response.get_json()
    assert (response.get_json()["sent"], response.get_json()["status"]) == (4, "sent")
    page = text_of(admin.get(f"/admin/updates/{update_id}"))
    assert "Done: every one of the 4 recipients is handled." in page
    assert "Cancel the update" not in page, "nothing is left to cancel"
    assert post(admin, update_id, "cancel").status_code == 400


@pytest.mark.parametrize("missing", ["CAMPAIGN_NAME", "CAMPAIGN_POSTAL_ADDRESS"])
def test_sending_is_refused_without_the_sender_identification(app, admin, signers, missing):
    update_id = written(app)
    app.config[missing] = ""
    page = admin.get(f"/admin/updates/{update_id}")
    text = text_of(page)
    assert "This update cannot be sent yet." in text and missing in text
    assert "anti-spam law" in text and "postal address" in text
    assert f"/admin/updates/{update_id}/send" not in page.get_data(as_text=True)
    response = post(admin, update_id, "send", read_previews="y")
    assert response.status_code == 400
    assert "This update cannot be sent" in text_of(response) and missing in text_of(response)
    assert status_of(app, update_id) == UpdateStatus.DRAFT
    with app.app_context():
        assert db.session.query(OutboxMessage).filter_by(kind="update").count() == 0
    assert audit_of(app, "update sent") == []


def test_cancelling_a_send_drops_what_has_not_left(app, admin, mail_server, signers):
    update_id = written(app)
    sent(app, update_id)
    with app.app_context():
        assert hand_over() == 4
    confirm = admin.get(f"/admin/updates/{update_id}/cancel")
    assert confirm.status_code == 200 and "Cancel the update?" in text_of(confirm)
    response = post(admin, update_id, "cancel")
    assert response.status_code == 303
    assert "4 messages waiting to leave were dropped." in text_of(admin.get(response.headers["Location"]))
    send_all(app)
    assert update_emails(mail_server) == []
    assert status_of(app, update_id) == UpdateStatus.CANCELLED
    assert admin.get(f"/admin/updates/{update_id}/progress").get_json()["not_sent"] == 4
    page = admin.get(f"/admin/updates/{update_id}")
    assert "Cancelled: it reached 0 of the 4 recipients before it stopped." in text_of(page)
    assert "data-finished" in page.get_data(as_text=True), "nothing more to follow"
    [event] = audit_of(app, "update cancelled")
    assert event.actor == "admin@example.org" and "dropped 4" in event.detail
    assert post(admin, update_id, "cancel").status_code == 400
    assert post(admin, update_id, "test").status_code == 400


def test_a_draft_can_be_set_aside(app, admin, signers):
    update_id = written(app)
    assert post(admin, update_id, "cancel").status_code == 303
    assert status_of(app, update_id) == UpdateStatus.CANCELLED
    assert post(admin, update_id, "send", read_previews="y").status_code == 400
    assert "Cancelled Every province and territory — — Never sent" in text_of(admin.get("/admin/updates/"))
    assert "data-progress-url" not in admin.get(f"/admin/updates/{update_id}").get_data(as_text=True)


@pytest.mark.parametrize("action", ["test", "send", "cancel"])
def test_without_its_csrf_token_nothing_is_done(app, admin, mail_server, signers, action):
    update_id = written(app)
    response = admin.post(f"/admin/updates/{update_id}/{action}", data={"read_previews": "y"})
    assert response.status_code == 400
    assert "This form has expired" in text_of(response)
    send_all(app)
    assert update_emails(mail_server) == []
    assert status_of(app, update_id) == UpdateStatus.DRAFT


def test_the_addresses_refused_for_good_are_listed_and_can_be_taken_off(app, admin, mail_server, signers):
    mail_server.inbox.unknown = {"benoit@example.ca"}
    update_id = written(app)
    post(admin, update_id, "send", read_previews="y")
    send_all(app)
    listing = admin.get("/admin/updates/")
    text = text_of(listing)
    assert "benoit@example.ca" in text and "550" in text
    assert "3 sent · 1 failed" in text
    assert 'aria-label="Take benoit@example.ca off the list"' in listing.get_data(as_text=True)

    refused = admin.post("/admin/updates/refused/lift", data={"address": "benoit@example.ca"})
    assert refused.status_code == 400, "no CSRF token"
    response = admin.post(
        "/admin/updates/refused/lift", data={"csrf_token": token(admin), "address": "Benoit@Example.ca"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/updates/#refused")
    assert "Benoit@Example.ca will receive updates again." in text_of(admin.get("/admin/updates/"))
    with app.app_context():
        assert suppressed_addresses() == []
    [event] = audit_of(app, "suppression lifted")
    assert event.detail == "Benoit@Example.ca" and event.actor == "admin@example.org"

    again = admin.post("/admin/updates/refused/lift", data={"csrf_token": token(admin), "address": "benoit@example.ca"})
    assert again.status_code == 303
    assert "was not on the list" in text_of(admin.get("/admin/updates/"))
    assert len(audit_of(app, "suppression lifted")) == 1
    empty = admin.post("/admin/updates/refused/lift", data={"csrf_token": token(admin), "address": " "})
    assert empty.status_code == 400
