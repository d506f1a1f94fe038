"""Error pages: the visitor's language, the right status, never a stack trace; JSON under ``/api/``."""

import pytest
from flask import abort
from flask_babel import force_locale, gettext

from petition.extensions import db
from tests.support import make_app

LOCALES = {"en": "en_CA", "fr": "fr_CA"}
BOOM = "a secret detail that must not reach the visitor"


@pytest.fixture
def app_config():
    """No background mail sender: these tests send no mail, and a sender left running would drain
    the outbox that other tests share."""
    return {"MAIL_BACKGROUND_SENDER": False}


def translated(app, lang, message):
    with app.test_request_context(), force_locale(LOCALES[lang]):
        return gettext(message)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_404_page_in_each_language(app, client, lang):
    response = client.get(f"/{lang}/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert f'<html lang="{lang}-CA">' in page
    assert translated(app, lang, "Page not found") in page
    assert f'href="/{lang}/"' in page, "the page offers a way back to the letter"
    assert '<meta name="robots" content="noindex">' in page


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_405_page_in_each_language(app, client, lang):
    response = client.post(f"/{lang}/")
    assert response.status_code == 405
    allowed = {method.strip() for method in response.headers["Allow"].split(",")}
    assert "GET" in allowed
    assert "POST" not in allowed
    page = response.get_data(as_text=True)
    assert f'<html lang="{lang}-CA">' in page
    assert translated(app, lang, "Method not allowed") in page


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_on_the_letter_are_405(client, method):
    response = getattr(client, method)("/en/")
    assert response.status_code == 405
    assert "Allow" in response.headers


@pytest.fixture
def failing_app(migrated_database):
    """An app with routes that fail, registered before its first request, and errors not propagated."""
    app = make_app(migrated_database, PROPAGATE_EXCEPTIONS=False, MAIL_BACKGROUND_SENDER=False)

    @app.get("/<lang:lang>/boom")
    def boom(lang):
        raise RuntimeError(BOOM)

    @app.get("/api/boom")
    def api_boom():
        raise RuntimeError(BOOM)

    @app.get("/<lang:lang>/forbidden")
    def forbidden(lang):
        abort(403)

    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_500_shows_the_friendly_page_without_a_traceback(failing_app, lang):
    response = failing_app.test_client().get(f"/{lang}/boom")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert f'<html lang="{lang}-CA">' in page
    assert translated(failing_app, lang, "Something went wrong") in page
    assert "Traceback" not in page
    assert "RuntimeError" not in page
    assert BOOM not in page
    assert "Content-Security-Policy" in response.headers


def test_500_is_logged(failing_app, caplog):
    failing_app.test_client().get("/en/boom")
    assert any(BOOM in str(record.exc_info[1]) for record in caplog.records if record.exc_info)


def test_500_under_api_is_json(failing_app):
    response = failing_app.test_client().get("/api/boom")
    assert response.status_code == 500
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["status"] == 500
    assert BOOM not in response.get_data(as_text=True)


def test_other_http_errors_keep_their_status(failing_app):
    response = failing_app.test_client().get("/fr/forbidden")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert '<html lang="fr-CA">' in page
    assert translated(failing_app, "fr", "Forbidden") in page


def test_api_404_is_json(client):
    response = client.get("/api/nope")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == 404
    assert error["title"]
    assert error["message"]


def test_api_405_is_json_with_allow(client):
    response = client.post("/api/count")
    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["status"] == 405
    assert "GET" in response.headers["Allow"]


def test_pages_outside_api_are_not_json(client):
    response = client.get("/apinope")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
