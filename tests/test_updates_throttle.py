"""The pace of a send: recipients handed to the outbox as UPDATES_PER_MINUTE allows, one sender
per turn, never in a burst after the senders were away; cancelling drops what is left."""

import threading
from datetime import timedelta

import pytest

from petition.audit import AuditEvent
from petition.extensions import db
from petition.mail.models import OutboxMessage, OutboxStatus
from petition.timeutil import utcnow
from petition.updates import sending
from petition.updates import service as updates
from petition.updates.models import CampaignUpdate, UpdateRecipient, UpdateStatus
from tests.export_helpers import add
from tests.updates_helpers import CASL, progress_of, send_all, sent, written


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def app_config(mail_config):
    return mail_config | CASL | {"UPDATES_PER_MINUTE": 60, "MAIL_BATCH_SIZE": 50}


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(sending, "utcnow", clock)
    return clock


def consenting(app, count, lang="en"):
    with app.test_request_context():
        for n in range(count):
            add("Signer", f"N{n}", f"signer{n}-{lang}@example.org", wants_updates=True, lang=lang)
        db.session.remove()
    send_all(app)  # their confirmation emails


def handed_over(app):
    with app.app_context():
        queued = sending.hand_over()
        db.session.remove()
    return queued


def test_recipients_are_handed_over_at_the_rate_and_never_in_a_burst(app, clock):
    consenting(app, 120)
    update_id = written(app)
    sent(app, update_id)

    assert handed_over(app) == 1, "one second's worth is due at once"
    clock.advance(0.5)
    assert handed_over(app) == 0
    clock.advance(2.7)
    assert handed_over(app) == 3
    # The senders were all away for a quarter of an hour: two seconds' worth or a batch, the
    # larger, and the rest of the time is let go rather than sent in one go.
    clock.advance(900)
    assert handed_over(app) == 50
    assert handed_over(app) == 0
    clock.advance(60)
    assert handed_over(app) == 50
    clock.advance(60)
    assert handed_over(app) == 16, "the last of the 120"
    with app.app_context():
        assert db.session.get(CampaignUpdate, update_id).status == UpdateStatus.SENT
    assert progress_of(app, update_id).waiting == 0


def test_two_senders_never_take_one_turn(app, clock):
    consenting(app, 10)
    update_id = written(app)
    sent(app, update_id)
    clock.advance(5)
    with app.app_context():
        turn = db.session.execute(
            db.select(CampaignUpdate.id, CampaignUpdate.turn, CampaignUpdate.fed_until).filter_by(id=update_id)
        ).one()
        db.session.rollback()
        assert sending.hand_over_turn(*turn) == 6
        assert sending.hand_over_turn(*turn) == 0, "the second sender read the same turn: it is taken"
        assert db.session.query(OutboxMessage).filter_by(kind="update").count() == 6


def test_senders_running_at_once_send_each_recipient_one_message(app, mail_server):
    app.config["UPDATES_PER_MINUTE"] = 600_000
    consenting(app, 60, "en")
    consenting(app, 60, "fr")
    update_id = written(app)
    sent(app, update_id)
    errors = []

    def sender(name):
        try:
            with app.app_context():
                from petition.mail.outbox import drain_all

                drain_all(claimant=name)
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=sender, args=(f"sender-{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    send_all(app)  # whatever a lost race left for later
    assert errors == []
    received = [m["To"] for m in mail_server.messages if "Precedence" in m]
    assert len(received) == 120 and len(set(received)) == 120
    assert progress_of(app, update_id).sent == 120


def test_cancelling_drops_what_waits_and_hands_over_nothing_more(app, clock, mail_server):
    consenting(app, 20)
    update_id = written(app)
    sent(app, update_id)
    assert handed_over(app) == 1
    with app.test_request_context():
        dropped = updates.cancel(db.session.get(CampaignUpdate, update_id))
    assert dropped == 1
    clock.advance(600)
    assert handed_over(app) == 0
    send_all(app)
    assert [m for m in mail_server.messages if "Precedence" in m] == []
    progress = progress_of(app, update_id)
    assert (progress.sent, progress.waiting, progress.not_sent, progress.done) == (0, 0, 20, True)
    with app.app_context():
        assert db.session.query(OutboxMessage).filter_by(kind="update").one().status == OutboxStatus.DROPPED
        entry = db.session.query(AuditEvent).filter_by(action="update cancelled").one()
        assert "dropped 1" in entry.detail
        with pytest.raises(sending.SendingError):
            updates.cancel(db.session.get(CampaignUpdate, update_id))


def test_one_row_per_signer_and_update_is_the_schemas_rule(app):
    """Whatever code did, the database refuses a second recipient row for one signer."""
    consenting(app, 1)
    update_id = written(app)
    sent(app, update_id)
    with app.app_context():
        row = db.session.query(UpdateRecipient).one()
        db.session.expunge(row)
        db.session.add(UpdateRecipient(update_id=update_id, signature_id=row.signature_id, lang="en"))
        with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
            db.session.commit()
        db.session.rollback()
