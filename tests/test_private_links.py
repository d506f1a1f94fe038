"""The pages that a link from an email opens keep its token to themselves: no cache keeps them, no
``Referer`` carries the token on to the next page, and no log line writes it down."""

import pytest

from petition.extensions import db
from petition.signing import tokens
from petition.signing.models import Signature
from tests.support import csrf_token_from

PRIVATE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}


def private_headers(response):
    return {name: response.headers.get(name) for name in PRIVATE}


def links_of(app, ident):
    """The paths of a signature's confirmation, withdrawal and unsubscribe links, in English."""
    with app.app_context():
        signature = db.session.get(Signature, ident)
        paths = (
            f"/en/confirm/{tokens.confirm_token(signature)}",
            f"/en/withdraw/{tokens.withdraw_token(signature)}",
            f"/en/unsubscribe/{tokens.unsubscribe_token(signature)}",
        )
        db.session.remove()
    return paths


def csrf(client):
    return {"csrf_token": csrf_token_from(client.get("/en/").get_data(as_text=True))}


def test_every_page_of_a_signers_links_is_private(app, client, signature_factory):
    confirm, withdraw, unsubscribe = links_of(app, signature_factory("sam@example.org", confirm=False, lang="en"))
    form = csrf(client)
    pages = {
        "check your inbox": client.get("/en/sign/check-your-inbox"),
        "confirm": client.get(confirm),
        "not a valid link": client.get("/en/confirm/not-a-token"),
        "unsubscribe": client.get(unsubscribe),
        "unsubscribed": client.post(unsubscribe, data=form),
        "confirmed": client.post(confirm, data=form),
        "thanks": client.get("/en/thanks"),
        "withdraw": client.get(withdraw),
        "withdrawn": client.post(withdraw, data=form),
    }
    assert pages["confirmed"].status_code == 303 and pages["withdrawn"].status_code == 200
    for name, response in pages.items():
        assert private_headers(response) == PRIVATE, name


def test_an_expired_link_and_its_resend_are_private(app, client, signature_factory):
    confirm, _, _ = links_of(app, signature_factory("sam@example.org", confirm=False, lang="en"))
    app.config["SIGNATURE_CONFIRM_MAX_AGE"] = -1
    expired = client.get(confirm)
    resend = client.post(confirm + "/resend", data=csrf(client))
    assert (expired.status_code, resend.status_code) == (410, 303)
    assert private_headers(expired) == private_headers(resend) == PRIVATE


def test_the_other_pages_keep_the_sites_usual_headers(client):
    letter = client.get("/en/")
    assert "no-store" not in letter.headers.get("Cache-Control", "")
    assert letter.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


class TestErrorPages:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "CONFIRM_RATE_LIMIT": "1 per hour", "PROPAGATE_EXCEPTIONS": False}

    def test_a_limit_on_a_link_is_private_too(self, client):
        form = csrf(client)
        client.post("/en/confirm/SECRETtoken1.abc", data=form)
        limited = client.post("/en/confirm/SECRETtoken1.abc", data=form)
        assert limited.status_code == 429
        assert private_headers(limited) == PRIVATE

    def test_an_error_in_a_link_logs_its_route_not_its_token(self, app, client, monkeypatch, caplog):
        def broken(token):
            raise RuntimeError("a bug")

        monkeypatch.setattr(tokens, "signature_for_confirm", broken)
        response = client.get("/en/confirm/SECRETtoken2.abc")
        assert response.status_code == 500
        assert private_headers(response) == PRIVATE
        [record] = [record for record in caplog.records if record.exc_info]
        assert "SECRETtoken2" not in record.getMessage()
        assert "/<lang:lang>/confirm/<token>" in record.getMessage()


def test_an_outage_on_a_link_logs_its_route_not_its_token(app, client, outage, caplog, signature_factory):
    confirm, _, _ = links_of(app, signature_factory("sam@example.org", confirm=False, lang="en"))
    token = confirm.rsplit("/", 1)[1]
    form = csrf(client)
    with outage.down():
        response = client.post(confirm, data=form)
    assert response.status_code == 503
    assert private_headers(response) == PRIVATE
    messages = [record.getMessage() for record in caplog.records]
    assert not [message for message in messages if token in message], messages
    assert any("POST /<lang:lang>/confirm/<token>" in message for message in messages), messages
