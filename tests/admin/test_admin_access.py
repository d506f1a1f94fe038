"""Nobody but a signed-in administrator gets past /admin/: every route, found in the URL map."""

import pytest
from flask import url_for
from werkzeug.routing import IntegerConverter

from petition.admin.auth import PUBLIC_ENDPOINTS, safe_next
from petition.audit import AuditEvent
from petition.extensions import db
from petition.i18n import LanguageConverter
from tests.admin.admin_helpers import sign_in, token
from tests.support import csrf_token_from


def sample_value(converter):
    """A value that the URL variable's converter accepts, so every rule can be built."""
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, LanguageConverter):
        return "en"
    return "x"


def admin_rules(app):
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin")]
    assert rules, "no admin routes found"
    return rules


def build(app, rule):
    values = {}
    for name, converter in rule._converters.items():
        values[name] = sample_value(converter)
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def test_every_admin_route_belongs_to_the_admin_blueprint(app):
    for rule in admin_rules(app):
        assert rule.endpoint.startswith("admin."), rule.rule


def test_only_the_sign_in_page_and_the_language_switch_are_open(app):
    endpoints = {rule.endpoint for rule in admin_rules(app)}
    assert endpoints >= PUBLIC_ENDPOINTS
    assert {"admin.auth.sign_in", "admin.auth.language"} == PUBLIC_ENDPOINTS


def test_every_admin_page_sends_an_anonymous_visitor_to_sign_in(app, client):
    checked = 0
    for rule in admin_rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS or "GET" not in rule.methods:
            continue
        path = build(app, rule)
        response = client.get(path)
        assert response.status_code == 302, (path, response.status_code)
        assert response.headers["Location"].startswith("/admin/sign-in?next="), path
        checked += 1
    assert checked >= 10


def test_every_admin_action_refuses_an_anonymous_post_even_with_a_valid_csrf_token(app, client):
    csrf = csrf_token_from(client.get("/admin/sign-in").get_data(as_text=True))
    checked = 0
    for rule in admin_rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS or "POST" not in rule.methods:
            continue
        path = build(app, rule)
        assert client.post(path, data={"csrf_token": csrf}).status_code == 401, path
        # Without the token the CSRF check refuses it first.
        assert client.post(path).status_code == 400, path
        checked += 1
    assert checked >= 8
    with app.app_context():
        actions = db.session.execute(db.select(AuditEvent.action)).scalars().all()
    assert actions == [], "an anonymous request changed something"


def test_admin_pages_are_not_cached_nor_indexed(admin):
    for path in ("/admin/sign-in", "/admin/", "/admin/signatures/", "/admin/no-such-page"):
        response = admin.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        assert "noindex" in response.headers["X-Robots-Tag"], path


def test_sign_in_leads_back_to_the_page_asked_for(client, administrator):
    first = client.get("/admin/audit/?page=2")
    assert first.status_code == 302
    response = sign_in(client, next="/admin/audit/?page=2")
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/audit/?page=2"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/admin/",
        "//evil.example/",
        "/en/",
        "/admin\\evil",
        "/admin/sign-in",
        "",
        None,
        "/admin/\r\nX: y",
    ],
)
def test_sign_in_never_leads_outside_the_administration(app, target):
    with app.test_request_context():
        assert safe_next(target) == "/admin/"


def test_signed_in_administrator_sees_the_pages(admin):
    for path in ("/admin/", "/admin/signatures/", "/admin/endorsements/", "/admin/share-links/", "/admin/audit/"):
        assert admin.get(path).status_code == 200, path


def test_language_switch_sets_the_site_cookie_and_returns(admin):
    response = admin.get("/admin/language/fr?next=/admin/signatures/")
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/signatures/"
    page = admin.get("/admin/signatures/")
    assert 'lang="fr-CA"' in page.get_data(as_text=True)
    assert admin.get("/admin/language/fr?next=https://evil.example/").headers["Location"] == "/admin/"
    assert admin.get("/admin/language/de").status_code == 404


def test_unknown_things_under_admin_are_plain_404s(admin):
    assert admin.get("/admin/signatures/999999").status_code == 404
    assert admin.get("/admin/endorsements/999999").status_code == 404
    csrf = token(admin)
    assert admin.post("/admin/signatures/999999/hide", data={"csrf_token": csrf}).status_code == 404
