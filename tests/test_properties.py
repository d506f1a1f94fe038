"""Property-based tests: whatever arrives at the sign form or at a link's route, the site answers a
4xx or a success, never a 500, and a refused form stores nothing.

Examples accumulate in one database per test (signatures made by a successful example stay), so
the "stores nothing" property compares the number of rows before and after each refused request.
``PETITION_HYPOTHESIS_PROFILE=thorough`` runs many more examples than ``make test`` does.
"""

import os
import random
import runpy
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from petition.extensions import db
from petition.sharing.stats import STATS_SALT
from petition.signing import service
from petition.signing import tokens as signer_tokens
from petition.signing.forms import CONSENT_WORDING_VERSION
from petition.signing.models import Signature
from tests.conftest import csrf_token_from
from tests.signing_helpers import VALID

COMMON = {
    "deadline": None,
    # The app and its database are made once per test and shared by its examples, on purpose.
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    # No example database written into the project; a failure prints how to reproduce it.
    "database": None,
    "print_blob": True,
}
settings.register_profile("petition", max_examples=60, **COMMON)
settings.register_profile("petition-thorough", max_examples=2000, **COMMON)
PROFILE = settings.get_profile(
    "petition-thorough" if os.environ.get("PETITION_HYPOTHESIS_PROFILE") == "thorough" else "petition"
)

FORM_FIELDS = ("first_name", "last_name", "email", "province", "city", "display", "updates", "website")
LANGS = st.sampled_from(["en", "fr"])
# Mostly with the token, so that the form's own checks are reached.
WITH_CSRF = st.sampled_from([True, True, True, False])

# Any code point, surrogates and control characters included.
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())
ANY_TEXT = st.text(ANY_CHARACTER, max_size=300)
LONG_TEXT = st.builds(
    lambda piece, times: piece * times, st.text(ANY_CHARACTER, min_size=1, max_size=4), st.integers(50, 20_000)
)
AWKWARD_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\r\n",
        "\u202e",
        "\ufeff",
        "=cmd|' /C calc'!A0",
        "a@b",
        "élodie@exemple.ca",
        "x@" + "a" * 250 + ".ca",
        "user@[127.0.0.1]",
        '"quoted local"@example.org',
        "on",
        "XX",
        "none",
        "%00",
        "\ud800",
        "🙂" * 30,
    ]
)
FIELD_VALUE = st.one_of(ANY_TEXT, LONG_TEXT, AWKWARD_TEXT)
# UTF-8 half the time: a form in another encoding is refused whole, whatever it holds.
ENCODINGS = st.one_of(st.just("utf-8"), st.sampled_from(["latin-1", "cp1252", "utf-16", "utf-32"]))
FORM_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=latin-1",
        "application/x-www-form-urlencoded; charset=utf-16",
    ]
)
OTHER_TYPES = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "text/plain",
            "application/json",
            "multipart/form-data",
            "multipart/form-data; boundary=",
            "multipart/form-data; boundary=----x",
            "application/x-www-form-urlencoded",
            "application/octet-stream",
        ]
    ),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60),
)


def encode(text, encoding):
    """``text`` as bytes: surrogates pass through UTF-8 (making it invalid), other codecs replace."""
    if encoding == "utf-8":
        return text.encode("utf-8", "surrogatepass")
    return text.encode(encoding, "replace")


def rows_stored(app):
    """The number of rows in every table: what a refused form must not change."""
    with app.app_context():
        counts = tuple(
            db.session.execute(db.select(db.func.count()).select_from(table)).scalar_one()
            for table in db.metadata.sorted_tables
        )
        db.session.remove()
    return counts


@pytest.fixture
def csrf(client):
    """A CSRF token for ``client``'s session, as the letter page hands it out."""
    return csrf_token_from(client.get("/en/").get_data(as_text=True))


def post_and_check(app, client, path, **kwargs):
    """POST, then check the answer is a success or a 4xx, and that a refusal stored nothing."""
    # Hypothesis seeds the random module alike for every example, and the standard library's
    # Message-IDs draw on it: two examples in the same hundredth of a second would make the same
    # one. Sites never see that; reseeding keeps the examples apart as real requests are.
    random.seed()
    before = rows_stored(app)
    response = client.post(path, **kwargs)
    status = response.status_code
    if currently_in_test_context():
        event(f"answered {status}")
    assert status == 303 or 400 <= status < 500, f"{status} for {path}"
    if status == 303:
        assert response.headers["Location"].endswith("/sign/check-your-inbox")
    else:
        assert rows_stored(app) == before, f"a {status} stored something"
    return status


# --- the sign form ------------------------------------------------------------------------------

# A form that starts from a valid one, with any field replaced by anything, and arbitrary extras.
FORMS = st.builds(
    lambda replaced, extra: {**VALID, **replaced, **extra},
    st.dictionaries(st.sampled_from(FORM_FIELDS), FIELD_VALUE, max_size=3),
    st.dictionaries(st.text(ANY_CHARACTER, max_size=20), FIELD_VALUE, max_size=6),
)


@PROFILE
@given(lang=LANGS, form=FORMS, encoding=ENCODINGS, content_type=FORM_TYPES, with_csrf=WITH_CSRF)
@example(lang="en", form=VALID, encoding="utf-8", content_type="application/x-www-form-urlencoded", with_csrf=True)
def test_any_form_is_accepted_or_refused_never_a_500(app, client, csrf, lang, form, encoding, content_type, with_csrf):
    fields = [(encode(name, encoding), encode(value, encoding)) for name, value in form.items()]
    if with_csrf:
        fields.append((b"csrf_token", csrf.encode()))
    body = urlencode(fields).encode("ascii")
    status = post_and_check(app, client, f"/{lang}/sign", data=body, content_type=content_type)
    if not with_csrf:
        assert status != 303, "a form without its CSRF token is never accepted"


BOUNDARY = b"----petition-properties"
MULTIPART = "multipart/form-data; boundary=" + BOUNDARY.decode()


def multipart(fields, files=()):
    """A multipart body written by hand, so that any bytes fit (the test client writes UTF-8 only).

    ``fields`` are (name, value) pairs of bytes, a name of None making a part without one;
    ``files`` are (name, filename, content).
    """
    parts = []
    for name, value in fields:
        disposition = b"form-data" if name is None else b'form-data; name="' + name + b'"'
        parts.append(b"--" + BOUNDARY + b"\r\nContent-Disposition: " + disposition + b"\r\n\r\n" + value + b"\r\n")
    for name, filename, content in files:
        parts.append(
            b"--"
            + BOUNDARY
            + b'\r\nContent-Disposition: form-data; name="'
            + name
            + b'"; filename="'
            + filename
            + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
            + content
            + b"\r\n"
        )
    return b"".join(parts) + b"--" + BOUNDARY + b"--\r\n"


@PROFILE
@given(lang=LANGS, form=FORMS, encoding=ENCODINGS, with_csrf=WITH_CSRF, nameless=st.booleans())
def test_any_multipart_form_is_accepted_or_refused_never_a_500(
    app, client, csrf, lang, form, encoding, with_csrf, nameless
):
    fields = [(encode(name, encoding), encode(value, encoding)) for name, value in form.items()]
    if nameless:
        fields.append((None, b"a part without a name"))
    if with_csrf:
        fields.append((b"csrf_token", csrf.encode()))
    body = multipart(fields, [(b"attachment", b"letter.bin", b"\x00\xff" * 100)])
    status = post_and_check(app, client, f"/{lang}/sign", data=body, content_type=MULTIPART)
    if nameless:
        assert status == 400


@pytest.mark.parametrize(
    "path", ["/en/sign", "/fr/confirm/x", "/en/withdraw/x", "/mail/unsubscribe/x", "/admin/sign-in"]
)
def test_a_part_without_a_name_is_a_400_on_every_form(app, client, csrf, path):
    """Such a part once reached the CSRF check as a None key and made it fail: a 500."""
    for body in (multipart([(None, b"x")]), multipart([(b"csrf_token", csrf.encode()), (None, b"x")])):
        assert client.post(path, data=body, content_type=MULTIPART).status_code == 400


@PROFILE
@given(lang=LANGS, body=st.binary(max_size=4000), content_type=OTHER_TYPES, csrf_first=st.booleans())
def test_raw_bodies_of_any_type_never_a_500(app, client, csrf, lang, body, content_type, csrf_first):
    if csrf_first:
        body = b"csrf_token=" + csrf.encode() + b"&" + body
    headers = {} if content_type is None else {"Content-Type": content_type}
    post_and_check(app, client, f"/{lang}/sign", data=body, headers=headers)


@PROFILE
@given(
    fields=st.integers(1_000, 40_000),
    name=st.sampled_from(["first_name", "x", "csrf_token", ""]),
    value=st.sampled_from([b"", b"a", b"%FF", b"\xff", b"=+@"]),
)
def test_huge_numbers_of_fields_never_a_500(app, client, csrf, fields, name, value):
    body = b"&".join([b"csrf_token=" + csrf.encode(), *[name.encode() + b"=" + value] * fields])
    post_and_check(app, client, "/en/sign", data=body, content_type="application/x-www-form-urlencoded")


def test_a_body_over_the_size_limit_is_a_413_and_stores_nothing(app, client, csrf):
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = urlencode({**VALID, "csrf_token": csrf, "city": "x" * limit}).encode()
    assert post_and_check(app, client, "/en/sign", data=body, content_type="application/x-www-form-urlencoded") == 413
    fields = [(name.encode(), value.encode()) for name, value in {**VALID, "csrf_token": csrf}.items()]
    upload = multipart(fields, [(b"attachment", b"big.bin", b"\0" * (limit + 1))])
    assert post_and_check(app, client, "/en/sign", data=upload, content_type=MULTIPART) == 413


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
