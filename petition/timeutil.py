"""Times are stored in UTC; SQLite hands them back without a zone, so we put it back."""

from datetime import UTC, datetime


def utcnow():
    return datetime.now(UTC)


def as_utc(moment):
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
