"""While the database cannot be reached (a restart), pages answer 503 with ``Retry-After``, in the
visitor's language, and a form says whether what it sent was recorded."""

import logging

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from petition.config import ConfigError, load_config
from petition.extensions import db
from petition.mail.models import OutboxMessage
from petition.signing import tokens
from petition.signing.models import SignatureStatus
from tests.signing_helpers import VALID, make_signature, signature, signatures
from tests.support import csrf_token_from, make_app

LOCALES = {"en": "en_CA", "fr": "fr_CA"}


def translated(app, lang, message):
    with app.test_request_context(), force_locale(LOCALES[lang]):
        return gettext(message)


def outbox_size(app):
    with app.app_context():
        return len(db.session.execute(db.select(OutboxMessage.id)).all())


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_letter_is_503_in_the_visitors_language_while_the_database_is_away(app, client, outage, lang):
    with outage.down():
        response = client.get(f"/{lang}/")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert f'<html lang="{lang}-CA">' in page
    assert translated(app, lang, "The site is busy for a moment") in page
    assert translated(app, lang, "This page could not be shown just now. Please try again in a few seconds.") in page
    assert translated(app, lang, "Read the letter") in page
    assert "Traceback" not in page
    assert client.get(f"/{lang}/").status_code == 200, "the site is back with the database"


def test_signing_while_the_database_is_away_says_the_signature_was_not_recorded(app, client, outage):
    token = csrf_token_from(client.get("/fr/").get_data(as_text=True))

    with outage.down():
        response = client.post("/fr/sign", data={**VALID, "csrf_token": token})

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    page = response.get_data(as_text=True)
    assert '<html lang="fr-CA">' in page
    assert "Lire la lettre" in page
    assert (
        translated(app, "fr", "Your signature was not recorded. Please send the form again in a few seconds.") in page
    )
    assert signatures(app) == []
    assert outbox_size(app) == 0


def test_the_count_api_is_503_as_json(client, outage):
    with outage.down():
        response = client.get("/api/count")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == 503
    assert error["title"] == "The site is busy for a moment"
    assert error["message"]


def test_healthz_keeps_its_own_answer(client, outage):
    with outage.down():
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    assert client.get("/healthz").get_json()["status"] == "ok"


def test_an_outage_is_one_warning_not_a_traceback(client, outage, caplog):
    with outage.down():
        client.get("/en/")

    warnings = [record for record in caplog.records if record.name == "petition.errors"]
    assert [record.levelno for record in warnings] == [logging.WARNING]
    assert "GET /<lang:lang>/" in warnings[0].getMessage()
    assert not [record for record in caplog.records if record.exc_info]


class TestRetryAfterSetting:
    @pytest.fixture
    def app_config(self):
        return {"DATABASE_UNAVAILABLE_RETRY_AFTER": 30}

    def test_retry_after_is_the_setting(self, client, outage):
        with outage.down():
            response = client.get("/en/")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"

    def test_retry_after_comes_from_the_environment_in_whole_seconds(self, tmp_path):
        environ = {"TESTING": "true", "DATABASE_UNAVAILABLE_RETRY_AFTER": "12"}
        assert load_config(tmp_path, environ)["DATABASE_UNAVAILABLE_RETRY_AFTER"] == 12
        with pytest.raises(ConfigError, match="DATABASE_UNAVAILABLE_RETRY_AFTER"):
            load_config(tmp_path, {**environ, "DATABASE_UNAVAILABLE_RETRY_AFTER": "soon"})


def test_a_confirmation_committed_before_the_database_went_away_is_not_called_unrecorded(app, client, outage):
    ident = make_signature(app, "remi.gagnon@example.ca", confirm=False, lang="fr")
    with app.test_request_context():
        link = f"/fr/confirm/{tokens.confirm_token(signature(app, ident))}"
    token = csrf_token_from(client.get(link).get_data(as_text=True))

    def away_once_committed(session):
        # The confirmation is committed; the database goes once its connection is back in the
        # pool, before the page reads the signature again.
        event.listen(outage.engine, "checkin", lambda *_: outage.begin(), once=True)

    event.listen(Session, "after_commit", away_once_committed)
    try:
        response = client.post(link, data={"csrf_token": token})
    finally:
        event.remove(Session, "after_commit", away_once_committed)
        outage.end()

    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert translated(app, "fr", "What you sent was not recorded. Please try again in a few seconds.") not in page
    assert (
        translated(
            app,
            "fr",
            "Part of what you sent may have been recorded. Please wait a few seconds, then check "
            "before sending it again.",
        )
        in page
    )
    assert signature(app, ident).status == SignatureStatus.CONFIRMED


def test_other_database_errors_are_still_a_500(migrated_database, caplog):
    """A statement the database refuses is a bug, not an outage: the 500 page, and its traceback logged."""
    app = make_app(migrated_database, PROPAGATE_EXCEPTIONS=False)

    @app.get("/<lang:lang>/duplicate-shard")
    def duplicate_shard(lang):
        db.session.execute(text("INSERT INTO signature_count_shard (shard, count) VALUES (0, 0)"))

    try:
        response = app.test_client().get("/en/duplicate-shard")
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
    assert any(isinstance(record.exc_info[1], IntegrityError) for record in caplog.records if record.exc_info)
