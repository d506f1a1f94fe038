"""Purging unconfirmed signatures: exactly the old pending ones go, a batch per transaction."""

import pytest
from sqlalchemy import update

from petition.config import ConfigError, load_config
from petition.extensions import db
from petition.mail.models import OutboxMessage, OutboxStatus
from petition.signing import lifecycle, moderation, service, tallies
from petition.signing.models import Signature, SignatureEvent
from tests.privacy_helpers import add, age, audit_entries, everything, ids_of, tallies_agree
from tests.signing_helpers import count

RETENTION = 30


@pytest.fixture
def app_config():
    # Two signatures per transaction, so that every test goes through several batches.
    return {"PRIVACY_BATCH_SIZE": 2, "UNCONFIRMED_RETENTION_DAYS": RETENTION}


@pytest.fixture
def mixed(app):
    """Old and fresh pending signatures, and others in every state; returns their ids by role."""
    with app.test_request_context():
        roles = {
            "old": add("old.pending@example.org"),
            "old_with_ref": add("old.ref@example.org", share_ref="org:al-rashid-mosque", province="QC"),
            "fresh": add("fresh.pending@example.org"),
            "confirmed": add("confirmed@example.org", confirm=True),
            "withdrawn": add("withdrawn@example.org", confirm=True),
            "invalidated": add("invalidated@example.org"),
            "signed_again": add("again@example.org"),
        }
        service.withdraw(db.session.get(Signature, roles["withdrawn"]))
        moderation.invalidate(db.session.get(Signature, roles["invalidated"]))
        for role in ("old", "old_with_ref", "confirmed", "withdrawn", "invalidated", "signed_again"):
            age(roles[role], RETENTION + 5)
        # One of the old ones has emails that failed and one that went out.
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.signature_id == roles["old"])
            .values(status=OutboxStatus.FAILED, last_error="550 mailbox unavailable")
        )
        db.session.commit()
        # Signed again yesterday: a fresh link is in that inbox, and must keep working.
        add("again@example.org")
        db.session.remove()
    return roles


def test_purge_removes_exactly_the_old_pending_signatures(app, runner, mixed):
    with app.test_request_context():
        before_pending = tallies.total("status", "pending")
        before_count = count(app.test_client())

    result = runner.invoke(args=["signatures", "purge-unconfirmed", "--older-than", str(RETENTION)])

    assert result.exit_code == 0, result.output
    assert "Removed 2 unconfirmed signatures" in result.output
    purged = {mixed["old"], mixed["old_with_ref"]}
    with app.test_request_context():
        assert ids_of(Signature) == set(mixed.values()) - purged
        assert not ids_of(SignatureEvent, "signature_id") & purged
        assert not ids_of(OutboxMessage, "signature_id") & purged
        addresses = ids_of(OutboxMessage, "to_address")
        assert "old.pending@example.org" not in addresses and "old.ref@example.org" not in addresses
        assert "again@example.org" in addresses
        # The administrators' figures follow, and the public count does not move.
        assert tallies.total("status", "pending") == before_pending - 2
        assert tallies_agree()
        assert count(app.test_client()) == before_count == 1
        [entry] = audit_entries("purge unconfirmed")
        assert entry["removed"] == 2 and entry["older_than_days"] == RETENTION

    again = runner.invoke(args=["signatures", "purge-unconfirmed", "--older-than", str(RETENTION)])

    assert again.exit_code == 0, again.output
    assert "Removed 0 unconfirmed signatures" in again.output
    with app.test_request_context():
        assert ids_of(Signature) == set(mixed.values()) - purged


def test_purge_works_a_batch_per_transaction(app):
    with app.test_request_context():
        ids = [add(f"person{n}@example.org") for n in range(5)]
        for signature_id in ids:
            age(signature_id, RETENTION + 1)
        batches = []

        removed = lifecycle.purge_unconfirmed(RETENTION, progress=batches.append)

        assert removed.signatures == 5
        assert batches == [2, 2, 1]
        assert not ids_of(Signature)
        assert tallies_agree()


def test_a_dry_run_changes_nothing(app, runner, mixed):
    with app.test_request_context():
        before = everything()

    result = runner.invoke(args=["signatures", "purge-unconfirmed", "--older-than", str(RETENTION), "--dry-run"])

    assert result.exit_code == 0, result.output
    assert "Would remove 2 unconfirmed signatures" in result.output
    with app.test_request_context():
        assert everything() == before


def test_the_retention_defaults_to_the_setting(app, runner):
    with app.test_request_context():
        recent, old = add("recent@example.org"), add("old@example.org")
        age(recent, RETENTION - 1)
        age(old, RETENTION + 1)

    result = runner.invoke(args=["signatures", "purge-unconfirmed"])

    assert result.exit_code == 0, result.output
    assert f"older than {RETENTION} days" in result.output
    with app.test_request_context():
        assert ids_of(Signature) == {recent}


@pytest.mark.parametrize("days", ["0", "-3", "abc", "1.5", "", "99999999999", "1e3"])
def test_bad_retention_days_are_usage_errors(app, runner, mixed, days):
    with app.test_request_context():
        before = everything()

    result = runner.invoke(args=["signatures", "purge-unconfirmed", "--older-than", days])

    assert result.exit_code == 2
    assert "Invalid value for '--older-than'" in result.output
    with app.test_request_context():
        assert everything() == before


def test_older_than_needs_a_value(runner):
    result = runner.invoke(args=["signatures", "purge-unconfirmed", "--older-than"])

    assert result.exit_code == 2
    assert "requires an argument" in result.output


@pytest.mark.parametrize("raw", ["0", "-1", "thirty", "2.5", "true"])
def test_a_bad_retention_setting_is_refused_at_start(tmp_path, raw):
    with pytest.raises(ConfigError, match="UNCONFIRMED_RETENTION_DAYS"):
        load_config(str(tmp_path), environ={"UNCONFIRMED_RETENTION_DAYS": raw}, testing=True)


def test_the_retention_setting_is_read_from_the_environment(tmp_path):
    config = load_config(str(tmp_path), environ={"UNCONFIRMED_RETENTION_DAYS": "14"}, testing=True)

    assert config["UNCONFIRMED_RETENTION_DAYS"] == 14
