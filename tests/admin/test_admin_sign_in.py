"""Signing in: wrong passwords, unknown addresses, the lock on a source of failures, rate limits, CSRF."""

import json
import re
from datetime import timedelta
from typing import ClassVar

import pytest

from petition.admin.models import Administrator, SignInFailure
from petition.audit import AuditEvent
from petition.extensions import db
from petition.timeutil import utcnow
from tests.admin.admin_helpers import ADMIN_EMAIL, ADMIN_PASSWORD, make_signature, sign_in, signature, token
from tests.support import make_app


def failure_text(response):
    match = re.search(r'<p class="message error" role="alert">([^<]+)</p>', response.get_data(as_text=True))
    return match and match.group(1)


def audit_actions(app):
    with app.app_context():
        return db.session.execute(db.select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()


def audit_events(app, action):
    with app.app_context():
        query = db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        events = db.session.execute(query).scalars().all()
        db.session.expunge_all()
        return events


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


def failure_rows(app):
    with app.app_context():
        rows = db.session.execute(db.select(SignInFailure)).scalars().all()
        db.session.expunge_all()
        return rows


def move_failures_back(app, delta):
    with app.app_context():
        for row in db.session.execute(db.select(SignInFailure)).scalars():
            row.last_failure_at = utcnow() - delta
        db.session.commit()


def fail(client, times, headers=None):
    """Wrong passwords, ``times`` of them; returns the set of answers shown."""
    return {failure_text(sign_in(client, password=f"wrong password {n}", headers=headers)) for n in range(times)}


def test_repeated_failures_lock_out_their_source_until_the_lock_runs_out(app, client, administrator):
    answers = fail(client, app.config["ADMIN_LOCK_AFTER_FAILURES"])
    assert len(answers) == 1  # the lock does not announce itself: it reads like any failure

    # Locked: even the right password is refused, with the same answer as for an unknown address.
    locked = sign_in(client)
    unknown = sign_in(client, email="nobody@example.org", password="whatever it is")
    assert locked.status_code == 401
    assert failure_text(locked) == failure_text(unknown) == answers.pop()
    assert client.get("/admin/").status_code == 302
    results = [json.loads(event.detail)["result"] for event in audit_events(app, "sign-in failed")]
    assert results == ["wrong password"] * 4 + ["locked", "locked", "unknown email"]

    # Once the lock has run out, the right password works again, and the count starts afresh.
    move_failures_back(app, timedelta(minutes=app.config["ADMIN_LOCK_MINUTES"], seconds=1))
    assert sign_in(client).status_code == 303
    assert failure_rows(app) == []


def test_failures_below_the_limit_are_forgotten_after_a_success(app, client, administrator):
    fail(client, app.config["ADMIN_LOCK_AFTER_FAILURES"] - 1)
    assert sign_in(client).status_code == 303
    assert failure_rows(app) == []


def test_failures_far_apart_do_not_add_up(app, client, administrator):
    fail(client, app.config["ADMIN_LOCK_AFTER_FAILURES"] - 1)
    move_failures_back(app, timedelta(minutes=app.config["ADMIN_LOCK_MINUTES"], seconds=1))
    fail(client, 1)
    assert sign_in(client).status_code == 303


class TestLockBySource:
    """Someone who knows an administrator's address cannot keep them out by failing on purpose: a
    lock holds the source of the failures (as the proxy saw it) off that account, and no one else."""

    ATTACKER: ClassVar = {"X-Forwarded-For": "198.51.100.7"}
    ADMINISTRATOR: ClassVar = {"X-Forwarded-For": "203.0.113.5"}

    @pytest.fixture
    def app_config(self):
        return {"TRUSTED_PROXIES": 1}

    def test_the_administrator_signs_in_from_elsewhere_while_their_account_is_attacked(self, app, administrator):
        attacker = app.test_client()
        fail(attacker, app.config["ADMIN_LOCK_AFTER_FAILURES"], self.ATTACKER)
        assert sign_in(attacker, headers=self.ATTACKER).status_code == 401, "locked out, right password or not"

        elsewhere = app.test_client()
        assert sign_in(elsewhere, headers=self.ADMINISTRATOR).status_code == 303
        assert elsewhere.get("/admin/", headers=self.ADMINISTRATOR).status_code == 200
        # Signing in from elsewhere does not lift the attacker's lock.
        assert sign_in(attacker, headers=self.ATTACKER).status_code == 401
        refused = audit_events(app, "sign-in failed")
        assert {event.ip for event in refused} == {"198.51.100.7"}
        assert [event.ip for event in audit_events(app, "sign-in")] == ["203.0.113.5"]

    def test_an_ipv6_source_is_its_network(self, app, administrator):
        """An IPv6 client has a /64 of addresses to choose from: the lock holds the whole /64."""
        attacker = app.test_client()
        for n in range(app.config["ADMIN_LOCK_AFTER_FAILURES"]):
            sign_in(attacker, password="wrong password", headers={"X-Forwarded-For": f"2001:db8:1:2::{n + 1:x}"})
        assert sign_in(attacker, headers={"X-Forwarded-For": "2001:db8:1:2:ffff::9"}).status_code == 401
        assert sign_in(app.test_client(), headers={"X-Forwarded-For": "2001:db8:1:3::1"}).status_code == 303

    def test_failures_count_across_app_processes(self, app, migrated_database, administrator):
        """Another process (a second gunicorn worker, another machine) sees the same failures."""
        other_app = make_app(migrated_database, TRUSTED_PROXIES=1)
        try:
            clients = [app.test_client(), other_app.test_client()]
            for n in range(app.config["ADMIN_LOCK_AFTER_FAILURES"]):
                sign_in(clients[n % 2], password="wrong password", headers=self.ATTACKER)
            assert sign_in(clients[0], headers=self.ATTACKER).status_code == 401
            assert sign_in(clients[1], headers=self.ATTACKER).status_code == 401
        finally:
            with other_app.app_context():
                db.session.remove()
                db.engine.dispose()


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
