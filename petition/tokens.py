"""Signed tokens for links in emails, built on itsdangerous.

Every kind of link has its own salt, so a token made for one purpose is worthless for another.
"""

from functools import lru_cache

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class InvalidToken(Exception):
    """Forged, malformed, or made for another purpose."""


class ExpiredToken(Exception):
    """Genuine but too old; ``payload`` is trustworthy and can be used to send a fresh link."""

    def __init__(self, payload):
        super().__init__("token expired")
        self.payload = payload


def serializer(salt):
    return serializer_for(current_app.config["SECRET_KEY"], salt)


@lru_cache(maxsize=32)
def serializer_for(secret_key, salt):
    # Made once per key and purpose: a sender makes a token for every message it sends, and a new
    # serializer derives its signing key again each time. It keeps no state between calls.
    return URLSafeTimedSerializer(secret_key, salt=salt)


def make_token(salt, payload):
    return serializer(salt).dumps(payload)


def read_token(salt, token, max_age=None):
    """The payload of ``token``; raises InvalidToken or ExpiredToken."""
    if not token or len(token) > 500:
        raise InvalidToken()
    signer = serializer(salt)
    try:
        return signer.loads(token, max_age=max_age)
    except SignatureExpired as error:
        # The signature was checked before its age, so the payload is genuine.
        if error.payload is None:
            raise InvalidToken() from error
        try:
            payload = signer.load_payload(error.payload)
        except BadSignature as bad:
            raise InvalidToken() from bad
        raise ExpiredToken(payload) from error
    except (BadSignature, UnicodeError, ValueError) as error:
        raise InvalidToken() from error
