"""The audit log: recorded from requests and commands, listed newest first, a page at a time."""

import json

import pytest

from petition.audit import AuditEvent, record_audit
from petition.extensions import db
from tests.admin.admin_helpers import text_of


@pytest.fixture
def app_config():
    return {"ADMIN_PAGE_SIZE": 2}


def test_a_command_records_without_an_actor(app):
    with app.app_context():
        record_audit("export", {"rows": 3, "reason": "livraison au bureau du premier ministre"})
        [event] = db.session.execute(db.select(AuditEvent)).scalars()
        assert event.actor is None and event.ip is None
        assert json.loads(event.detail) == {"rows": 3, "reason": "livraison au bureau du premier ministre"}


def test_a_request_records_the_administrator_and_the_ip(app, admin):
    with app.app_context():
        [event] = db.session.execute(db.select(AuditEvent)).scalars()
    assert (event.action, event.actor, event.ip) == ("sign-in", "admin@example.org", "127.0.0.1")


def test_the_log_is_listed_newest_first_a_page_at_a_time(app, admin):
    with app.app_context():
        for n in range(3):
            record_audit("hide", {"signature": n})
    first = text_of(admin.get("/admin/audit/"))
    assert first.index('{"signature": 2}') < first.index('{"signature": 1}')
    assert "Name hidden" in first and "Older" in first
    second = text_of(admin.get("/admin/audit/?page=2"))
    assert '{"signature": 0}' in second and "Signed in" in second and "Newer" in second


def test_the_log_can_show_one_kind_of_action(app, admin):
    with app.app_context():
        record_audit("hide", {"signature": 1})
    text = text_of(admin.get("/admin/audit/?action=sign-in"))
    assert "Signed in" in text.split("Details", 1)[1]
    assert '{"signature": 1}' not in text


@pytest.mark.parametrize("query", ["page=-3", "page=abc", "page=99999999999", "action=nonsense"])
def test_odd_parameters_show_the_first_page(admin, query):
    response = admin.get(f"/admin/audit/?{query}")
    assert response.status_code == 200
    assert "Signed in" in text_of(response)
