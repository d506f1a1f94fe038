"""``flask --app petition campaign close [--at]``, ``reopen`` and ``status``."""

from datetime import UTC, datetime, timedelta

import pytest

from petition.audit import AuditEvent
from petition.campaign import state
from petition.extensions import db
from tests.campaign_helpers import T0, Clock


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def closing_time(app):
    with app.app_context():
        closes_at = state.read().closes_at
        db.session.remove()
    return closes_at


def audit_actions(app):
    with app.app_context():
        actions = db.session.execute(db.select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
        db.session.remove()
    return actions


def test_close_now_then_status_then_reopen(app, runner, client, clock):
    clock.set(T0)
    result = runner.invoke(args=["campaign", "close"])
    assert result.exit_code == 0, result.output
    assert "closed as of 2026-03-03T15:00:00+00:00 (2026-03-03T10:00:00-05:00 America/Toronto)" in result.output
    assert closing_time(app) == T0
    assert client.get("/api/count").get_json()["closed_at"] == "2026-03-03T15:00:00Z"

    clock.set(T0 + timedelta(hours=1))
    status = runner.invoke(args=["campaign", "status"])
    assert status.exit_code == 0
    assert "Closed since 2026-03-03T15:00:00+00:00" in status.output
    assert "may confirm until 2026-03-05T15:00:00+00:00" in status.output
    assert "Verified signatures: 0." in status.output

    again = runner.invoke(args=["campaign", "close"])
    assert again.exit_code != 0
    assert "already closed" in again.output
    assert closing_time(app) == T0

    reopened = runner.invoke(args=["campaign", "reopen"])
    assert reopened.exit_code == 0
    assert "The letter is open" in reopened.output
    assert closing_time(app) is None
    assert "Open; no close is scheduled." in runner.invoke(args=["campaign", "status"]).output
    assert "already open" in runner.invoke(args=["campaign", "reopen"]).output
    assert audit_actions(app) == ["campaign closed", "campaign reopened"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        # Without an offset, the campaign's clock: 17:00 in Toronto in March (EST) is 22:00 UTC.
        ("2026-03-04T17:00", datetime(2026, 3, 4, 22, 0, tzinfo=UTC)),
        ("2026-03-04 17:00", datetime(2026, 3, 4, 22, 0, tzinfo=UTC)),
        ("2026-03-04T17:00:00+01:00", datetime(2026, 3, 4, 16, 0, tzinfo=UTC)),
        ("2026-03-04T17:00Z", datetime(2026, 3, 4, 17, 0, tzinfo=UTC)),
        # After the change to summer time (8 March 2026), Toronto is UTC-4.
        ("2026-06-01T09:30", datetime(2026, 6, 1, 13, 30, tzinfo=UTC)),
    ],
)
def test_close_at_a_set_time_with_or_without_an_offset(app, runner, clock, given, expected):
    clock.set(T0)
    result = runner.invoke(args=["campaign", "close", "--at", given])
    assert result.exit_code == 0, result.output
    assert "will close at" in result.output
    assert closing_time(app) == expected
    assert f"Open; closes at {expected.isoformat()}" in runner.invoke(args=["campaign", "status"]).output
    assert audit_actions(app) == ["campaign close scheduled"]


@pytest.mark.parametrize("given", ["tomorrow", "2026-13-01T10:00", "", "2026-03-04T25:00", "03/04/2026"])
def test_a_bad_time_is_a_clear_error_and_changes_nothing(app, runner, clock, given):
    clock.set(T0)
    result = runner.invoke(args=["campaign", "close", "--at", given])
    assert result.exit_code != 0
    assert "is not a time in ISO-8601 form" in result.output
    assert "Traceback" not in result.output
    assert closing_time(app) is None
    assert audit_actions(app) == []


def test_a_time_already_past_is_refused(app, runner, clock):
    clock.set(T0)
    result = runner.invoke(args=["campaign", "close", "--at", "2026-03-03T09:00"])
    assert result.exit_code != 0
    assert "has passed" in result.output
    assert closing_time(app) is None


def test_reopen_cancels_a_scheduled_close(app, runner, clock):
    clock.set(T0)
    assert runner.invoke(args=["campaign", "close", "--at", "2026-04-01T12:00"]).exit_code == 0
    assert runner.invoke(args=["campaign", "reopen"]).exit_code == 0
    assert closing_time(app) is None
