"""What the property tests share: Hypothesis settings, encodings, and what a check of an answer looks at."""

import os
import random

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from petition.extensions import db

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
