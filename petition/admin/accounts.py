"""Administrator accounts without HTTP: creating them, a new password, and checking a password
with a lock on the source of repeated failures.

Passwords are hashed with scrypt (werkzeug's default). A wrong password counts against the
account and the source it came from (``source_of``: the client's IP address, an IPv6 /64); after
``ADMIN_LOCK_AFTER_FAILURES`` in a row, each within ``ADMIN_LOCK_MINUTES`` of the one before, that
source is locked out of that account for ``ADMIN_LOCK_MINUTES``. Locking the account itself would
let anyone who knows its address keep the administrator out. The failures are rows in the
database, so every app process sees the same ones.

Nothing here tells a caller whether an address has an account: an unknown address costs the same
hash check, and the caller shows one answer for every failure.
"""

import enum
import functools
import ipaddress
import secrets
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.security import check_password_hash, generate_password_hash

from petition.admin import sessions
from petition.admin.models import Administrator, SignInFailure
from petition.extensions import db
from petition.timeutil import as_utc, utcnow


class AccountError(ValueError):
    """The account cannot be created or changed as asked; the message says why."""


class SignInResult(enum.StrEnum):
    ACCEPTED = "accepted"
    WRONG_PASSWORD = "wrong password"  # noqa: S105 - a result, not a password
    UNKNOWN_EMAIL = "unknown email"
    LOCKED = "locked"  # the source is locked out, by this failure or an earlier run of them


def normalise_email(email):
    return (email or "").strip().lower()


def hash_password(password):
    return generate_password_hash(password)


@functools.cache
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


def set_password(administrator, password):
    """Give ``administrator`` a new password and end all of their sessions, in one transaction;
    returns how many sessions ended."""
    check_new_password(password)
    administrator.password_hash = hash_password(password)
    ended = sessions.end_all_sessions(administrator, commit=False)
    db.session.commit()
    return ended


def source_of(ip):
    """Where sign-in attempts come from, as the lock counts them: an IPv4 address, or the /64 of
    an IPv6 address (one client commonly holds a whole /64, and could otherwise try from each)."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return "unknown"
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address.exploded, 64), strict=False))
    return str(address)


def lock_window():
    return timedelta(minutes=current_app.config["ADMIN_LOCK_MINUTES"])


def is_locked(administrator, source, now):
    row = db.session.get(SignInFailure, (administrator.id, source))
    return (
        row is not None
        and row.failures >= current_app.config["ADMIN_LOCK_AFTER_FAILURES"]
        and as_utc(row.last_failure_at) > now - lock_window()
    )


def check_password(administrator, password, ip):
    """Whether ``password`` is the administrator's, tried from ``ip``: a SignInResult, its effect
    on the count of failures committed. A locked-out source is refused even the right password."""
    source, now = source_of(ip), utcnow()
    if is_locked(administrator, source, now):
        # The time spent is the same as for a real check.
        check_password_hash(dummy_hash(), password)
        return SignInResult.LOCKED
    if check_password_hash(administrator.password_hash, password):
        db.session.execute(
            delete(SignInFailure).where(
                SignInFailure.administrator_id == administrator.id, SignInFailure.source == source
            )
        )
        db.session.commit()
        return SignInResult.ACCEPTED
    return record_failure(administrator, source, now)


def authenticate(email, password, ip):
    """Check a sign-in attempt from ``ip``; returns (administrator or None, SignInResult) and
    commits its effect."""
    administrator = find(email)
    if administrator is None:
        check_password_hash(dummy_hash(), password)
        return None, SignInResult.UNKNOWN_EMAIL
    result = check_password(administrator, password, ip)
    if result != SignInResult.ACCEPTED:
        return None, result
    administrator.last_sign_in_at = utcnow()
    db.session.commit()
    return administrator, result


@functools.cache
def count_failure(dialect_name):
    """``INSERT … ON CONFLICT DO UPDATE SET failures = failures + 1 RETURNING failures``: attempts
    that come in parallel, in any process, each count."""
    insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    table = SignInFailure.__table__
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c.administrator_id, table.c.source],
        set_={"failures": table.c.failures + 1, "last_failure_at": statement.excluded.last_failure_at},
    ).returning(table.c.failures)


def record_failure(administrator, source, now):
    """Count a wrong password from ``source``; the run of failures before it is forgotten when the
    last of them is older than the lock's length (so are other sources' stale runs)."""
    db.session.execute(
        delete(SignInFailure).where(
            SignInFailure.administrator_id == administrator.id, SignInFailure.last_failure_at <= now - lock_window()
        )
    )
    failures = db.session.execute(
        count_failure(db.engine.dialect.name),
        {"administrator_id": administrator.id, "source": source, "failures": 1, "last_failure_at": now},
    ).scalar_one()
    db.session.commit()
    if failures >= current_app.config["ADMIN_LOCK_AFTER_FAILURES"]:
        return SignInResult.LOCKED
    return SignInResult.WRONG_PASSWORD
