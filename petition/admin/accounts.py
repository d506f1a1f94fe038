"""Administrator accounts without HTTP: creating them, and checking a password with a temporary lock.

Passwords are hashed with scrypt (werkzeug's default). A failed sign-in counts against the
account; after ``ADMIN_LOCK_AFTER_FAILURES`` in a row it is locked for ``ADMIN_LOCK_MINUTES``.
Nothing here tells a caller whether an address has an account: an unknown address costs the same
hash check, and the caller shows one answer for every failure.
"""

import enum
import hashlib
import secrets
from datetime import timedelta
from functools import cache

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import update
from werkzeug.security import check_password_hash, generate_password_hash

from petition.admin.models import Administrator
from petition.extensions import db
from petition.timeutil import as_utc, utcnow


class AccountError(ValueError):
    """The account cannot be created as asked; the message says why."""


class SignInResult(enum.StrEnum):
    SIGNED_IN = "signed in"
    WRONG_PASSWORD = "wrong password"  # noqa: S105 - a result, not a password
    UNKNOWN_EMAIL = "unknown email"
    LOCKED = "locked"  # locked now, by this failure or an earlier run of them


def normalise_email(email):
    return (email or "").strip().lower()


def hash_password(password):
    return generate_password_hash(password)


@cache
def dummy_hash():
    """A hash of nothing anyone knows, checked for unknown addresses so that they cost the same time."""
    return hash_password(secrets.token_urlsafe(32))


def find(email):
    email = normalise_email(email)
    if not email:
        return None
    return db.session.execute(db.select(Administrator).where(Administrator.email == email)).scalar_one_or_none()


def check_new_password(password):
    minimum = current_app.config["ADMIN_PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise AccountError(f"The password must be at least {minimum} characters long.")
    if len(password) > 1024:
        raise AccountError("The password must be at most 1024 characters long.")


def create_administrator(email, password):
    """Make an account and commit; refuses malformed addresses, short passwords and duplicates."""
    try:
        email = validate_email(normalise_email(email), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise AccountError(f"Not a valid email address: {error}") from error
    check_new_password(password)
    if find(email) is not None:
        raise AccountError(f"An administrator with the address {email} already exists.")
    administrator = Administrator(email=email, password_hash=hash_password(password))
    db.session.add(administrator)
    db.session.commit()
    return administrator


def is_locked(administrator, now):
    return administrator.locked_until is not None and as_utc(administrator.locked_until) > now


def authenticate(email, password):
    """Check a sign-in attempt; returns (administrator or None, SignInResult) and commits its effect."""
    now = utcnow()
    administrator = find(email)
    if administrator is None:
        check_password_hash(dummy_hash(), password)
        return None, SignInResult.UNKNOWN_EMAIL
    if is_locked(administrator, now):
        # The right password does not open a locked account either; the time spent is the same.
        check_password_hash(dummy_hash(), password)
        return None, SignInResult.LOCKED
    if check_password_hash(administrator.password_hash, password):
        administrator.failed_sign_ins = 0
        administrator.locked_until = None
        administrator.last_sign_in_at = now
        db.session.commit()
        return administrator, SignInResult.SIGNED_IN
    return None, record_failure(administrator, now)


def record_failure(administrator, now):
    """Count a wrong password (atomically: attempts may come in parallel); lock after too many."""
    db.session.execute(
        update(Administrator)
        .where(Administrator.id == administrator.id)
        .values(failed_sign_ins=Administrator.failed_sign_ins + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(administrator)
    if administrator.failed_sign_ins >= current_app.config["ADMIN_LOCK_AFTER_FAILURES"]:
        administrator.failed_sign_ins = 0
        administrator.locked_until = now + timedelta(minutes=current_app.config["ADMIN_LOCK_MINUTES"])
        db.session.commit()
        return SignInResult.LOCKED
    db.session.commit()
    return SignInResult.WRONG_PASSWORD


def session_fingerprint(administrator):
    """Changes with the password hash, so that a new password ends the sessions opened with the old one."""
    return hashlib.sha256(administrator.password_hash.encode()).hexdigest()[:16]
