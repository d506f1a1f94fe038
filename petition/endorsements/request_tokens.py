"""The link in a contact's confirmation email, bound to the request's nonce."""

from flask import current_app

from petition.database import MAX_ID
from petition.endorsements.request_models import EndorsementRequest
from petition.extensions import db
from petition.tokens import ExpiredToken, InvalidToken, make_token, read_token

CONFIRM_SALT = "endorsement-request-confirm"


def confirm_token(request):
    return make_token(CONFIRM_SALT, {"r": request.id, "n": request.token_nonce})


def request_from(data):
    """The request a genuine payload names, or InvalidToken if it is gone (or its id now belongs
    to another request, which has another nonce)."""
    ident = data.get("r") if isinstance(data, dict) else None
    if type(ident) is not int or not 0 < ident <= MAX_ID:
        raise InvalidToken()
    request = db.session.get(EndorsementRequest, ident)
    if request is None or request.token_nonce != data.get("n"):
        raise InvalidToken()
    return request


def request_for_confirm(token):
    """The request a confirmation link is for; raises InvalidToken, or ExpiredToken carrying the
    request. Links last as long as the signers' (``SIGNATURE_CONFIRM_MAX_AGE``)."""
    max_age = current_app.config["SIGNATURE_CONFIRM_MAX_AGE"]
    try:
        return request_from(read_token(CONFIRM_SALT, token, max_age=max_age))
    except ExpiredToken as error:
        raise ExpiredToken(request_from(error.payload)) from error
