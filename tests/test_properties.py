"""Property-based tests: whatever arrives at the sign form or at a link's route, the site answers a
4xx or a success, never a 500, and a refused form stores nothing.

Examples accumulate in one database per test (signatures made by a successful example stay), so
the "stores nothing" property compares the number of rows before and after each refused request.
``PETITION_HYPOTHESIS_PROFILE=thorough`` runs many more examples than ``make test`` does.
"""

from urllib.parse import urlencode

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.property_helpers import (
    ANY_CHARACTER,
    ENCODINGS,
    FIELD_VALUE,
    FORM_FIELDS,
    FORM_TYPES,
    LANGS,
    OTHER_TYPES,
    PROFILE,
    WITH_CSRF,
    encode,
    post_and_check,
)
from tests.signing_helpers import VALID

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
