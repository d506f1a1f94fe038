"""Signing in and out: wrong passwords, unknown addresses, the lock, rate limits, idle sessions, CSRF."""

import re
import time
from datetime import timedelta

import pytest

from petition.admin.accounts import hash_password
from petition.admin.models import Administrator, AuditEvent
from petition.extensions import db
from petition.timeutil import utcnow
from tests.admin.admin_helpers import ADMIN_EMAIL, ADMIN_PASSWORD, make_signature, sign_in, signature, token


def failure_text(response):
    match = re.search(r'<p class="message error" role="alert">([^<]+)</p>', response.get_data(as_text=True))
    return match and match.group(1)


def audit_actions(app):
    with app.app_context():
        return db.session.execute(db.select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()


def administrator_row(app):
    with app.app_context():
        row = db.session.execute(db.select(Administrator)).scalar_one()
        db.session.expunge(row)
        return row


def test_the_right_password_signs_in_and_is_recorded(app, client, administrator):
    response = sign_in(client)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/"
    page = client.get("/admin/")
    assert page.status_code == 200
    assert ADMIN_EMAIL in page.get_data(as_text=True)
    assert audit_actions(app) == ["sign-in"]
    assert administrator_row(app).last_sign_in_at is not None


def test_the_address_is_matched_whatever_its_case(client, administrator):
    assert sign_in(client, email="  Admin@Example.ORG ").status_code == 303


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(app, client, administrator):
    wrong = sign_in(client, password="not the password at all")
    unknown = sign_in(client, email="nobody@example.org", password="not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert failure_text(wrong) and failure_text(wrong) == failure_text(unknown)
    assert client.get("/admin/").status_code == 302
    assert audit_actions(app) == ["sign-in failed", "sign-in failed"]


def test_an_empty_form_is_a_400(client, administrator):
    csrf = token(client, "/admin/sign-in")
    response = client.post("/admin/sign-in", data={"csrf_token": csrf, "email": "", "password": ""})
    assert response.status_code == 400
    assert "Please enter your email address." in response.get_data(as_text=True)


def test_the_account_locks_after_repeated_failures_and_unlocks_later(app, client, administrator):
    failures = app.config["ADMIN_LOCK_AFTER_FAILURES"]
    answers = {failure_text(sign_in(client, password=f"wrong password {n}")) for n in range(failures)}
    assert len(answers) == 1  # the lock does not announce itself: it reads like any failure
    locked_until = administrator_row(app).locked_until
    assert locked_until is not None

    # Locked: even the right password is refused, with the same answer as for an unknown address.
    locked = sign_in(client)
    unknown = sign_in(client, email="nobody@example.org", password="whatever it is")
    assert locked.status_code == 401
    assert failure_text(locked) == failure_text(unknown) == answers.pop()
    assert client.get("/admin/").status_code == 302

    # Once the lock has run out, the right password works again.
    with app.app_context():
        row = db.session.execute(db.select(Administrator)).scalar_one()
        row.locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert sign_in(client).status_code == 303
    row = administrator_row(app)
    assert row.failed_sign_ins == 0 and row.locked_until is None


def test_failures_below_the_limit_are_forgotten_after_a_success(app, client, administrator):
    for n in range(app.config["ADMIN_LOCK_AFTER_FAILURES"] - 1):
        sign_in(client, password=f"wrong password {n}")
    assert sign_in(client).status_code == 303
    assert administrator_row(app).failed_sign_ins == 0
    assert administrator_row(app).locked_until is None


class TestRateLimit:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "ADMIN_SIGN_IN_RATE_LIMIT": "3 per minute"}

    def test_sign_in_attempts_are_limited_per_ip(self, client, administrator):
        statuses = [sign_in(client, email=f"n{n}@example.org", password="whatever it is").status_code for n in range(4)]
        assert statuses == [401, 401, 401, 429]
        # The limit covers the right password too, until it runs out.
        limited = sign_in(client)
        assert limited.status_code == 429
        # It says when to come back, as the public pages' 429 does.
        assert 0 < int(limited.headers["Retry-After"]) <= 61  # a per-minute limit
        # Reading the page is not limited.
        assert client.get("/admin/sign-in").status_code == 200


def set_session(client, **values):
    with client.session_transaction() as session:
        session.update(values)


def session_value(client, name):
    with client.session_transaction() as session:
        return session.get(name)


def test_an_idle_session_expires(app, admin):
    idle = app.config["ADMIN_SESSION_IDLE_MINUTES"] * 60
    set_session(admin, admin_seen=int(time.time()) - idle - 5)
    response = admin.get("/admin/signatures/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/sign-in")
    page = admin.get(response.headers["Location"])
    assert "Your session has ended" in page.get_data(as_text=True)
    # The session is gone: coming back a moment later does not revive it.
    assert admin.get("/admin/").status_code == 302


def test_each_request_keeps_the_session_alive(app, admin):
    idle = app.config["ADMIN_SESSION_IDLE_MINUTES"] * 60
    set_session(admin, admin_seen=int(time.time()) - idle + 60)
    assert admin.get("/admin/").status_code == 200
    assert session_value(admin, "admin_seen") >= int(time.time()) - 5
    assert admin.get("/admin/").status_code == 200


def test_a_session_ends_after_its_maximum_age_even_when_busy(app, admin):
    set_session(admin, admin_since=int(time.time()) - app.config["ADMIN_SESSION_MAX_HOURS"] * 3600 - 5)
    assert admin.get("/admin/").status_code == 302


def test_a_new_password_ends_the_sessions_opened_with_the_old_one(app, admin):
    with app.app_context():
        row = db.session.execute(db.select(Administrator)).scalar_one()
        row.password_hash = hash_password("another long passphrase")
        db.session.commit()
    assert admin.get("/admin/").status_code == 302


def test_signing_in_starts_a_new_session(client, administrator):
    client.get("/admin/sign-in")
    set_session(client, planted="by someone else")
    old_csrf = session_value(client, "csrf_token")
    assert old_csrf
    sign_in(client)
    assert session_value(client, "planted") is None
    assert session_value(client, "csrf_token") != old_csrf


def test_a_session_cookie_cannot_be_forged(app, client, administrator):
    # Without the secret key, a cookie claiming an administrator is not a session.
    client.set_cookie("session", "eyJhZG1pbl9pZCI6MX0.forged.signature", domain="localhost")
    assert client.get("/admin/").status_code == 302


def test_sign_out_is_a_post_and_ends_the_session(app, admin):
    assert admin.get("/admin/sign-out").status_code == 405
    assert admin.post("/admin/sign-out").status_code == 400  # no CSRF token
    assert admin.get("/admin/").status_code == 200
    response = admin.post("/admin/sign-out", data={"csrf_token": token(admin)})
    assert response.status_code == 303
    assert "You are signed out." in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert admin.get("/admin/").status_code == 302
    assert audit_actions(app)[-1] == "sign-out"


def test_admin_actions_without_a_csrf_token_are_refused(app, admin):
    ident = make_signature(app, "someone@example.org")
    for path in (
        f"/admin/signatures/{ident}/hide",
        f"/admin/signatures/{ident}/invalidate",
        "/admin/share-links/",
        "/admin/endorsements/new",
        "/admin/export/",
    ):
        response = admin.post(path, data={"code": "abc", "label": "x", "name": "x", "reason": "x"})
        assert response.status_code == 400, path
        assert "This form has expired" in response.get_data(as_text=True)
    row = signature(app, ident)
    assert row.hidden_at is None and row.status == "confirmed"
    response = admin.post(f"/admin/signatures/{ident}/hide", data={"csrf_token": "made-up"})
    assert response.status_code == 400
    assert signature(app, ident).hidden_at is None


def test_the_password_is_stored_hashed(app, administrator):
    stored = administrator_row(app).password_hash
    assert ADMIN_PASSWORD not in stored
    assert stored.startswith("scrypt:")


def test_the_sign_in_page_sends_a_signed_in_administrator_on(admin):
    response = admin.get("/admin/sign-in?next=/admin/audit/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/audit/"
