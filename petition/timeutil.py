"""Times are stored in UTC; SQLite hands them back without a zone, so we put it back."""

from datetime import UTC, datetime


def utcnow():
    return datetime.now(UTC)


def as_utc(moment):
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def html_datetime(moment):
    """``<time datetime>`` as the HTML checker accepts it: UTC to the second, "2026-12-08T02:41:16Z".

    ``isoformat()`` would give microseconds and "+00:00"; a naive time from SQLite is UTC already.
    """
    return as_utc(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
