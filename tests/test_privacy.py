"""The privacy lifecycle: purging unconfirmed signatures, anonymising at the close, and the privacy page."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from petition.audit import AuditEvent, record_audit
from petition.config import ConfigError, load_config
from petition.extensions import db
from petition.mail.models import OutboxMessage, OutboxStatus
from petition.signing import lifecycle, moderation, service, tallies
from petition.signing import tokens as signer_tokens
from petition.signing.models import Signature, SignatureEvent, SignatureStatus
from petition.signing.service import Submission
from petition.timeutil import utcnow
from tests.signing_helpers import count, hashed, running_totals, sign

RETENTION = 30


@pytest.fixture
def app_config():
    # Two signatures per transaction, so that every test goes through several batches.
    return {"PRIVACY_BATCH_SIZE": 2, "UNCONFIRMED_RETENTION_DAYS": RETENTION}


def add(email, first="Sam", last="Signer", confirm=False, ip="198.51.100.23", **fields):
    """A signature made as the signing journey makes it, with its confirmation email in the outbox."""
    values = {
        "province": "ON",
        "city": "Ottawa",
        "display": "full",
        "wants_updates": False,
        "consent_wording": None,
        "lang": "en",
    } | fields
    if values["wants_updates"]:
        values["consent_wording"] = "2026-11-updates-v1"
    signature = db.session.get(
        Signature,
        service.submit(Submission(first_name=first, last_name=last, email=email, ip_hash=hashed(ip), **values)),
    )
    if confirm:
        service.confirm(signature)
    return signature.id


def age(signature_id, days):
    """Move a signature, its history and its emails ``days`` into the past."""
    then = utcnow() - timedelta(days=days)
    db.session.execute(update(Signature).where(Signature.id == signature_id).values(created_at=then))
    db.session.execute(
        update(SignatureEvent).where(SignatureEvent.signature_id == signature_id).values(created_at=then)
    )
    db.session.execute(update(OutboxMessage).where(OutboxMessage.signature_id == signature_id).values(created_at=then))
    db.session.commit()


def ids_of(model, column="id"):
    return set(db.session.execute(select(getattr(model, column))).scalars())


def everything():
    """Every row of every table, as text, in a fixed order."""
    rows = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table).order_by(*table.primary_key.columns)):
            rows.append(f"{table.name}: " + " | ".join(str(value) for value in row))
    db.session.rollback()
    return rows


def audit_entries(action):
    entries = db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars().all()
    return [json.loads(entry.detail) for entry in entries]


def tallies_agree():
    return running_totals() == tallies.computed_totals()


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

        assert removed == 5
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


def page_text(response):
    html = response.get_data(as_text=True)
    return html, html[html.index("<main") : html.index("</main>")]


@pytest.mark.parametrize(
    ("lang", "title", "days"),
    [("en", "Privacy: what we keep about you", "45 days"), ("fr", "Confidentialité\u00a0:", "45\u00a0jours")],
)
def test_the_privacy_page_in_both_languages(app, client, lang, title, days):
    app.config.update(UNCONFIRMED_RETENTION_DAYS=45, PRIVACY_CONTACT_EMAIL="vie-privee@lettre.example.ca")

    response = client.get(f"/{lang}/privacy")

    assert response.status_code == 200
    html, main = page_text(response)
    assert f'<html lang="{lang}-CA">' in html
    assert f"<h1>{title}" in main
    assert days in main
    assert '<a href="mailto:vie-privee@lettre.example.ca">vie-privee@lettre.example.ca</a>' in main
    assert "{" not in main and "}" not in main
    assert f'hreflang="{"fr" if lang == "en" else "en"}-CA"' in html


def test_the_contact_defaults_to_the_sites_host_and_can_be_left_out(app, client):
    app.config["PUBLIC_URL"] = "https://letter.example.ca"
    assert "mailto:privacy@letter.example.ca" in client.get("/en/privacy").get_data(as_text=True)

    app.config["PRIVACY_CONTACT_EMAIL"] = ""
    _html, main = page_text(client.get("/fr/privacy"))

    assert "mailto:" not in main and "<h2>Contact</h2>" not in main
    assert "{contact_email}" not in main


def test_the_privacy_page_is_linked_from_every_page_and_the_form(client):
    for lang in ("en", "fr"):
        letter = client.get(f"/{lang}/").get_data(as_text=True)
        footer = letter[letter.index('<footer class="site-footer">') :]
        form = letter[letter.index('<p class="privacy-note">') :]
        assert f'href="/{lang}/privacy"' in footer
        assert f'href="/{lang}/privacy"' in form[: form.index("</p>")]
        assert f'href="/{lang}/privacy"' in client.get(f"/{lang}/signatures").get_data(as_text=True)


def test_no_privacy_page_in_other_languages(client):
    assert client.get("/de/privacy").status_code == 404


def test_the_french_text_follows_french_typography(client):
    _html, main = page_text(client.get("/fr/privacy"))

    assert "courriel" in main and "e-mail" not in main.lower()
    # A no-break space before a colon, and none of the apostrophes is a typewriter one.
    assert not re.search(r"[^\u00a0\u202f]:\s", re.sub(r"<[^>]+>|https?:|mailto:", "", main))
    assert "'" not in re.sub(r"<[^>]+>", "", main)


def test_both_languages_say_as_much(client):
    """The same sections, lists and items in English and in French: neither is a summary of the other."""

    def outline(lang):
        _html, main = page_text(client.get(f"/{lang}/privacy"))
        return [len(re.findall(tag, main)) for tag in ("<h2", "<ul", "<li", "<strong", "<p")]

    assert outline("en") == outline("fr")
