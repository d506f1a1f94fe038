"""The running tallies stay equal to what counting the signature table gives, whatever happens."""

import random
from datetime import UTC, datetime

import pytest

from petition.admin import moderation
from petition.admin.moderation import SearchFilters
from petition.extensions import db
from petition.signing import service, tallies
from petition.signing.models import Signature, SignatureCountShard, SignatureStatus, SignatureTally
from tests.admin.admin_helpers import make_signature

PROVINCES = ["QC", "ON", "BC", "XX"]
REFS = [None, None, "org:national-council-of-canadian-muslims", "ref:newsletter"]
DOMAINS = ["example.org", "example.net", "spam.example"]


def public_count():
    return int(db.session.execute(db.select(db.func.sum(SignatureCountShard.count))).scalar_one())


def submission(rng, email):
    return service.Submission(
        first_name=rng.choice(["Marie", "Jean", "Aïcha"]),
        last_name=rng.choice(["Tremblay", "Khan", "Côté"]),
        email=email,
        province=rng.choice(PROVINCES),
        city=None,
        display="full",
        wants_updates=rng.random() < 0.5,
        consent_wording=None,
        lang="en",
        ip=f"203.0.113.{rng.randrange(4)}",
        share_ref=rng.choice(REFS),
    )


def pick(status):
    rows = db.session.execute(db.select(Signature).where(Signature.status == status)).scalars().all()
    return rows


def random_step(rng, emails):
    """One thing that can happen to signatures, chosen at random; returns its name."""
    step = rng.choice(["submit", "submit", "resubmit", "confirm", "confirm", "withdraw", "invalidate", "bulk"])
    if step == "submit" or not emails:
        email = f"person{len(emails)}@{rng.choice(DOMAINS)}"
        emails.append(email)
        service.submit(submission(rng, email))
        return "submit"
    if step == "resubmit":
        # Signing again: re-sends while pending, starts over after withdrawing, nothing otherwise.
        service.submit(submission(rng, rng.choice(emails)))
        return step
    if step == "confirm" and (rows := pick(SignatureStatus.PENDING)):
        service.confirm(rng.choice(rows))
        return step
    if step == "withdraw" and (rows := pick(SignatureStatus.CONFIRMED) + pick(SignatureStatus.PENDING)):
        service.withdraw(rng.choice(rows))
        return step
    if step == "invalidate" and (rows := pick(SignatureStatus.CONFIRMED) + pick(SignatureStatus.PENDING)):
        moderation.invalidate(rng.choice(rows))
        return step
    if step == "bulk" and rng.random() < 0.3:
        moderation.invalidate_matching(SearchFilters(domain="spam.example"), batch_size=2)
        return step
    return "nothing"


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_tallies_equal_a_recount_after_any_sequence_of_changes(app, seed):
    rng = random.Random(seed)
    emails, done = [], set()
    with app.test_request_context("/en/"):
        for _ in range(60):
            done.add(random_step(rng, emails))
            db.session.expire_all()
        running = tallies.current_totals()
        assert running == tallies.computed_totals()
        confirmed = db.session.execute(
            db.select(db.func.count()).select_from(Signature).where(Signature.status == SignatureStatus.CONFIRMED)
        ).scalar_one()
        assert public_count() == confirmed == running["status", "confirmed"]
        # What rebuild() makes from the table is what the changes kept up.
        rebuilt = tallies.rebuild()
        assert rebuilt == running
        assert tallies.current_totals() == running
        assert public_count() == confirmed
    assert {"submit", "confirm", "withdraw", "invalidate"} <= done


def test_the_tallies_break_down_the_confirmed_signatures(app):
    make_signature(app, "a@example.org", province="QC", share_ref="ref:poster")
    make_signature(app, "b@example.org", province="QC")
    make_signature(app, "c@example.org", province="ON", share_ref="ref:poster")
    make_signature(app, "d@example.org", province="ON", confirm=False)
    with app.app_context():
        assert tallies.totals("status") == {"confirmed": 3, "pending": 1}
        assert tallies.totals("province") == {"QC": 2, "ON": 1}
        assert tallies.totals("ref") == {"ref:poster": 2}
        assert tallies.total("submitted") == 4
        assert tallies.total("ever_confirmed") == 3
        assert sum(tallies.totals("hour").values()) == 3


def test_a_withdrawn_signature_leaves_the_breakdowns_but_stays_ever_confirmed(app):
    ident = make_signature(app, "a@example.org", province="QC", share_ref="ref:poster")
    with app.app_context():
        service.withdraw(db.session.get(Signature, ident))
        assert tallies.totals("province") == {}
        assert tallies.totals("ref") == {}
        assert tallies.totals("hour") == {}
        assert tallies.totals("status") == {"withdrawn": 1}
        assert tallies.total("ever_confirmed") == 1


def test_rebuild_repairs_lost_tallies_and_count(app):
    for n in range(5):
        make_signature(app, f"p{n}@example.org", confirm=n % 2 == 0)
    with app.app_context():
        expected = tallies.current_totals()
        db.session.execute(db.delete(SignatureTally))
        db.session.execute(db.update(SignatureCountShard).values(count=7))
        db.session.commit()
        assert tallies.current_totals() != expected
        tallies.rebuild()
        assert tallies.current_totals() == expected
        assert public_count() == 3


def test_hour_keys_are_utc_hours():
    moment = datetime(2026, 3, 2, 3, 59, tzinfo=UTC)
    assert tallies.hour_key(moment) == "2026-03-02T03"
    assert tallies.hour_key(moment.replace(tzinfo=None)) == "2026-03-02T03"


def test_recount_command(app, runner):
    make_signature(app, "a@example.org")
    with app.app_context():
        db.session.execute(db.delete(SignatureTally))
        db.session.commit()
    result = runner.invoke(args=["signatures", "recount"])
    assert result.exit_code == 0, result.output
    assert "1 signatures in all, 1 confirmed" in result.output
    with app.app_context():
        assert tallies.totals("status") == {"confirmed": 1}
