"""The links in a signer's emails. Each is bound to the signature's current nonce, so a link
stops working once the signature is withdrawn or signed afresh."""

from flask import current_app

from petition.database import MAX_ID
from petition.extensions import db
from petition.signing.models import Signature
from petition.tokens import ExpiredToken, InvalidToken, make_token, read_token

CONFIRM = "signature-confirm"
WITHDRAW = "signature-withdraw"
UNSUBSCRIBE = "signature-unsubscribe"


def payload(signature):
    return {"s": signature.id, "n": signature.token_nonce}


def confirm_token(signature):
    return make_token(CONFIRM, payload(signature))


def withdraw_token(signature):
    return make_token(WITHDRAW, payload(signature))


def unsubscribe_token(signature):
    return make_token(UNSUBSCRIBE, {"s": signature.id})


def signature_from(data, check_nonce=True):
    """The signature a genuine payload names, or InvalidToken if it is gone or was reset (or is
    past the id column's range, which would fail in the database instead of here)."""
    ident = data.get("s") if isinstance(data, dict) else None
    if type(ident) is not int or not 0 < ident <= MAX_ID:
        raise InvalidToken()
    signature = db.session.get(Signature, data["s"])
    if signature is None or (check_nonce and signature.token_nonce != data.get("n")):
        raise InvalidToken()
    return signature


def signature_for_confirm(token):
    """Raises InvalidToken, or ExpiredToken carrying the signature, for an old link."""
    max_age = current_app.config["SIGNATURE_CONFIRM_MAX_AGE"]
    try:
        return signature_from(read_token(CONFIRM, token, max_age=max_age))
    except ExpiredToken as error:
        raise ExpiredToken(signature_from(error.payload)) from error


def signature_for_withdraw(token):
    return signature_from(read_token(WITHDRAW, token))


def signature_for_unsubscribe(token):
    return signature_from(read_token(UNSUBSCRIBE, token), check_nonce=False)
