"""The administrators' ``?ref=`` codes: created, listed with their link and their confirmed signatures."""

import re

import pytest

from petition.audit import AuditEvent
from petition.extensions import db
from petition.sharing.models import ShareLink
from tests.admin.admin_helpers import text_of, token


def codes(app):
    with app.app_context():
        return db.session.execute(db.select(ShareLink.code).order_by(ShareLink.id)).scalars().all()


def test_creating_a_share_link_lists_it_with_its_link(app, admin):
    response = admin.post(
        "/admin/share-links/", data={"csrf_token": token(admin), "code": " Spring-2026 ", "label": "Spring newsletter"}
    )
    assert response.status_code == 303
    assert codes(app) == ["spring-2026"]
    page = admin.get("/admin/share-links/").get_data(as_text=True)
    assert 'href="http://localhost/en/?ref=spring-2026"' in page
    assert 'href="http://localhost/fr/?ref=spring-2026"' in page
    assert "Spring newsletter" in page
    with app.app_context():
        [event] = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "share link created")).scalars()
        assert "spring-2026" in event.detail


def test_a_share_link_shows_the_confirmed_signatures_that_came_through_it(app, admin, client, signature_factory):
    admin.post("/admin/share-links/", data={"csrf_token": token(admin), "code": "poster", "label": "Posters"})
    signature_factory("a@example.org", share_ref="ref:poster")
    signature_factory("b@example.org", share_ref="ref:poster")
    signature_factory("c@example.org", share_ref="ref:poster", confirm=False)
    signature_factory("d@example.org", share_ref="ref:other")
    text = text_of(admin.get("/admin/share-links/"))
    assert re.search(r"Posters ref:poster .* 2 confirmed signatures", text)


@pytest.mark.parametrize(
    ("code", "label", "message"),
    [
        ("ab", "Too short", "3 to 40 characters"),
        ("x" * 41, "Too long", "3 to 40 characters"),
        ("-start", "Dash first", "Use lowercase letters, digits and dashes"),
        ("with space", "Space", "Use lowercase letters, digits and dashes"),
        ("café", "Accent", "Use lowercase letters, digits and dashes"),
        ("fine-code", "", "Please say what the link is for."),
    ],
)
def test_a_bad_code_is_a_400_that_says_why(app, admin, code, label, message):
    response = admin.post("/admin/share-links/", data={"csrf_token": token(admin), "code": code, "label": label})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert codes(app) == []


def test_a_code_in_use_is_refused(app, admin):
    admin.post("/admin/share-links/", data={"csrf_token": token(admin), "code": "poster", "label": "Posters"})
    response = admin.post("/admin/share-links/", data={"csrf_token": token(admin), "code": "POSTER", "label": "Again"})
    assert response.status_code == 400
    assert "This code is already in use." in response.get_data(as_text=True)
    assert codes(app) == ["poster"]
