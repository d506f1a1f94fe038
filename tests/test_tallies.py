"""The running tallies stay equal to what counting the signature table gives, whatever happens."""

import random
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from petition.extensions import db
from petition.signing import moderation, service, tallies
from petition.signing.models import Signature, SignatureCountShard, SignatureStatus, SignatureTally
from petition.signing.moderation import SearchFilters
from tests.signing_helpers import hashed, make_signature, running_totals

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
        ip_hash=hashed(f"203.0.113.{rng.randrange(4)}"),
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
    emails, done, kinds = [], set(), set()
    with app.test_request_context("/en/"):
        for step in range(1, 61):
            done.add(random_step(rng, emails))
            db.session.expire_all()
            if step % 10 == 0:
                running = running_totals()
                assert running == tallies.computed_totals(), f"after step {step}"
                for ref in REFS[2:]:
                    assert sum(tallies.ref_hours(ref).values()) == running["ref", ref]
                kinds |= {kind for kind, _ in running}
        confirmed = db.session.execute(
            db.select(db.func.count()).select_from(Signature).where(Signature.status == SignatureStatus.CONFIRMED)
        ).scalar_one()
        assert public_count() == confirmed == running["status", "confirmed"]
        # What rebuild() makes from the table is what the changes kept up.
        rebuilt = tallies.rebuild()
        assert rebuilt == running
        assert running_totals() == running
        assert public_count() == confirmed
    assert {"submit", "confirm", "withdraw", "invalidate"} <= done
    assert kinds == {
        "submitted",
        "status",
        "ever_confirmed",
        "hour",
        "province",
        "ref",
        "ref_hour",
    }


def test_the_tallies_break_down_the_confirmed_signatures(app, signature_factory):
    signature_factory("a@example.org", province="QC", share_ref="ref:poster")
    signature_factory("b@example.org", province="QC")
    signature_factory("c@example.org", province="ON", share_ref="ref:poster")
    signature_factory("d@example.org", province="ON", confirm=False)
    with app.app_context():
        assert tallies.totals("status") == {"confirmed": 3, "pending": 1}
        assert tallies.totals("province") == {"QC": 2, "ON": 1}
        assert tallies.totals("ref") == {"ref:poster": 2}
        assert sum(tallies.ref_hours("ref:poster").values()) == 2
        assert tallies.total("submitted") == 4
        assert tallies.total("ever_confirmed") == 3
        assert sum(tallies.totals("hour").values()) == 3


def test_a_withdrawn_signature_leaves_the_breakdowns_but_stays_ever_confirmed(app, signature_factory):
    ident = signature_factory("a@example.org", province="QC", share_ref="ref:poster")
    with app.app_context():
        service.withdraw(db.session.get(Signature, ident))
        assert tallies.totals("province") == {}
        assert tallies.totals("ref") == {}
        assert tallies.totals("hour") == {}
        assert tallies.ref_hours("ref:poster") == {}
        assert tallies.totals("status") == {"withdrawn": 1}
        assert tallies.total("ever_confirmed") == 1


def confirmed_at(app, email, share_ref, moment, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(service, "utcnow", lambda: moment)
        make_signature(app, email, share_ref=share_ref)


def test_a_references_hours_hold_only_its_own_signatures(app, monkeypatch):
    """References that begin alike (one the other's beginning) keep their hours apart."""
    moment = datetime(2026, 11, 27, 14, 30, tzinfo=UTC)
    for n, ref in enumerate(["org:al", "org:al-rashid", "org:al-rashid", "org:al-rashid-2", "ref:al"]):
        confirmed_at(app, f"s{n}@example.org", ref, moment, monkeypatch)
    confirmed_at(app, "later@example.org", "org:al-rashid", moment.replace(hour=15), monkeypatch)
    with app.app_context():
        assert tallies.ref_hours("org:al-rashid") == {"2026-11-27T14": 2, "2026-11-27T15": 1}
        assert tallies.ref_hours("org:al") == {"2026-11-27T14": 1}
        assert tallies.ref_hours("org:al-rashid-2") == {"2026-11-27T14": 1}
        assert tallies.ref_hours("org:nobody") == {}
        assert tallies.totals("ref_hour") == {
            "org:al 2026-11-27T14": 1,
            "org:al-rashid 2026-11-27T14": 2,
            "org:al-rashid 2026-11-27T15": 1,
            "org:al-rashid-2 2026-11-27T14": 1,
            "ref:al 2026-11-27T14": 1,
        }


def test_a_reference_with_the_separator_is_refused():
    with pytest.raises(ValueError, match="cannot hold"):
        tallies.ref_hour_key("org:a b", "2026-11-27T14")


def test_a_references_hours_are_read_from_a_range_of_the_primary_key(app):
    """The organisation's figures must not cost more as signatures grow: the planner reads the
    reference's rows through the primary key (kind, key, shard), bounded on the key too."""
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", remember)
        try:
            tallies.ref_hours("org:al-rashid")
        finally:
            event.remove(engine, "before_cursor_execute", remember)
        ((statement, parameters),) = [(s, p) for s, p in statements if "signature_tally" in s]
        cursor = db.session.connection().connection.cursor()
        if engine.dialect.name == "postgresql":
            # A table of a few rows is read whole whatever its indexes; ask what a large one would get.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + statement, parameters)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert re.search(r"Index Cond: \(.*kind.*key.*>=.*key.*<", plan), plan
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            plan = " ".join(row[-1] for row in cursor.fetchall())
            assert "USING INDEX sqlite_autoindex_signature_tally_1 (kind=? AND key>? AND key<?)" in plan, plan
        db.session.rollback()


def test_rebuild_repairs_lost_tallies_and_count(app, signature_factory):
    for n in range(5):
        signature_factory(f"p{n}@example.org", confirm=n % 2 == 0)
    with app.app_context():
        expected = running_totals()
        db.session.execute(db.delete(SignatureTally))
        db.session.execute(db.update(SignatureCountShard).values(count=7))
        db.session.commit()
        assert running_totals() != expected
        tallies.rebuild()
        assert running_totals() == expected
        assert public_count() == 3


def test_rebuild_of_an_empty_database(app):
    with app.app_context():
        assert tallies.rebuild() == {}
        assert running_totals() == {}
        assert public_count() == 0


def test_a_new_pending_signature_counts_towards_what_the_one_statement_insert_writes():
    """PostgreSQL's insert of a new signature writes ``NEW_PENDING_KEYS`` itself, without ``contributions``."""
    new = tallies.Facts(SignatureStatus.PENDING.value, None, "QC", "org:national-council-of-canadian-muslims")
    assert tallies.contributions(new) == tallies.NEW_PENDING


def test_hour_keys_are_utc_hours():
    moment = datetime(2026, 3, 2, 3, 59, tzinfo=UTC)
    assert tallies.hour_key(moment) == "2026-03-02T03"
    assert tallies.hour_key(moment.replace(tzinfo=None)) == "2026-03-02T03"


def test_recount_command(app, runner, signature_factory):
    signature_factory("a@example.org")
    with app.app_context():
        db.session.execute(db.delete(SignatureTally))
        db.session.commit()
    result = runner.invoke(args=["signatures", "recount"])
    assert result.exit_code == 0, result.output
    assert "1 signatures in all, 1 confirmed" in result.output
    with app.app_context():
        assert tallies.totals("status") == {"confirmed": 1}
