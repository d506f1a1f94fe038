"""Administrators' sessions are kept on the server: signing out, ending every session and a new
password end them, whatever copies of the cookie exist; a session unused or too old ends by itself."""

import hashlib
import json
from datetime import timedelta

from petition.admin.accounts import create_administrator
from petition.admin.models import AdminSession
from petition.audit import AuditEvent
from petition.extensions import db
from petition.timeutil import utcnow
from tests.admin.admin_helpers import ADMIN_EMAIL, ADMIN_PASSWORD, sign_in, text_of, token
from tests.support import csrf_token_from

NEW_PASSWORD = "an even longer passphrase"


def signed_in(client):
    return client.get("/admin/").status_code == 200


def copy_of(app, client):
    """Another browser, holding a copy of the client's session cookie."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value, domain="localhost")
    return other


def audit_events(app, action):
    with app.app_context():
        events = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == action)).scalars().all()
        db.session.expunge_all()
        return events


def stored_sessions(app):
    with app.app_context():
        rows = db.session.execute(db.select(AdminSession)).scalars().all()
        db.session.expunge_all()
        return rows


def move_sessions_back(app, *, seen=timedelta(0), created=timedelta(0)):
    """Every stored session as if last used ``seen`` ago and opened ``created`` ago."""
    with app.app_context():
        for record in db.session.execute(db.select(AdminSession)).scalars():
            record.last_seen_at = utcnow() - seen
            record.created_at = utcnow() - created
        db.session.commit()


def session_value(client, name):
    with client.session_transaction() as session:
        return session.get(name)


# --- signing out ------------------------------------------------------------------------------


def test_a_cookie_copied_before_sign_out_opens_nothing_after_it(app, admin):
    copy = copy_of(app, admin)
    assert signed_in(copy)
    response = admin.post("/admin/sign-out", data={"csrf_token": token(admin)})
    assert response.status_code == 303
    assert not signed_in(admin)
    assert not signed_in(copy)
    assert stored_sessions(app) == []


def test_signing_out_ends_this_session_only(app, admin):
    phone = app.test_client()
    assert sign_in(phone).status_code == 303
    admin.post("/admin/sign-out", data={"csrf_token": token(admin)})
    assert not signed_in(admin)
    assert signed_in(phone)


def test_sign_out_is_a_post_and_ends_the_session(app, admin):
    assert admin.get("/admin/sign-out").status_code == 405
    assert admin.post("/admin/sign-out").status_code == 400  # no CSRF token
    assert admin.get("/admin/").status_code == 200
    response = admin.post("/admin/sign-out", data={"csrf_token": token(admin)})
    assert response.status_code == 303
    assert "You are signed out." in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert admin.get("/admin/").status_code == 302
    assert [event.action for event in audit_events(app, "sign-out")] == ["sign-out"]


# --- ending every session ---------------------------------------------------------------------


def test_an_administrator_can_end_all_of_their_sessions(app, admin):
    phone = app.test_client()
    sign_in(phone)
    copy = copy_of(app, admin)
    page = admin.get("/admin/account/")
    assert page.status_code == 200
    assert "2 sessions open" in text_of(page)

    csrf = csrf_token_from(page.get_data(as_text=True))
    response = admin.post("/admin/account/sessions/end", data={"csrf_token": csrf})

    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/sign-in"
    assert "All your sessions have ended" in text_of(admin.get(response.headers["Location"]))
    assert not signed_in(admin) and not signed_in(phone) and not signed_in(copy)
    [event] = audit_events(app, "sessions ended")
    assert event.actor == ADMIN_EMAIL and json.loads(event.detail) == {"sessions": 2}
    assert sign_in(admin).status_code == 303, "signing in again works"


def test_ending_all_sessions_needs_the_form_and_spares_other_administrators(app, admin):
    with app.app_context():
        create_administrator("second@example.org", ADMIN_PASSWORD)
    second = app.test_client()
    sign_in(second, email="second@example.org")
    assert admin.post("/admin/account/sessions/end").status_code == 400  # no CSRF token
    assert signed_in(admin)
    admin.post("/admin/account/sessions/end", data={"csrf_token": token(admin, "/admin/account/")})
    assert not signed_in(admin)
    assert signed_in(second)


# --- a new password ---------------------------------------------------------------------------


def change_password(client, current=ADMIN_PASSWORD, new=NEW_PASSWORD, confirm=None):
    csrf = token(client, "/admin/account/")
    data = {"csrf_token": csrf, "current_password": current, "new_password": new, "confirm_password": confirm or new}
    return client.post("/admin/account/password", data=data)


def test_a_new_password_from_the_account_page_ends_every_session(app, admin):
    phone = app.test_client()
    sign_in(phone)
    copy = copy_of(app, admin)

    response = change_password(admin)

    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/sign-in"
    assert "Your password has been changed" in text_of(admin.get(response.headers["Location"]))
    assert not signed_in(admin) and not signed_in(phone) and not signed_in(copy)
    assert sign_in(app.test_client()).status_code == 401, "the old password no longer works"
    assert sign_in(app.test_client(), password=NEW_PASSWORD).status_code == 303
    [event] = audit_events(app, "password changed")
    assert event.actor == ADMIN_EMAIL and json.loads(event.detail) == {"email": ADMIN_EMAIL, "sessions": 2}


def test_a_wrong_current_password_changes_nothing(app, admin):
    response = change_password(admin, current="not the password at all")
    assert response.status_code == 400
    assert "The current password is not right." in text_of(response)
    assert signed_in(admin)
    assert sign_in(app.test_client()).status_code == 303, "the password is as it was"
    assert audit_events(app, "password changed") == []
    [failure] = audit_events(app, "password change refused")
    assert failure.actor == ADMIN_EMAIL and json.loads(failure.detail) == {"result": "wrong password"}


def test_wrong_current_passwords_lock_out_their_source_like_wrong_sign_ins(app, admin):
    """A stolen session cannot be used to guess the password it would need to keep the account."""
    for _ in range(app.config["ADMIN_LOCK_AFTER_FAILURES"]):
        assert change_password(admin, current="not the password at all").status_code == 400
    assert change_password(admin).status_code == 400, "the right one is refused too, for a while"
    assert sign_in(app.test_client()).status_code == 401, "and so is signing in from that address"
    assert audit_events(app, "password changed") == []


def test_the_new_password_is_long_enough_and_typed_twice(app, admin):
    short = change_password(admin, new="too short")
    assert short.status_code == 400
    assert "at least 12 characters" in text_of(short)
    mismatched = change_password(admin, confirm="another long passphrase")
    assert mismatched.status_code == 400
    assert "The two new passwords are not the same." in text_of(mismatched)
    assert signed_in(admin)
    assert audit_events(app, "password changed") == []


def test_a_new_password_from_the_command_ends_every_session(app, admin, runner):
    copy = copy_of(app, admin)
    command = ["admin", "set-password", "Admin@Example.org", "--password-stdin"]
    result = runner.invoke(args=command, input=f"{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Password of admin@example.org changed; 1 session ended." in result.output
    assert not signed_in(admin) and not signed_in(copy)
    assert sign_in(app.test_client(), password=NEW_PASSWORD).status_code == 303
    [event] = audit_events(app, "password changed")
    assert event.actor is None and json.loads(event.detail) == {"email": ADMIN_EMAIL, "sessions": 1}


# --- sessions that end by themselves ----------------------------------------------------------


def test_an_idle_session_expires(app, admin):
    move_sessions_back(app, seen=timedelta(minutes=app.config["ADMIN_SESSION_IDLE_MINUTES"], seconds=5))
    response = admin.get("/admin/signatures/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/sign-in")
    page = admin.get(response.headers["Location"])
    assert "Your session has ended" in page.get_data(as_text=True)
    # The session is gone: coming back a moment later does not revive it.
    assert admin.get("/admin/").status_code == 302
    assert stored_sessions(app) == []


def test_each_request_keeps_the_session_alive(app, admin):
    move_sessions_back(app, seen=timedelta(minutes=app.config["ADMIN_SESSION_IDLE_MINUTES"] - 1))
    assert admin.get("/admin/").status_code == 200
    [record] = stored_sessions(app)
    assert utcnow() - record.last_seen_at.replace(tzinfo=utcnow().tzinfo) < timedelta(seconds=5)
    assert admin.get("/admin/").status_code == 200


def test_a_session_ends_after_its_maximum_age_even_when_busy(app, admin):
    move_sessions_back(app, created=timedelta(hours=app.config["ADMIN_SESSION_MAX_HOURS"], seconds=5))
    assert admin.get("/admin/").status_code == 302


def test_signing_in_clears_away_sessions_that_have_ended(app, admin):
    move_sessions_back(app, seen=timedelta(days=1), created=timedelta(days=1))
    sign_in(app.test_client())
    assert len(stored_sessions(app)) == 1


# --- the cookie -------------------------------------------------------------------------------


def test_the_cookie_names_a_random_key_that_the_server_keeps_only_hashed(app, admin):
    key = session_value(admin, "admin_session")
    assert isinstance(key, str) and len(key) >= 32
    [record] = stored_sessions(app)
    assert record.key_hash == hashlib.sha256(key.encode()).hexdigest() != key


def test_signing_in_starts_a_new_session(client, administrator):
    client.get("/admin/sign-in")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    old_csrf = session_value(client, "csrf_token")
    assert old_csrf
    sign_in(client)
    assert session_value(client, "planted") is None
    assert session_value(client, "csrf_token") != old_csrf


def test_a_session_cookie_cannot_be_forged(app, client, administrator):
    # Without the secret key, a cookie claiming an administrator is not a session.
    client.set_cookie("session", "eyJhZG1pbl9pZCI6MX0.forged.signature", domain="localhost")
    assert client.get("/admin/").status_code == 302
    # With it, a key the server never issued opens nothing either.
    with client.session_transaction() as session:
        session["admin_session"] = "made-up"
    assert client.get("/admin/").status_code == 302


def test_the_account_page_shows_the_administrator(admin):
    page = text_of(admin.get("/admin/account/"))
    assert ADMIN_EMAIL in page and "1 session open" in page
