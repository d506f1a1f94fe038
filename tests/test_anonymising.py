"""Anonymising at the close: every address and IP erased, the letter's names kept."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update

from petition.audit import record_audit
from petition.extensions import db
from petition.mail.models import OutboxMessage, OutboxStatus
from petition.mail.suppression import SuppressedAddress
from petition.signing import moderation, service
from petition.signing import tokens as signer_tokens
from petition.signing.models import Signature, SignatureEvent, SignatureStatus
from petition.timeutil import utcnow
from tests.privacy_helpers import add, audit_entries, everything, ids_of, tallies_agree
from tests.signing_helpers import count, sign

RETENTION = 30


@pytest.fixture
def app_config():
    # Two signatures per transaction, so that every test goes through several batches.
    return {"PRIVACY_BATCH_SIZE": 2, "UNCONFIRMED_RETENTION_DAYS": RETENTION}


@pytest.fixture
def campaign(app, client):
    """A campaign about to close: signatures in every state, emails in the outbox, history with
    details, a bulk invalidation searched by address; returns what the tests need to know."""
    with app.test_request_context():
        people = {
            "ada": add("Ada.Lovelace+letter@Example.ORG", "Ada", "Lovelace", confirm=True, wants_updates=True),
            "jean": add(
                "jean.ouellet@example.ca",
                "Jean",
                "Ouellet",
                confirm=True,
                display="initial",
                city="Rimouski",
                province="QC",
                lang="fr",
                ip="2001:db8::42",
                share_ref="org:al-rashid-mosque",
            ),
            "hidden": add("hugo.hidden@example.net", "Hugo", "Hidden", confirm=True),
            "pending": add("paula.pending@example.org", "Paula", "Pending", ip="203.0.113.77"),
            "withdrawn": add("wanda.withdrawn@example.org", "Wanda", "Withdrawn", confirm=True),
            "spam": add("spammer@spam.example", "Spam", "Bot", confirm=True, ip="192.0.2.99"),
        }
        moderation.hide(db.session.get(Signature, people["hidden"]))
        service.withdraw(db.session.get(Signature, people["withdrawn"]))
        invalidated = moderation.invalidate_matching(moderation.SearchFilters(email="spammer@spam.example"))
        record_audit(
            "bulk invalidate",
            {"filters": {"email": "spammer@spam.example", "ip": "192.0.2.99"}, "invalidated": invalidated},
        )
        service.record(db.session.get(Signature, people["ada"]), "bounced", "ada.lovelace@example.org: 450 try later")
        db.session.commit()
        # Some of the outbox went out, some failed.
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.signature_id == people["ada"])
            .values(status=OutboxStatus.SENT, sent_at=utcnow())
        )
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.signature_id == people["jean"])
            .values(status=OutboxStatus.FAILED, last_error="jean.ouellet@example.ca: 550 no such user")
        )
        # Jean's server refused him for good, as it did Hugo's, whose address was then taken off the list.
        for address in ("jean.ouellet@example.ca", "hugo.hidden@example.net"):
            db.session.add(SuppressedAddress(address=address, reason=f"{address}: 550 no such user", kind="update"))
        record_audit("suppression lifted", "hugo.hidden@example.net", commit=False)
        db.session.execute(delete(SuppressedAddress).where(SuppressedAddress.address == "hugo.hidden@example.net"))
        db.session.commit()
        ada, jean = db.session.get(Signature, people["ada"]), db.session.get(Signature, people["jean"])
        links = {
            "withdraw": f"/en/withdraw/{signer_tokens.withdraw_token(ada)}",
            "confirm": f"/fr/confirm/{signer_tokens.confirm_token(jean)}",
        }
        db.session.remove()
    personal = [
        "Ada.Lovelace+letter@Example.ORG",
        "ada.lovelace@example.org",
        "jean.ouellet@example.ca",
        "hugo.hidden@example.net",
        "paula.pending@example.org",
        "wanda.withdrawn@example.org",
        "spammer@spam.example",
        "198.51.100.23",
        "2001:db8::42",
        "203.0.113.77",
        "192.0.2.99",
        "Wanda",
        "Paula",
    ]
    return {"people": people, "links": links, "personal": personal}


def public_names(client):
    return re.findall(r'<span class="signer-name">([^<]*)</span>', client.get("/en/signatures").get_data(as_text=True))


def test_anonymising_erases_every_address_and_ip_and_keeps_the_letters_names(app, client, runner, campaign):
    # The links in the emails work before the close.
    assert client.get(campaign["links"]["withdraw"]).status_code == 200
    assert client.get(campaign["links"]["confirm"]).status_code == 303
    signed, shown = count(client), public_names(client)
    with app.test_request_context():
        assert any(text in row for row in everything() for text in campaign["personal"])

    result = runner.invoke(args=["signatures", "anonymise", "--yes"])

    assert result.exit_code == 0, result.output
    assert "Anonymised 5 signatures" in result.output
    with app.test_request_context():
        rows = everything()
        for text in campaign["personal"]:
            assert not [row for row in rows if text.lower() in row.lower()], f"{text} is still in the database"
        signatures = {s.id: s for s in db.session.execute(select(Signature)).scalars()}
        people = campaign["people"]
        assert people["pending"] not in signatures
        for signature in signatures.values():
            assert signature.email == signature.email_canonical == f"anonymised-{signature.id}@invalid"
            assert signature.email_domain == "" and signature.ip_hash is None and not signature.wants_updates
        ada, jean = signatures[people["ada"]], signatures[people["jean"]]
        assert (ada.first_name, ada.last_name, ada.city, ada.province) == ("Ada", "Lovelace", "Ottawa", "ON")
        assert (jean.first_name, jean.last_name, jean.city, jean.province) == ("Jean", "Ouellet", "Rimouski", "QC")
        assert jean.share_ref == "org:al-rashid-mosque" and jean.display == "initial" and jean.lang == "fr"
        assert ada.confirmed_at is not None and ada.updates_consented_at is not None
        assert (signatures[people["hidden"]].first_name, signatures[people["hidden"]].hidden_at is not None) == (
            "Hugo",
            True,
        )
        withdrawn, spam = signatures[people["withdrawn"]], signatures[people["spam"]]
        assert withdrawn.status == SignatureStatus.WITHDRAWN and spam.status == SignatureStatus.INVALIDATED
        assert (withdrawn.first_name, withdrawn.last_name, withdrawn.city) == ("", "", None)
        assert db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one() == 0
        assert db.session.execute(select(SignatureEvent.detail).where(SignatureEvent.detail.is_not(None))).all() == []
        assert tallies_agree()
        [entry] = audit_entries("anonymise")
        assert entry["signatures"] == 5 and entry["pending_deleted"] == 1
        assert entry["refused_addresses_deleted"] == 1
        assert db.session.execute(select(func.count()).select_from(SuppressedAddress)).scalar_one() == 0
    # The letter keeps its signatures: the count and the public list do not change.
    assert count(client) == signed == 3
    assert public_names(client) == shown == ["Jean O.", "Ada Lovelace"]
    # Every link in the emails sent stops working.
    assert client.get(campaign["links"]["withdraw"]).status_code == 400
    assert client.get(campaign["links"]["confirm"]).status_code == 400


def test_anonymising_twice_is_harmless(app, runner, campaign):
    assert runner.invoke(args=["signatures", "anonymise", "--yes"]).exit_code == 0
    with app.test_request_context():
        first = [row for row in everything() if not row.startswith("audit_event")]

    again = runner.invoke(args=["signatures", "anonymise", "--yes"])

    assert again.exit_code == 0, again.output
    assert "Anonymised 0 signatures" in again.output
    with app.test_request_context():
        assert [row for row in everything() if not row.startswith("audit_event")] == first
        assert len(audit_entries("anonymise")) == 2


def test_a_previous_address_signs_again_as_a_new_signature(app, client, runner, campaign):
    assert runner.invoke(args=["signatures", "anonymise", "--yes"]).exit_code == 0

    response = sign(client, email="jean.ouellet@example.ca", first_name="Jean", last_name="Ouellet")

    assert response.status_code == 303
    with app.test_request_context():
        new = db.session.execute(
            select(Signature).where(Signature.email_canonical == "jean.ouellet@example.ca")
        ).scalar_one()
        assert new.status == SignatureStatus.PENDING and new.id not in campaign["people"].values()


def test_anonymising_asks_first(app, runner, campaign):
    with app.test_request_context():
        before = everything()

    refused = runner.invoke(args=["signatures", "anonymise"], input="n\n")

    assert refused.exit_code == 1
    assert "erases every signer's email address" in refused.output
    with app.test_request_context():
        assert everything() == before

    accepted = runner.invoke(args=["signatures", "anonymise"], input="y\n")

    assert accepted.exit_code == 0, accepted.output
    assert "Anonymised 5 signatures" in accepted.output


def test_a_message_being_sent_is_left_for_the_next_run(app, runner):
    """A sender holding a message would fail if it vanished under it: the next run takes it."""
    with app.test_request_context():
        signature_id = add("busy@example.org")
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.signature_id == signature_id)
            .values(status=OutboxStatus.SENDING, lease_until=utcnow() + timedelta(minutes=2), claimed_by="sender")
        )
        db.session.commit()

    result = runner.invoke(args=["signatures", "anonymise", "--yes"])

    assert result.exit_code == 0, result.output
    assert "Left for now: 1 emails and 1 unconfirmed signatures" in result.output
    with app.test_request_context():
        assert ids_of(Signature) == {signature_id}
        # The sender's lease runs out (it died): the next run takes the message and the signature.
        db.session.execute(update(OutboxMessage).values(lease_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()

    again = runner.invoke(args=["signatures", "anonymise", "--yes"])

    assert again.exit_code == 0, again.output
    assert "Left for now" not in again.output
    with app.test_request_context():
        assert not ids_of(Signature) and not ids_of(OutboxMessage)
