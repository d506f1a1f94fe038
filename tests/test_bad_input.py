"""Bad input that once reached a 500: the answer is the site's own 4xx page in the visitor's
language, and nothing is stored. File parts and JSON where a form expects text, a malformed Host,
control characters in any text input, a value far over its field's maximum."""

import io
import re
from urllib.parse import quote

import pytest
from flask_babel import force_locale, gettext
from flask_wtf import FlaskForm

from petition.forms import Form
from tests.signing_helpers import VALID, sign, signatures
from tests.support import make_app

LOCALES = {"en": "en_CA", "fr": "fr_CA"}


def assert_error_page(app, response, lang, code=400, title="Bad request"):
    assert response.status_code == code
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}-CA">' in html
    with app.test_request_context(), force_locale(LOCALES[lang]):
        assert gettext(title) in html
    return html


def every_form_class(cls=FlaskForm):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from every_form_class(subclass)


def test_every_form_of_the_site_reads_through_the_base_form(app):
    import petition.admin.forms
    import petition.signing.forms  # noqa: F401 - the forms register as subclasses

    site_forms = [form for form in every_form_class() if form.__module__.startswith("petition.")]
    assert len(site_forms) >= 9
    assert all(issubclass(form, Form) for form in site_forms), [f for f in site_forms if not issubclass(f, Form)]


# --- file parts and JSON where a form expects text ----------------------------------------------


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("field", ["first_name", "email", "city", "province", "display", "updates", "website"])
def test_a_file_part_where_text_is_expected_is_a_400(app, client, csrf, lang, field):
    data = {**VALID, "csrf_token": csrf, field: (io.BytesIO(b"Tremblay"), "name.txt")}
    response = client.post(f"/{lang}/sign", data=data, content_type="multipart/form-data")
    assert_error_page(app, response, lang)
    assert signatures(app) == []


def test_a_form_sent_as_multipart_without_files_still_signs(app, client, csrf):
    response = client.post("/en/sign", data={**VALID, "csrf_token": csrf}, content_type="multipart/form-data")
    assert response.status_code == 303
    assert len(signatures(app)) == 1


JSON_VALUES = [None, True, 7, 2.5, "Tremblay", ["Tremblay"], {"a": "b"}]


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("value", JSON_VALUES)
def test_a_json_body_is_a_400_whatever_its_values(app, client, csrf, lang, value):
    body = {**VALID, "first_name": value}
    response = client.post(f"/{lang}/sign", json=body, headers={"X-CSRFToken": csrf})
    assert_error_page(app, response, lang)
    assert signatures(app) == []


@pytest.mark.parametrize("value", [[], "text", 3, False])
def test_a_json_body_that_is_not_an_object_is_a_400(app, client, csrf, value):
    response = client.post("/fr/sign", json=value, headers={"X-CSRFToken": csrf})
    assert_error_page(app, response, "fr")


# --- a malformed Host ---------------------------------------------------------------------------

BAD_HOSTS = ["a" * 70 + ".example.org", "a..b", ".", "a b", "exa<mple>.org", "host:port", ""]


@pytest.mark.parametrize("host", BAD_HOSTS)
@pytest.mark.parametrize("path", ["/en/", "/fr/signatures", "/fr/no-such-page", "/admin/sign-in", "/"])
def test_a_malformed_host_is_a_400_page(app, client, host, path):
    response = client.get(path, headers={"Host": host})
    lang = "fr" if path.startswith("/fr/") else "en"
    html = assert_error_page(app, response, lang)
    back = "/admin/sign-in" if path.startswith("/admin/") and host_has_labels(host) else f"/{lang}/"
    assert f'href="{back}"' in html, "the page still links back"


def host_has_labels(host):
    """Werkzeug routes a request whose Host has no empty or over-long label: under /admin/, its
    error page is the administration's own."""
    return host == "" or all(0 < len(label) <= 63 for label in host.split("."))


def test_a_malformed_host_on_a_form_is_a_400_and_stores_nothing(app, client, csrf):
    response = client.post("/fr/sign", data={**VALID, "csrf_token": csrf}, headers={"Host": "a..b"})
    assert_error_page(app, response, "fr")
    assert signatures(app) == []


def test_the_api_answers_a_malformed_host_in_json(client):
    response = client.get("/api/count", headers={"Host": "a..b"})
    assert response.status_code == 400
    assert response.get_json()["error"]["status"] == 400


@pytest.mark.parametrize("host", ["localhost", "localhost:5000", "letter.example.ca", "127.0.0.1:8000", "[::1]:5000"])
def test_ordinary_hosts_are_served(client, host):
    assert client.get("/en/", headers={"Host": host}).status_code == 200


@pytest.fixture
def trusted_hosts_app(migrated_database):
    return make_app(migrated_database, TRUSTED_HOSTS=["letter.example.ca"])


def test_a_host_outside_trusted_hosts_is_a_400_page_too(app, trusted_hosts_app):
    """Flask refuses it before any URL can be built: the error page is made without them."""
    response = trusted_hosts_app.test_client().get("/fr/", headers={"Host": "elsewhere.example.org"})
    assert_error_page(app, response, "fr")


# --- control characters -------------------------------------------------------------------------


CONTROLS = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\r", "\n"]


@pytest.mark.parametrize("character", CONTROLS)
@pytest.mark.parametrize(
    "path",
    [
        "/fr/?q=a{c}b",
        "/fr/?order={c}",
        "/fr/?ref=spring{c}",
        "/fr/signatures?before={c}",
        "/fr/o/some{c}slug",
        "/fr/confirm/tok{c}en",
        "/fr/?{c}=1",
        "/language/fr?next=/fr/{c}",
    ],
)
def test_control_characters_in_a_url_are_a_400(app, client, character, path):
    response = client.get(path.replace("{c}", quote(character, safe="")))
    assert_error_page(app, response, "fr")


@pytest.mark.parametrize("path", ["/fr/o/some{c}slug", "/fr/confirm/tok{c}en", "/fr/?{c}=1"])
def test_a_tab_in_a_path_or_a_parameter_name_is_a_400(app, client, path):
    assert_error_page(app, client.get(path.replace("{c}", "%09")), "fr")


def test_a_tab_in_a_query_value_is_white_space(client, endorsements):
    assert client.get("/fr/?q=mosqu%C3%A9e%09").status_code == 200


@pytest.mark.parametrize("character", CONTROLS)
@pytest.mark.parametrize("field", ["first_name", "last_name", "email", "city", "province", "display", "csrf_x"])
def test_control_characters_in_a_form_are_a_400_and_store_nothing(app, client, character, field):
    response = sign(client, "fr", **{field: "Tre" + character + "mblay"})
    assert_error_page(app, response, "fr")
    assert signatures(app) == []


def test_a_control_character_in_a_field_name_is_a_400(app, client, csrf):
    response = client.post("/en/sign", data={**VALID, "csrf_token": csrf, "x\x00": "1"})
    assert_error_page(app, response, "en")


def test_a_tab_pasted_into_a_field_is_white_space(app, client):
    """The site has no multi-line field, so line breaks never belong in a value; a tab pasted from
    a spreadsheet does, and the name's filter folds it like any other space."""
    assert sign(client, first_name="Marie\tClaire", city="Trois-Rivières\t").status_code == 303
    [signature] = signatures(app)
    assert (signature.first_name, signature.city) == ("Marie Claire", "Trois-Rivières")


# --- a value far over its field's maximum -------------------------------------------------------


def values_shown(html):
    return dict(re.findall(r'<input[^>]* name="([^"]+)"[^>]* value="([^"]*)"', html))


@pytest.mark.parametrize("field", ["first_name", "last_name", "email", "city", "website"])
def test_a_megabyte_value_is_not_written_back_whole(app, client, field):
    response = sign(client, province="", **{field: "x" * 1_000_000})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert len(html) < 200_000
    assert 0 < len(values_shown(html)[field]) <= 1000
    assert signatures(app) == []


def test_a_value_within_its_maximum_is_shown_back_as_typed(client):
    html = sign(client, first_name="", last_name="Côté-" + "x" * 90).get_data(as_text=True)
    assert values_shown(html)["last_name"] == "Côté-" + "x" * 90
