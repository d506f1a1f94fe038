"""Limits a real campaign can live with, counted per real client, and what happens when Redis,
where they are counted, goes away."""

import pytest

from petition.extensions import db
from petition.signing import service
from petition.signing import tokens as signer_tokens
from petition.signing.forms import CONSENT_WORDING_VERSION
from petition.signing.models import Signature
from tests.mailserver import free_port
from tests.signing_helpers import hashed, sign, signatures
from tests.support import csrf_token_from

# --- limits that a real campaign can live with --------------------------------------------------


def queue_signature(app, email, lang="en"):
    """A pending signature made the way the form makes one; returns its id."""
    with app.test_request_context(f"/{lang}/sign", method="POST"):
        ident = service.submit(
            service.Submission(
                first_name="Sam",
                last_name="Lee",
                email=email,
                province="ON",
                city=None,
                display="full",
                wants_updates=False,
                consent_wording=CONSENT_WORDING_VERSION,
                lang=lang,
                ip_hash=hashed("127.0.0.1"),
            )
        )
        db.session.remove()
    return ident


def confirm_token_for(app, ident):
    with app.app_context():
        token = signer_tokens.confirm_token(db.session.get(Signature, ident))
        db.session.remove()
    return token


class TestDefaultLimits:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True}

    def test_a_cafe_behind_one_address_can_all_sign_and_confirm(self, app, client):
        people = 30
        for n in range(people):
            assert sign(client, email=f"cafe{n}@example.org").status_code == 303, n
        page = client.get("/en/").get_data(as_text=True)
        csrf = csrf_token_from(page)
        for signature in signatures(app):
            token = confirm_token_for(app, signature.id)
            response = client.post(f"/en/confirm/{token}", data={"csrf_token": csrf})
            assert response.status_code == 303, signature.email
        assert all(s.status == "confirmed" for s in signatures(app))
        assert len(signatures(app)) == people


class TestConfirmAndResendLimits:
    @pytest.fixture
    def app_config(self):
        return {
            "RATELIMIT_ENABLED": True,
            "CONFIRM_RATE_LIMIT": "2 per hour",
            "RESEND_RATE_LIMIT": "1 per hour",
            "SIGNING_RATE_LIMIT": "5 per hour",
        }

    def test_confirming_has_a_limit_of_its_own_on_post_only(self, app, client):
        csrf = csrf_token_from(client.get("/en/").get_data(as_text=True))
        assert client.post("/en/confirm/not-a-token", data={"csrf_token": csrf}).status_code == 400
        assert client.post("/en/confirm/not-a-token", data={"csrf_token": csrf}).status_code == 400
        limited = client.post("/en/confirm/not-a-token", data={"csrf_token": csrf})
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) > 0
        # Opening a link is not limited (mail scanners open them), and signing counts apart.
        assert client.get("/en/confirm/not-a-token").status_code == 400
        assert sign(client).status_code == 303

    def test_resending_has_a_limit_of_its_own(self, app, client):
        csrf = csrf_token_from(client.get("/en/").get_data(as_text=True))
        assert client.post("/en/confirm/not-a-token/resend", data={"csrf_token": csrf}).status_code == 400
        assert client.post("/en/confirm/not-a-token/resend", data={"csrf_token": csrf}).status_code == 429
        assert client.post("/en/confirm/not-a-token", data={"csrf_token": csrf}).status_code == 400


# --- Redis down ---------------------------------------------------------------------------------


class TestRedisDown:
    @pytest.fixture
    def app_config(self):
        # Nothing listens on this port: every call to the storage fails at once.
        return {
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{free_port()}/0",
            "SIGNING_RATE_LIMIT": "3 per hour",
        }

    def test_signing_goes_on_and_is_still_limited_in_memory(self, app, client):
        statuses = [sign(client, email=f"r{n}@example.org").status_code for n in range(4)]
        assert statuses == [303, 303, 303, 429]
        assert len(signatures(app)) == 3
        assert client.get("/healthz").status_code == 200
