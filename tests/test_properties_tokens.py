"""Property-based tests of the routes that carry a token, the cursors and refs, and the access log:
never a 500, and no token in a log line."""

import runpy
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from hypothesis import assume, event, example, given
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from petition.extensions import db
from petition.sharing.stats import STATS_SALT
from petition.signing import service
from petition.signing import tokens as signer_tokens
from petition.signing.forms import CONSENT_WORDING_VERSION
from petition.signing.models import Signature
from tests.property_helpers import (
    ANY_CHARACTER,
    ANY_TEXT,
    AWKWARD_TEXT,
    LANGS,
    LONG_TEXT,
    PROFILE,
    encode,
)

# --- the routes that carry a token --------------------------------------------------------------


def segment(text):
    """``text`` as one path segment, whatever it holds."""
    return quote(encode(text, "utf-8"), safe="")


class FixedTimeSigner(TimestampSigner):
    """Signs as if at ``moment``, to make tokens from the past and from the future."""

    moment = 0

    def get_timestamp(self):
        return self.moment


@dataclass(frozen=True)
class Signed:
    """A token that the site itself could have made with its own key: any payload, at any time."""

    salt: str
    payload: object
    moment: int | None = None

    def text(self, key):
        if self.moment is None:
            return URLSafeTimedSerializer(key, salt=self.salt).dumps(self.payload)
        signer = type("Signer", (FixedTimeSigner,), {"moment": self.moment})
        return URLSafeTimedSerializer(key, salt=self.salt, signer=signer).dumps(self.payload)


def token_text(app, token):
    return token.text(app.config["SECRET_KEY"]) if isinstance(token, Signed) else token


# An endorsing organisation of the bundled list, whose figures a genuine stats token opens.
ORGANISATION = "national-council-of-canadian-muslims"
TEXT_IN_JSON = ANY_TEXT.map(lambda t: t.encode("utf-8", "replace").decode())
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT_IN_JSON,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(["s", "n", "o", "x"]), children, max_size=4)
    ),
    max_leaves=8,
)
SALTS = st.sampled_from([signer_tokens.CONFIRM, signer_tokens.WITHDRAW, signer_tokens.UNSUBSCRIBE, STATS_SALT])
MOMENTS = st.none() | st.integers(0, 2**40)
TOKENS = st.one_of(
    ANY_TEXT.map(segment),
    LONG_TEXT.map(segment),
    st.binary(max_size=300).map(lambda raw: quote(raw, safe="")),
    st.text(st.sampled_from("ABCDEFabcdef0123456789-_."), max_size=200),
    st.builds(Signed, SALTS, JSON, MOMENTS),
    st.builds(
        lambda salt, ident, nonce, moment: Signed(salt, {"s": ident, "n": nonce}, moment),
        SALTS,
        st.integers() | st.booleans() | st.floats(allow_nan=False),
        TEXT_IN_JSON | st.integers(),
        MOMENTS,
    ),
    st.builds(lambda moment: Signed(STATS_SALT, {"o": ORGANISATION}, moment), MOMENTS),
)


def token_routes(lang, token, slug):
    """(method, path) of every route that takes a token from an email or an administrator."""
    return [
        ("GET", f"/{lang}/confirm/{token}"),
        ("POST", f"/{lang}/confirm/{token}"),
        ("POST", f"/{lang}/confirm/{token}/resend"),
        ("GET", f"/{lang}/withdraw/{token}"),
        ("POST", f"/{lang}/withdraw/{token}"),
        ("GET", f"/{lang}/unsubscribe/{token}"),
        ("POST", f"/{lang}/unsubscribe/{token}"),
        ("POST", f"/mail/unsubscribe/{token}"),
        ("GET", f"/{lang}/o/{slug}/stats/{token}"),
    ]


def check_answer(response, where):
    status = response.status_code
    if currently_in_test_context():
        event(f"answered {status}")
    assert 200 <= status < 500, f"{status} for {where}"
    return status


@PROFILE
@given(lang=LANGS, token=TOKENS, slug=st.one_of(st.just(ORGANISATION), ANY_TEXT.map(segment)))
@example(lang="en", token="", slug="x")
# Found by this property: a signed id past the column's 32 bits (PostgreSQL) or SQLite's 64 bits
# reached the database, a 500.
@example(lang="en", token=Signed(signer_tokens.CONFIRM, {"s": 2**31, "n": ""}, 0), slug=ORGANISATION)
@example(lang="fr", token=Signed(signer_tokens.WITHDRAW, {"s": 2**63, "n": ""}), slug=ORGANISATION)
@example(lang="fr", token="x" * 5000, slug="x")
def test_any_token_at_any_route_is_answered_never_a_500(app, client, csrf, endorsements, lang, token, slug):
    for method, path in token_routes(lang, token_text(app, token), slug):
        response = client.open(path, method=method, data={"csrf_token": csrf} if method == "POST" else None)
        check_answer(response, f"{method} {path}")


@pytest.fixture
def real_signature(app):
    """A pending signature, so that payloads can name one that exists; returns (id, nonce)."""
    with app.test_request_context("/en/sign", method="POST"):
        ident = service.submit(
            service.Submission(
                first_name="Sam",
                last_name="Lee",
                email="real@example.org",
                province="ON",
                city=None,
                display="full",
                wants_updates=True,
                consent_wording=CONSENT_WORDING_VERSION,
                lang="en",
            )
        )
        nonce = db.session.get(Signature, ident).token_nonce
        db.session.remove()
    return ident, nonce


@PROFILE
@given(
    lang=LANGS,
    salt=SALTS,
    nonce=st.none() | ANY_TEXT | st.integers(),
    genuine_nonce=st.booleans(),
    moment=st.none() | st.integers(0, 2**40),
)
def test_tokens_naming_a_real_signature_never_a_500(
    app, client, csrf, real_signature, lang, salt, nonce, genuine_nonce, moment
):
    """The same with a signature in the database that payloads can name, in whatever state the
    examples before have left it (pending, confirmed, withdrawn), with links old and new."""
    ident, real_nonce = real_signature
    nonce = real_nonce if genuine_nonce else nonce
    if isinstance(nonce, str):
        nonce = nonce.encode("utf-8", "replace").decode()
    token = Signed(salt, {"s": ident, "n": nonce}, moment).text(app.config["SECRET_KEY"])
    for method, path in token_routes(lang, token, "x")[:-1]:
        response = client.open(path, method=method, data={"csrf_token": csrf} if method == "POST" else None)
        check_answer(response, f"{method} {path}")


QUERY_VALUES = st.one_of(ANY_TEXT, LONG_TEXT, st.binary(max_size=200), AWKWARD_TEXT)


def query(name, value):
    raw = value if isinstance(value, bytes) else encode(value, "utf-8")
    return urlencode({name: raw})


@PROFILE
@given(lang=LANGS, before=QUERY_VALUES, ref=QUERY_VALUES)
@example(lang="en", before="2026-11-01T00:00:00+00:00_1", ref="newsletter")
@example(lang="en", before="0001-01-01T00:00:00+23:59_1", ref="a" * 40)
@example(lang="en", before="9999-12-31T23:59:59-23:59_-5", ref="A")
@example(lang="fr", before="_", ref="-")
def test_any_cursor_or_ref_is_answered_never_a_500(app, client, lang, before, ref):
    for path in (
        f"/{lang}/signatures?{query('before', before)}",
        f"/?{query('ref', ref)}",
        f"/{lang}/?{query('ref', ref)}",
        f"/{lang}/qr.svg?{query('ref', ref)}",
    ):
        check_answer(client.get(path), path)


def test_a_cursor_with_an_id_beyond_64_bits_is_a_400(app, client):
    assert client.get("/en/signatures?before=2026-11-01T00%3A00%3A00_99999999999999999999999").status_code == 400


# --- what the access log shows ------------------------------------------------------------------

GUNICORN_CONF = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
TOKEN_ALPHABET = st.text(
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."), min_size=1, max_size=300
)


@PROFILE
@given(
    token=TOKEN_ALPHABET,
    route=st.sampled_from(
        ["/en/confirm/", "/fr/withdraw/", "/en/unsubscribe/", "/mail/unsubscribe/", "/fr/o/some-org/stats/"]
    ),
    tail=st.sampled_from(["", "/resend", "?a=b", "/resend?x"]),
)
def test_a_token_never_reaches_the_access_log(token, route, tail):
    assume(token not in (".", ".."))
    logged = GUNICORN_CONF["redact_target"](route + token + tail)
    expected_tail = tail.partition("?")[0] + ("?[query]" if "?" in tail else "")
    assert logged == route + "[token]" + expected_tail


@PROFILE
@given(path=st.text(ANY_CHARACTER, max_size=200))
@example(path="\ud800")
def test_a_logged_path_has_no_control_characters_or_quotes(path):
    logged = GUNICORN_CONF["redact_target"]("/" + path)
    assert logged.isascii()
    assert not any(c in logged for c in '"\\ \r\n\t\x00')
