"""Every route of the URL map, with anything in its path, its query string, its body and its Host,
public and as a signed-in administrator: never a 5xx, and an HTML error page under ``/en/`` or
``/fr/`` is in that language.

The routes are read from ``app.url_map``, so a new route is walked without being named here. Path
variables mostly get values that fit their converter (``en``/``fr``, ids that exist, genuine
tokens), else values that do not (huge numbers, NUL, odd text); the Host is now and then
malformed. Bodies are forms with the site's own field names, some sent as file parts, JSON of
every type, raw bytes; a few values are a megabyte.
A 503 would be the database-unavailable page (petition/errors.py), which nothing here provokes:
it fails the test like any other 5xx.

``PETITION_HYPOTHESIS_PROFILE=thorough`` runs many more examples than ``make test`` does.
"""

import inspect
import io
import os
import random
import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote_to_bytes

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.test import encode_multipart
from wtforms.fields.core import UnboundField

from petition.admin.accounts import create_administrator
from petition.extensions import db
from petition.forms import Form
from petition.sharing.stats import stats_token
from petition.signing import tokens as signer_tokens
from petition.signing.models import Signature
from tests.admin.admin_helpers import ADMIN_EMAIL, ADMIN_PASSWORD, sign_in
from tests.signing_helpers import make_signature
from tests.support import csrf_token_from

THOROUGH = os.environ.get("PETITION_HYPOTHESIS_PROFILE") == "thorough"
FUZZ = settings(
    max_examples=2000 if THOROUGH else 250,
    deadline=None,
    # Explaining a failure would replay it hundreds of times; the shrunk example says enough.
    phases=[phase for phase in Phase if phase != Phase.explain],
    # One app, database and client per test, shared by its examples, on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
    print_blob=True,
)

ORGANISATION = "national-council-of-canadian-muslims"
PLACEHOLDER = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")

# Text as a test client can send it (UTF-8, so no lone surrogates), control characters included.
CHARACTER = st.characters(codec="utf-8", exclude_categories=("Cs",))
TEXT = st.text(CHARACTER, max_size=40)
AWKWARD = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\t",
        "\r\n",
        "\x1b[0m",
        "\x85",
        "\u202e",
        "\u200b",
        "é",
        "Île-d'Orléans",
        "winner.ca",
        "WWW。evil。com",
        "=cmd|' /C calc'!A0",
        "0",
        "-1",
        "1",
        "2147483647",
        "2147483648",
        "9" * 40,
        "1e308",
        "NaN",
        "9999-12-31",
        "0001-01-01",
        "2026-02-30",
        "y",
        "on",
        "up",
        "down",
        "QC",
        "XX",
        "full",
        "none",
        "confirmed",
        "admin@example.org",
        "a@b.c",
        "203.0.113.7",
        "2026-11-05T12:00:00+00:00_1",
        "2026-11-05T12:00:00+00:00_2147483648",
        "9999-12-31T23:59:59_1",
        "/admin/",
        "//evil.example/",
        "%00",
        "..",
    ]
)
VALUE = st.one_of(TEXT, AWKWARD, st.integers(-(2**70), 2**70).map(str))
# About a megabyte, in a few bodies: it must be refused or cut, never written back whole.
HUGE = st.sampled_from(["x", "é", "\x00", "ab"]).map(lambda piece: piece * (2**20 // len(piece)))


def form_field_names():
    """Every field name of the site's forms, so that generated bodies reach the forms' own checks."""
    import petition.admin.forms
    import petition.signing.forms  # noqa: F401 - the forms register as subclasses

    names, forms = set(), [Form]
    while forms:
        form = forms.pop()
        forms.extend(form.__subclasses__())
        names.update(name for name, _ in inspect.getmembers(form, lambda member: isinstance(member, UnboundField)))
    return sorted(names)


SITE_FIELDS = [*form_field_names(), "direction"]
FIELD_NAMES = st.sampled_from(SITE_FIELDS) | TEXT
QUERY_NAMES = st.sampled_from(["q", "order", "ref", "next", "before", "page", "action", "download", "status"])
QUERY = st.lists(st.tuples(QUERY_NAMES | FIELD_NAMES, VALUE), max_size=4)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | TEXT | AWKWARD,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(FIELD_NAMES, children, max_size=5),
    max_leaves=10,
)
# Most bodies name many of the site's fields at once, so that whichever form the route reads finds
# some of its own fields in them.
JSON_OBJECT = st.fixed_dictionaries({}, optional=dict.fromkeys(SITE_FIELDS, JSON))

ODD_HOSTS = st.sampled_from(
    [
        "a" * 70 + ".example.org",
        "a..b",
        ".",
        "",
        "a b",
        "exa<mple>.org",
        "localhost:5000",
        "localhost:notaport",
        "[::1]:5000",
        "xn--e1afmkfd.xn--p1ai",
        "élodie.ca",
        "letter.example.ca.",
    ]
)


@dataclass
class Body:
    """What a generated request carries; ``fields`` are (name, value, sent as a file part)."""

    kind: str
    with_csrf: bool
    fields: list = field(default_factory=list)
    json: object = None
    raw: bytes = b""
    content_type: str | None = None

    def sent(self):
        return [value for _, value, _ in self.fields]

    def client_arguments(self, csrf):
        """Keyword arguments for the test client, the CSRF token put where a browser or a script would."""
        headers = {"X-CSRFToken": csrf} if self.with_csrf and self.kind in ("json", "raw") else {}
        fields = self.fields + ([("csrf_token", csrf, False)] if self.with_csrf else [])
        if self.kind == "json":
            return {"json": self.json, "headers": headers}
        if self.kind == "raw":
            return {"data": self.raw, "content_type": self.content_type, "headers": headers}
        if self.kind == "multipart":
            # Encoded here: the test client would spool a large body to a file it never closes.
            parts = MultiDict(
                (name, (io.BytesIO(value.encode()), "part.txt") if as_file else value)
                for name, value, as_file in fields
            )
            boundary, data = encode_multipart(parts)
            return {"data": data, "content_type": f"multipart/form-data; boundary={boundary}"}
        return {"data": MultiDict((name, value) for name, value, _ in fields)}


@st.composite
def bodies(draw):
    kind = draw(st.sampled_from(["form", "multipart", "json", "raw"]))
    body = Body(kind, with_csrf=draw(st.booleans()) or draw(st.booleans()))
    if kind == "json":
        body.json = draw(JSON_OBJECT | JSON)
    elif kind == "raw":
        body.raw = draw(st.binary(max_size=200))
        body.content_type = draw(st.sampled_from(["text/plain", "application/json", "application/octet-stream", "x/y"]))
    else:
        as_file = st.booleans() if kind == "multipart" else st.just(False)
        named = [name for name in SITE_FIELDS if draw(st.booleans())]
        body.fields = [(name, draw(VALUE), draw(as_file)) for name in named]
        body.fields += draw(st.lists(st.tuples(FIELD_NAMES, VALUE, as_file), max_size=3))
        if body.fields and draw(st.integers(0, 30)) == 0:
            name, _, as_file = body.fields[-1]
            body.fields[-1] = (name, draw(HUGE), as_file)
    return body


def segment(text):
    return quote(text.encode("utf-8"), safe="")


@st.composite
def paths(draw, rule, known):
    """The rule's path with each variable filled in: mostly a value that fits, else one that does not."""

    def fill(match):
        converter, args = match.group("converter"), match.group("args")
        fitting = known.get(converter or "default", [])
        if converter == "any":
            fitting = [option.strip().strip("'\"") for option in args.split(",")]
        odd = st.one_of(TEXT, AWKWARD, st.integers(-(2**70), 2**70).map(str), st.sampled_from(["9" * 5000, "x" * 2000]))
        fits = fitting and (draw(st.booleans()) or draw(st.booleans()))
        value = draw(st.sampled_from(fitting) if fits else odd)
        return value if converter == "path" and draw(st.booleans()) else segment(value)

    return PLACEHOLDER.sub(fill, rule.rule)


def routes(app):
    """(rule, method) of every rule in the URL map, every method but HEAD and OPTIONS."""
    return [
        (rule, method)
        for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]


@pytest.fixture
def known(app, endorsements):
    """Path values that fit: the languages, ids and tokens that exist, an organisation's slug."""
    ident = make_signature(app, "known@example.org", confirm=False)
    make_signature(app, "other@example.org")
    with app.test_request_context():
        signature = db.session.get(Signature, ident)
        tokens = [
            signer_tokens.confirm_token(signature),
            signer_tokens.withdraw_token(signature),
            signer_tokens.unsubscribe_token(signature),
            stats_token(ORGANISATION),
        ]
        db.session.remove()
    return {
        "lang": ["en", "fr"],
        "id": [str(ident), str(ident + 1), "1", "2", "3", "2147483647"],
        "default": [*tokens, ORGANISATION, "x"],
        "path": ["css/site.css", "favicon.svg", "../petition/__init__.py", "cards/card-en.png"],
    }


def check(response, path, sent):
    """No 5xx; an HTML error page under a language's prefix in that language; no megabyte back."""
    body = response.get_data().decode("utf-8", "replace")  # read whole (a streamed export too), then closed
    response.close()
    status = response.status_code
    event(f"answered {status // 100}xx")
    assert status < 500, f"{status} for {path}"
    if status >= 400 and response.mimetype == "text/html" and path.startswith(("/en/", "/fr/")):
        assert f'<html lang="{path[1:3]}-CA">' in body, f"{status} for {path}"
    huge = [value for value in sent if len(value) >= 2**19]
    if huge:
        event("a megabyte sent")
        assert not any(value in body for value in huge), f"a megabyte written back by {path}"


def open_path(client, path, **arguments):
    """The test client reads a path that starts with // as a host name: such a path (an empty
    first segment) goes into the environ as it is, as a server would pass it."""
    if path.startswith("//"):
        arguments["environ_overrides"] = {"PATH_INFO": unquote_to_bytes(path).decode("latin-1")}
        path = "/"
    return client.open(path, **arguments)


def walk(app, client, csrf, known, data):
    """One generated query string, body and Host, sent to a few routes of the URL map."""
    query = data.draw(QUERY, label="query")
    body = data.draw(bodies(), label="body")
    host = data.draw(ODD_HOSTS, label="host") if data.draw(st.booleans()) and data.draw(st.booleans()) else None
    for rule, method in data.draw(st.lists(st.sampled_from(routes(app)), min_size=1, max_size=3), label="routes"):
        path = data.draw(paths(rule, known), label="path")
        # The standard library's Message-IDs draw on the random module, which Hypothesis seeds
        # alike for every example (see tests/test_properties.py).
        random.seed()
        arguments = body.client_arguments(csrf) if method != "GET" else {}
        headers = arguments.pop("headers", {}) | ({} if host is None else {"Host": host})
        response = open_path(client, path, method=method, query_string=MultiDict(query), headers=headers, **arguments)
        check(response, path, body.sent() if method != "GET" else [])


@FUZZ
@given(data=st.data())
def test_every_route_for_anyone_never_a_5xx(app, client, known, data):
    csrf = csrf_token_from(client.get("/en/").get_data(as_text=True))
    walk(app, client, csrf, known, data)


@pytest.fixture
def signed_in(app, client):
    """The session cookie of a signed-in administrator, put back before each example (an example
    may sign out, or sign in as someone else)."""
    with app.app_context():
        create_administrator(ADMIN_EMAIL, ADMIN_PASSWORD)
        db.session.remove()
    assert sign_in(client).status_code == 303
    cookie = client.get_cookie("session")
    csrf = csrf_token_from(client.get("/admin/export/").get_data(as_text=True))
    return cookie.value, csrf


@FUZZ
@given(data=st.data())
def test_every_route_for_an_administrator_never_a_5xx(app, client, known, signed_in, data):
    session, csrf = signed_in
    client.set_cookie("session", session)
    walk(app, client, csrf, known, data)
