"""Milestones: each goal of SIGNATURE_GOALS recorded once, when the count first reaches it, kept
when withdrawals take the count back below it, shown on the letter page; on PostgreSQL, however
many confirmations race across it."""

import threading
from datetime import timedelta

import pytest

from petition.campaign import state
from petition.campaign.models import Milestone
from petition.extensions import db
from petition.signing import service
from petition.signing.models import Signature, SignatureCountShard
from tests.admin.admin_helpers import text_of
from tests.campaign_helpers import T0, Clock, set_count
from tests.support import using_postgres


@pytest.fixture
def app_config():
    return {"SIGNATURE_GOALS": "2,3,10"}


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(monkeypatch)
    clock.set(T0)
    return clock


def recorded(app):
    with app.app_context():
        rows = db.session.execute(db.select(Milestone.goal, Milestone.reached_at).order_by(Milestone.goal)).all()
        db.session.remove()
    return [(goal, state.as_utc(at)) for goal, at in rows]


def confirm(app, ident):
    with app.app_context():
        service.confirm(db.session.get(Signature, ident))
        db.session.remove()


def withdraw(app, ident):
    with app.app_context():
        service.withdraw(db.session.get(Signature, ident))
        db.session.remove()


def test_a_goal_is_recorded_once_when_reached_and_kept_below_it(app, clock, signature_factory):
    first = signature_factory("one@example.org")
    assert recorded(app) == []
    second = signature_factory("two@example.org")
    assert recorded(app) == [(2, T0)]

    clock.set(T0 + timedelta(days=1))
    withdraw(app, second)
    assert recorded(app) == [(2, T0)], "a withdrawal does not un-record it"
    signature_factory("three@example.org")
    assert recorded(app) == [(2, T0)], "reaching it again does not move its time"
    signature_factory("four@example.org")
    assert recorded(app) == [(2, T0), (3, T0 + timedelta(days=1))]
    assert first


def test_a_jump_past_several_goals_records_each(app, clock, signature_factory):
    set_count(app, 9)
    signature_factory("ten@example.org")
    assert [goal for goal, _ in recorded(app)] == [2, 3, 10]


@pytest.mark.parametrize(("lang", "expected"), [("en", "2 signatures · March 3"), ("fr", "3 mars")])
def test_the_letter_page_shows_the_goals_reached(app, client, clock, signature_factory, lang, expected):
    assert "Milestones" not in client.get(f"/{lang}/").get_data(as_text=True)
    signature_factory("one@example.org")
    signature_factory("two@example.org")
    response = client.get(f"/{lang}/")
    page = response.get_data(as_text=True)
    assert 'class="milestones"' in page
    assert expected in text_of(response)
    assert '<time datetime="2026-03-03T15:00:00Z">' in page


def test_the_day_is_the_campaign_zone_s(app, client, clock, signature_factory):
    # 02:00 UTC on 4 March is still 3 March in Toronto.
    clock.set(T0.replace(day=4, hour=2))
    signature_factory("one@example.org")
    signature_factory("two@example.org")
    assert "2 signatures · March 3" in text_of(client.get("/en/"))


@pytest.mark.skipif(not using_postgres(), reason="concurrent writers: PostgreSQL (SQLite has one writer at a time)")
@pytest.mark.parametrize("start", [1, 0], ids=["each-sees-the-goal", "some-may-not"])
def test_confirmations_racing_across_a_goal_record_it_exactly_once(app, signature_factory, start):
    """Eight signers confirm at once, each in a thread with its own app context and connection.
    From 1, every one of them sees the goal of 2 crossed and tries to record it; from 0, some may
    miss the others' increments and look again after their commit. Either way: once."""
    racers = 8
    idents = [signature_factory(f"racer{n}@example.org", confirm=False) for n in range(racers)]
    set_count(app, start)
    barrier = threading.Barrier(racers)
    errors = []

    def racer(ident):
        try:
            with app.app_context():
                signature = db.session.get(Signature, ident)
                barrier.wait()
                service.confirm(signature)
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below, with the thread's error
            errors.append(error)

    threads = [threading.Thread(target=racer, args=(ident,)) for ident in idents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        total = db.session.execute(db.select(db.func.sum(SignatureCountShard.count))).scalar_one()
        db.session.remove()
    assert total == start + racers
    assert [goal for goal, _ in recorded(app)] == [2, 3]
