"""Search, one signature's page, hiding a name, invalidating one or many, and trending sources."""

import json
import re

import pytest

from petition.audit import AuditEvent
from petition.extensions import db
from petition.signing import tallies
from petition.signing.models import Signature, SignatureEvent
from tests.admin.admin_helpers import make_signature, public_count, signature, text_of, token
from tests.signing_helpers import hashed, running_totals


@pytest.fixture
def app_config():
    return {
        "ADMIN_PAGE_SIZE": 3,
        "ADMIN_BULK_BATCH_SIZE": 2,
        "ADMIN_TRENDING_IP_THRESHOLD": 3,
        "ADMIN_TRENDING_DOMAIN_THRESHOLD": 3,
    }


def names_found(response):
    return re.findall(r'<a href="/admin/signatures/\d+">([^<]+)</a>', response.get_data(as_text=True))


def public_names(client):
    return re.findall(r'<span class="signer-name">([^<]*)</span>', client.get("/en/signatures").get_data(as_text=True))


def audit(app, action):
    with app.app_context():
        rows = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == action)).scalars().all()
        return [(row.actor, json.loads(row.detail) if row.detail else None) for row in rows]


def tallies_are_right(app):
    with app.app_context():
        return running_totals() == tallies.computed_totals()


@pytest.fixture
def people(app, signature_factory):
    return {
        "marie": signature_factory("marie.cote@example.org", first="Marie", last="Côté", ip="203.0.113.1"),
        "jean": make_signature(
            app, "Jean.Roy+letter@gmail.com", first="Jean", last="Roy", ip="203.0.113.2", share_ref="ref:poster"
        ),
        "amina": signature_factory("amina@spam.example", first="Amina", last="Khan", ip="203.0.113.3"),
        "bot1": signature_factory("bot1@spam.example", first="Bot", last="One", ip="198.51.100.7"),
        "bot2": signature_factory("bot2@spam.example", first="Bot", last="Two", ip="198.51.100.7", confirm=False),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("name=c%C3%B4t%C3%A9", ["Marie Côté"]),
        ("name=bot", ["Bot Two", "Bot One"]),
        ("name=100%25", []),
        ("email=jeanroy%40gmail.com", ["Jean Roy"]),  # the canonical form: no dots, no +tag, any case
        ("domain=%40SPAM.example", ["Bot Two", "Bot One", "Amina Khan"]),
        ("ip=198.51.100.7", ["Bot Two", "Bot One"]),
        ("ref=ref:poster", ["Jean Roy"]),
        ("domain=spam.example&status=pending", ["Bot Two"]),
    ],
)
def test_search(admin, people, query, expected):
    response = admin.get(f"/admin/signatures/?{query}")
    assert response.status_code == 200
    assert names_found(response) == expected


@pytest.mark.parametrize(
    "query", ["ip=not-an-ip", "status=lost", "email=no-at-sign", "domain=a%40b.example", "name=" + "x" * 300]
)
def test_a_bad_search_is_a_400_that_says_why(admin, query):
    response = admin.get(f"/admin/signatures/?{query}")
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)


def test_results_come_a_page_at_a_time(admin, people):
    first = admin.get("/admin/signatures/")
    assert names_found(first) == ["Bot Two", "Bot One", "Amina Khan"]
    older = re.search(r'<a rel="next" href="([^"]+)"', first.get_data(as_text=True)).group(1).replace("&amp;", "&")
    second = admin.get(older)
    assert names_found(second) == ["Jean Roy", "Marie Côté"]
    assert 'rel="next"' not in second.get_data(as_text=True)


def test_one_signature_shows_its_details_and_history(admin, people):
    page = admin.get(f"/admin/signatures/{people['jean']}")
    text = text_of(page)
    assert "Jean.Roy+letter@gmail.com" in text and "gmail.com" in text and hashed("203.0.113.2") in text
    assert "203.0.113.2" not in text, "only the hash of an IP is kept"
    history = text[text.index("History") :]
    assert "Submitted" in history and "Confirmed" in history


def test_hiding_takes_the_name_off_the_public_list_but_not_out_of_the_count(app, client, admin, people):
    assert "Marie Côté" in public_names(client)
    before = public_count(client)
    response = admin.post(f"/admin/signatures/{people['marie']}/hide", data={"csrf_token": token(admin)})
    assert response.status_code == 303
    assert "Marie Côté" not in public_names(client)
    assert public_count(client) == before
    assert signature(app, people["marie"]).hidden_at is not None
    assert audit(app, "hide") == [("admin@example.org", {"signature": people["marie"]})]

    admin.post(f"/admin/signatures/{people['marie']}/unhide", data={"csrf_token": token(admin)})
    assert "Marie Côté" in public_names(client)
    assert len(audit(app, "unhide")) == 1
    assert tallies_are_right(app)


def test_invalidating_one_signature_moves_the_count_and_the_tallies(app, client, admin, people):
    before = public_count(client)
    response = admin.post(
        f"/admin/signatures/{people['amina']}/invalidate", data={"csrf_token": token(admin), "reason": "spam"}
    )
    assert response.status_code == 303
    assert public_count(client) == before - 1
    row = signature(app, people["amina"])
    assert row.status == "invalidated" and row.invalidated_at is not None
    assert "Amina Khan" not in public_names(client)
    assert tallies_are_right(app)
    assert audit(app, "invalidate") == [
        ("admin@example.org", {"signature": people["amina"], "was": "confirmed", "reason": "spam"})
    ]
    # Again: nothing changes, nothing is recorded twice.
    admin.post(f"/admin/signatures/{people['amina']}/invalidate", data={"csrf_token": token(admin)})
    assert public_count(client) == before - 1
    assert len(audit(app, "invalidate")) == 1


def test_bulk_invalidation_shows_how_many_then_moves_the_public_count(app, client, admin, people):
    before = public_count(client)
    preview = admin.get("/admin/signatures/invalidate?domain=spam.example")
    assert preview.status_code == 200
    text = text_of(preview)
    assert "3 signatures will be invalidated" in text
    assert "2 of them confirmed" in text
    html = preview.get_data(as_text=True)
    assert '<input type="hidden" name="expected" value="3">' in html
    assert '<input type="hidden" name="domain" value="spam.example">' in html

    response = admin.post(
        "/admin/signatures/invalidate",
        data={"csrf_token": token(admin), "domain": "spam.example", "expected": "3", "reason": "a bulk sign-up"},
    )
    assert response.status_code == 303
    assert public_count(client) == before - 2
    with app.app_context():
        statuses = dict(db.session.execute(db.select(Signature.email_domain, Signature.status)).all())
        events = db.session.execute(db.select(db.func.count()).select_from(SignatureEvent)).scalar_one()
        bulk_events = db.session.execute(
            db.select(db.func.count()).where(SignatureEvent.kind.like("invalidated%"))
        ).scalar_one()
    assert statuses["spam.example"] == "invalidated"
    assert bulk_events == 3 and events > 3
    assert signature(app, people["marie"]).status == "confirmed"
    assert tallies_are_right(app)
    [(actor, detail)] = audit(app, "bulk invalidate")
    assert actor == "admin@example.org"
    assert detail == {
        "filters": {"domain": "spam.example"},
        "expected": 3,
        "invalidated": 3,
        "reason": "a bulk sign-up",
    }
    assert "3 signatures invalidated" in text_of(admin.get(response.headers["Location"]))


def test_bulk_invalidation_is_refused_when_the_number_changed_meanwhile(app, client, admin, people, signature_factory):
    before = public_count(client)
    admin.get("/admin/signatures/invalidate?domain=spam.example")
    signature_factory("bot3@spam.example", first="Bot", last="Three")
    response = admin.post(
        "/admin/signatures/invalidate",
        data={"csrf_token": token(admin), "domain": "spam.example", "expected": "3", "reason": "a bulk sign-up"},
    )
    assert response.status_code == 409
    assert "changed from 3 to 4" in text_of(response)
    assert '<input type="hidden" name="expected" value="4">' in response.get_data(as_text=True)
    assert public_count(client) == before + 1
    assert audit(app, "bulk invalidate") == []


@pytest.mark.parametrize(
    "data",
    [
        {"expected": "3", "reason": "no search at all"},
        {"status": "confirmed", "expected": "3", "reason": "only a status"},
        {"domain": "spam.example", "expected": "3"},
        {"domain": "spam.example", "expected": "lots", "reason": "x"},
        {"domain": "spam.example", "expected": "0", "reason": "x"},
        {"ip": "999.1.1.1", "expected": "3", "reason": "x"},
    ],
)
def test_a_bad_bulk_invalidation_is_a_400(app, client, admin, people, data):
    before = public_count(client)
    response = admin.post("/admin/signatures/invalidate", data={"csrf_token": token(admin), **data})
    assert response.status_code == 400
    assert public_count(client) == before
    assert audit(app, "bulk invalidate") == []


def test_the_preview_needs_a_search_that_narrows(admin, people):
    assert admin.get("/admin/signatures/invalidate").status_code == 400
    assert admin.get("/admin/signatures/invalidate?status=confirmed").status_code == 400
    assert admin.get("/admin/signatures/invalidate?ip=nope").status_code == 400


def test_trending_shows_ips_and_domains_signing_at_unusual_rates(app, admin, signature_factory):
    for n in range(3):
        signature_factory(f"p{n}@burst.example", ip="192.0.2.50")
    for n in range(4):
        signature_factory(f"q{n}@gmail.com", ip=f"192.0.2.{n + 100}", confirm=False)
    signature_factory("alone@example.org", ip="192.0.2.99")
    page = admin.get("/admin/signatures/trending")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"/admin/signatures/?ip={hashed('192.0.2.50')}" in html
    assert "192.0.2.50" not in html
    assert "/admin/signatures/?domain=burst.example" in html
    assert hashed("192.0.2.99") not in html
    assert "gmail.com" not in html  # a big provider: many people share it


def test_every_kind_of_event_in_a_history_has_a_label_for_administrators():
    from petition.signing.models import EventKind
    from petition.signing.moderation import EVENT_LABELS

    assert set(EVENT_LABELS) == set(EventKind)


def test_a_moderation_and_its_audit_entry_commit_together(app, monkeypatch, signature_factory):
    from petition.signing import moderation

    ident = signature_factory("together@example.org")

    def failing_audit(*args, **kwargs):
        raise RuntimeError("the audit log cannot be written")

    monkeypatch.setattr(moderation, "record_audit", failing_audit)
    with app.app_context():
        row = db.session.get(Signature, ident)
        with pytest.raises(RuntimeError):
            moderation.hide(row)
        db.session.rollback()
        assert db.session.get(Signature, ident).hidden_at is None, "no hiding without its audit entry"
    monkeypatch.undo()
    with app.app_context():
        assert moderation.hide(db.session.get(Signature, ident))
        assert moderation.invalidate(db.session.get(Signature, ident), reason="spam")
        actions = db.session.execute(db.select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
    assert actions == ["hide", "invalidate"]


def test_a_moment_in_a_sentence_is_a_written_date_with_its_hour(app, admin, signature_factory):
    """« Masqué … le 1er mars 2026 à 9 h 30 », not « le 2026-03-01 09 h 30 »: a numeric date is for tables."""
    from datetime import UTC, datetime

    ident = signature_factory("a@example.org")
    with app.app_context():
        found = db.session.get(Signature, ident)
        found.hidden_at = datetime(2026, 3, 1, 14, 30, tzinfo=UTC)  # 9:30 in Toronto
        found.wants_updates, found.updates_consented_at = True, datetime(2026, 3, 3, 19, 5, tzinfo=UTC)
        db.session.commit()

    english = text_of(admin.get(f"/admin/signatures/{ident}"))
    admin.get("/admin/language/fr")
    french = text_of(admin.get(f"/admin/signatures/{ident}"))

    assert "Hidden by an administrator on March 1, 2026 at 9:30 a.m." in english
    assert "Yes, since March 3, 2026 at 2:05 p.m." in english
    assert "Masqué par l’administration le 1er mars 2026 à 9 h 30" in french
    assert "Oui, depuis le 3 mars 2026 à 14 h 05" in french
