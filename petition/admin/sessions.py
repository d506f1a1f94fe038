"""Administrators' sessions on the server, without HTTP: opened at sign-in, found again by the key
that the session cookie holds, ended one at a time (signing out) or all at once (ending every
session, a new password).

A signed cookie alone stays valid until it expires, whatever happens on the server; here the
cookie only names a row, and a session lasts as long as its row. The key is random and the table
keeps only its SHA-256, so a copy of the table opens nothing. A session ends after
``ADMIN_SESSION_IDLE_MINUTES`` unused or ``ADMIN_SESSION_MAX_HOURS`` after signing in; its last
use is written at most once a minute, so that reading the administration is not a write a page.
"""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, or_

from petition.admin.models import Administrator, AdminSession
from petition.extensions import db
from petition.timeutil import as_utc, utcnow

TOUCH_EVERY = timedelta(minutes=1)


def key_hash(key):
    return hashlib.sha256(key.encode()).hexdigest()


def oldest_live(now):
    """The earliest last use and the earliest start of a session still alive at ``now``."""
    config = current_app.config
    return (
        now - timedelta(minutes=config["ADMIN_SESSION_IDLE_MINUTES"]),
        now - timedelta(hours=config["ADMIN_SESSION_MAX_HOURS"]),
    )


def open_session(administrator):
    """Start a session for ``administrator`` and commit; returns the key for the cookie.

    Sessions of anyone that have ended by themselves are cleared away on the way.
    """
    now = utcnow()
    seen_since, started_since = oldest_live(now)
    db.session.execute(
        delete(AdminSession).where(or_(AdminSession.last_seen_at < seen_since, AdminSession.created_at < started_since))
    )
    key = secrets.token_urlsafe(32)
    db.session.add(
        AdminSession(key_hash=key_hash(key), administrator_id=administrator.id, created_at=now, last_seen_at=now)
    )
    db.session.commit()
    return key


def administrator_of(key):
    """The administrator of the live session that ``key`` names, or None.

    A session found to have ended is deleted; a live one is marked as used now.
    """
    if not isinstance(key, str) or not key:
        return None
    record = db.session.get(AdminSession, key_hash(key))
    if record is None:
        return None
    now = utcnow()
    seen_since, started_since = oldest_live(now)
    last_seen = as_utc(record.last_seen_at)
    if last_seen < seen_since or as_utc(record.created_at) < started_since:
        db.session.delete(record)
        db.session.commit()
        return None
    if now - last_seen >= TOUCH_EVERY:
        record.last_seen_at = now
        db.session.commit()
    return db.session.get(Administrator, record.administrator_id)


def end_session(key):
    """End the session that ``key`` names, if it is still open."""
    if isinstance(key, str) and key:
        db.session.execute(delete(AdminSession).where(AdminSession.key_hash == key_hash(key)))
        db.session.commit()


def end_all_sessions(administrator, commit=True):
    """End every session of ``administrator``, wherever it was opened; returns how many were open."""
    ended = db.session.execute(delete(AdminSession).where(AdminSession.administrator_id == administrator.id))
    if commit:
        db.session.commit()
    return ended.rowcount


def count_open(administrator):
    seen_since, started_since = oldest_live(utcnow())
    query = (
        db.select(func.count())
        .select_from(AdminSession)
        .where(
            AdminSession.administrator_id == administrator.id,
            AdminSession.last_seen_at >= seen_since,
            AdminSession.created_at >= started_since,
        )
    )
    return db.session.execute(query).scalar_one()
