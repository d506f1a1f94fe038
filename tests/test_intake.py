"""The intake: a sign form is received by the request and taken in by the sender.

What the request does must not depend on the address's history, so that its time tells nothing;
taking in must lose no form and hold none up, and keep no more than the privacy page says.
"""

import pytest
from sqlalchemy import event, inspect, select, text, update

from petition.extensions import db
from petition.signing import anonymising, intake, lifecycle, service
from petition.signing.models import ReceivedSubmission, Signature, SignatureStatus
from petition.timeutil import utcnow
from tests.mailserver import link_in
from tests.signing_helpers import VALID, confirm_through_page, deliver, hashed, sign, signatures, take_in_received
from tests.support import csrf_token_from


@pytest.fixture
def app_config(mail_config):
    return mail_config


def statements_of_a_sign_form(app, client, **fields):
    """The SQL that ``POST /en/sign`` runs, with the values left out."""
    token = csrf_token_from(client.get("/en/").get_data(as_text=True))
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.post("/en/sign", data={**VALID, "csrf_token": token, **fields})
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 303
    return seen


def received(app):
    with app.app_context():
        rows = db.session.execute(select(ReceivedSubmission).order_by(ReceivedSubmission.id)).scalars().all()
        db.session.expunge_all()
        return rows


def test_the_request_does_the_same_work_for_a_new_a_pending_and_a_confirmed_address(app, client, mail_server):
    new = statements_of_a_sign_form(app, client)
    take_in_received(app)
    pending = statements_of_a_sign_form(app, client)
    take_in_received(app)
    deliver(app)
    confirm_through_page(client, link_in(mail_server.messages[0], "confirm"))
    confirmed = statements_of_a_sign_form(app, client)
    assert new == pending == confirmed
    # Besides the form, the request reads only whether the letter is still open, the same for anyone.
    campaign_state = ("SELECT campaign.", "SELECT milestone.")
    assert [s for s in new if not s.startswith(("BEGIN", "COMMIT", "SELECT 1", *campaign_state))] == [
        s for s in new if s.startswith("INSERT INTO received_submission")
    ], "the request writes the form and nothing else"
    # And the signature it was about was not touched by the request.
    [signature] = signatures(app)
    assert signature.status == SignatureStatus.CONFIRMED


def test_a_received_form_keeps_the_hash_of_the_ip_and_becomes_a_signature_when_taken_in(app, client):
    sign(client, take_in=False)
    [form] = received(app)
    assert form.email == VALID["email"] and form.ip_hash == hashed("127.0.0.1")
    assert signatures(app, take_in=False) == []
    assert take_in_received(app) == 1
    assert received(app) == []
    [signature] = signatures(app)
    assert signature.first_name == VALID["first_name"] and signature.ip_hash == hashed("127.0.0.1")


def test_no_table_keeps_a_signers_ip(app, client, mail_server):
    sign(client, take_in=False)
    sign(client, email="other@example.org")
    deliver(app)
    with app.app_context():
        inspector = inspect(db.engine)
        for table in inspector.get_table_names():
            for row in db.session.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608 - names from the schema
                assert "127.0.0.1" not in " ".join(map(str, row)), table


def test_a_form_that_cannot_be_taken_in_waits_and_the_others_go_on(app, client, monkeypatch):
    sign(client, take_in=False, email="broken@example.org")
    sign(client, take_in=False, email="fine@example.org")
    real_submit = service.submit

    def failing_for_one(submission):
        if submission.email == "broken@example.org":
            raise RuntimeError("a bug")
        return real_submit(submission)

    monkeypatch.setattr(service, "submit", failing_for_one)
    assert take_in_received(app) == 1
    assert [s.email for s in signatures(app, take_in=False)] == ["fine@example.org"]
    [waiting] = received(app)
    assert waiting.email == "broken@example.org" and waiting.attempts == 1
    assert waiting.next_attempt_at.replace(tzinfo=None) > utcnow().replace(tzinfo=None)
    assert take_in_received(app) == 0, "not due again yet"

    monkeypatch.setattr(service, "submit", real_submit)
    with app.app_context():
        db.session.execute(update(ReceivedSubmission).values(next_attempt_at=utcnow()))
        db.session.commit()
    assert take_in_received(app) == 1
    assert sorted(s.email for s in signatures(app)) == ["broken@example.org", "fine@example.org"]


def test_a_form_that_fails_every_time_is_given_up_on_and_left_for_the_purge(app, client, monkeypatch):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    sign(client, take_in=False)
    monkeypatch.setattr(service, "submit", lambda submission: 1 / 0)
    for _ in range(2):
        take_in_received(app)
        with app.app_context():
            db.session.execute(update(ReceivedSubmission).values(next_attempt_at=utcnow()))
            db.session.commit()
    [given_up] = received(app)
    assert given_up.attempts == 2
    assert take_in_received(app) == 0
    with app.app_context():
        db.session.execute(update(ReceivedSubmission).values(received_at=utcnow().replace(year=2020)))
        db.session.commit()
        assert lifecycle.purge_unconfirmed(30).signatures == 0
    assert received(app) == []


def test_anonymising_deletes_the_forms_not_yet_taken_in(app, client):
    sign(client, take_in=False)
    with app.app_context():
        result = anonymising.anonymise()
    assert result.received_deleted == 1
    assert received(app) == []


def test_the_purge_keeps_a_form_received_today(app, client):
    sign(client, take_in=False)
    with app.app_context():
        lifecycle.purge_unconfirmed(1)
    assert len(received(app)) == 1


def test_forms_are_taken_in_oldest_first(app, client, mail_server):
    for n in range(3):
        sign(client, take_in=False, email=f"n{n}@example.org")
    with app.app_context():
        assert intake.take_in(limit=2) == 2
        db.session.remove()
    assert [s.email for s in signatures(app, take_in=False)] == ["n0@example.org", "n1@example.org"]
    deliver(app)
    assert sorted(m["To"] for m in mail_server.messages) == [f"n{n}@example.org" for n in range(3)]


def test_a_bot_fills_the_honeypot_and_nothing_is_received(app, client):
    sign(client, take_in=False, website="http://spam.example")
    assert received(app) == []
    assert signatures(app, take_in=False) == []


def test_admins_find_signatures_by_the_ip_they_came_from(app, client):
    sign(client)
    with app.app_context():
        from petition.signing.moderation import SearchFilters, search

        rows, _ = search(SearchFilters(ip="127.0.0.1"))
        assert [row.email for row in rows] == [VALID["email"]]
        rows, _ = search(SearchFilters(ip=hashed("127.0.0.1")))
        assert len(rows) == 1
        rows, _ = search(SearchFilters(ip="127.0.0.2"))
        assert rows == []


@pytest.mark.parametrize(
    ("address", "canonical"),
    [
        ("+cmd@example.org", "+cmd@example.org"),
        ("+other@example.org", "+other@example.org"),
        ("jane+tag@example.org", "jane@example.org"),
        ("Jane.Doe+p@GoogleMail.com", "janedoe@gmail.com"),
    ],
)
def test_a_tag_is_dropped_only_after_a_name(app, address, canonical):
    from petition.signing.canonical import canonical_email

    assert canonical_email(address) == canonical


def test_two_plus_addresses_at_one_domain_are_two_people(app, client):
    sign(client, email="+cmd@example.org")
    sign(client, email="+other@example.org")
    assert sorted(s.email_canonical for s in signatures(app)) == ["+cmd@example.org", "+other@example.org"]
    with app.app_context():
        assert db.session.execute(select(Signature.status)).scalars().all() == [SignatureStatus.PENDING] * 2
