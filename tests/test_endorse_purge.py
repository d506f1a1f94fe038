"""Requests to endorse never confirmed are purged with the unconfirmed signatures, by the same
command, with their emails; confirmed and decided ones stay. Anonymising at the close erases the
contacts, and the organisations stay on the list."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from petition.endorsements import figures_links, joining
from petition.endorsements.request_models import EndorsementRequest, ReceivedFiguresAsk
from petition.extensions import db
from petition.mail.models import OutboxMessage
from petition.signing import anonymising
from petition.timeutil import utcnow
from tests.joining_helpers import approve, make_request, requests
from tests.privacy_helpers import add, age, audit_entries

RETENTION = 30


@pytest.fixture
def app_config():
    return {"UNCONFIRMED_RETENTION_DAYS": RETENTION}


def age_request(app, request_id, days):
    with app.app_context():
        then = utcnow() - timedelta(days=days)
        db.session.execute(
            update(EndorsementRequest)
            .where(EndorsementRequest.id == request_id)
            .values(created_at=then, emailed_at=then)
        )
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.endorsement_request_id == request_id).values(created_at=then)
        )
        db.session.commit()


def messages_of(app, request_id):
    with app.app_context():
        query = db.select(db.func.count()).select_from(OutboxMessage)
        return db.session.execute(query.where(OutboxMessage.endorsement_request_id == request_id)).scalar_one()


@pytest.fixture
def mixed(app, endorsements):
    roles = {
        "old": make_request(app, "Old Silent Society", "old@example.ca", confirm=False),
        "fresh": make_request(app, "Fresh Society", "fresh@example.ca", confirm=False),
        "old_confirmed": make_request(app, "Old Confirmed Society", "confirmed@example.ca"),
        "old_approved": make_request(app, "Old Approved Society", "approved@example.ca"),
        "resent": make_request(app, "Asked Again Society", "again@example.ca", confirm=False),
    }
    approve(app, roles["old_approved"])
    for role in ("old", "old_confirmed", "old_approved", "resent"):
        age_request(app, roles[role], RETENTION + 5)
    with app.test_request_context():
        # Its contact asked for a new link yesterday: that link must keep working.
        joining.resend_confirmation(db.session.get(EndorsementRequest, roles["resent"]))
        age(add("old.pending@example.org"), RETENTION + 5)
        db.session.remove()
    return roles


def test_the_purge_removes_the_requests_never_confirmed_with_the_signatures(app, runner, mixed):
    assert messages_of(app, mixed["old"]) == 1

    dry = runner.invoke(args=["signatures", "purge-unconfirmed", "--dry-run"])
    assert "Would remove 1 unconfirmed signatures and 1 unconfirmed requests to endorse" in dry.output
    assert len(requests(app)) == 5

    result = runner.invoke(args=["signatures", "purge-unconfirmed"])

    assert result.exit_code == 0, result.output
    assert "Removed 1 unconfirmed signatures and 1 unconfirmed requests to endorse" in result.output
    left = {request.id for request in requests(app)}
    assert left == {mixed["fresh"], mixed["old_confirmed"], mixed["old_approved"], mixed["resent"]}
    assert messages_of(app, mixed["old"]) == 0
    with app.app_context():
        assert "old@example.ca" not in [m.to_address for m in db.session.execute(db.select(OutboxMessage)).scalars()]
        [entry] = audit_entries("purge unconfirmed")
    assert entry["requests_removed"] == 1 and entry["removed"] == 1

    again = runner.invoke(args=["signatures", "purge-unconfirmed"])
    assert "Removed 0 unconfirmed signatures and 0 unconfirmed requests" in again.output


def test_figures_asks_left_behind_go_with_the_purge(app, mixed):
    with app.app_context():
        figures_links.receive("old-approved-society", "someone@example.ca", "en")
        db.session.execute(update(ReceivedFiguresAsk).values(received_at=utcnow() - timedelta(days=RETENTION + 1)))
        db.session.commit()
        joining.purge_unconfirmed(utcnow() - timedelta(days=RETENTION))
        assert db.session.execute(db.select(db.func.count()).select_from(ReceivedFiguresAsk)).scalar_one() == 0


def test_anonymising_erases_the_contacts_and_keeps_the_organisations(app, client, mixed):
    names_before = client.get("/en/").get_data(as_text=True).count("Old Approved Society")
    with app.app_context():
        done = anonymising.anonymise()
    assert (done.requests_deleted, done.requests_erased) == (4, 1)
    [approved] = requests(app)
    assert approved.id == mixed["old_approved"]
    assert approved.contact_name == ""
    assert approved.contact_email == approved.contact_email_canonical == f"anonymised-request-{approved.id}@invalid"
    assert client.get("/en/").get_data(as_text=True).count("Old Approved Society") == names_before == 1
    with app.app_context():
        assert anonymising.anonymise().requests_erased == 0  # a second run finds nothing left
