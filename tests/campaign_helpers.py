"""Steps the campaign's tests share: a clock they can set, closing, links to confirm."""

from datetime import UTC, datetime

from sqlalchemy import update

from petition.campaign import service, state
from petition.extensions import db
from petition.signing import tokens as signer_tokens
from petition.signing.models import Signature, SignatureCountShard

# A fixed moment, far from any change of hour, from which the tests move the clock.
T0 = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


class Clock:
    """The campaign's clock (``state.now``), set by the test; ``None`` is the real time."""

    def __init__(self, monkeypatch):
        self.moment = None
        real = state.utcnow
        monkeypatch.setattr(state, "utcnow", lambda: self.moment or real())

    def set(self, moment):
        self.moment = moment
        return moment


def close(app, at=None):
    with app.app_context():
        closes_at = service.close(at)
        db.session.remove()
    return closes_at


def reopen(app):
    with app.app_context():
        reopened = service.reopen()
        db.session.remove()
    return reopened


def set_count(app, total):
    """The public count as if ``total`` signatures were confirmed (one shard holds them)."""
    with app.app_context():
        db.session.execute(update(SignatureCountShard).values(count=0))
        db.session.execute(update(SignatureCountShard).where(SignatureCountShard.shard == 0).values(count=total))
        db.session.commit()


def confirm_path(app, ident, lang="en"):
    with app.test_request_context():
        return f"/{lang}/confirm/{signer_tokens.confirm_token(db.session.get(Signature, ident))}"


def status_of(app, ident):
    with app.app_context():
        status = db.session.get(Signature, ident).status
        db.session.remove()
    return status
