"""Every bad input a person or a bot could send to the sign form: a clear 4xx, nothing stored."""

import pytest
from flask_babel import force_locale, gettext

from petition.extensions import db
from petition.mail.models import OutboxMessage
from petition.signing.validation import name_problem, place_problem, reads_as_link
from tests.signing_helpers import VALID, sign, signatures


def outbox_size(app):
    with app.app_context():
        return db.session.execute(db.select(db.func.count()).select_from(OutboxMessage)).scalar_one()


def assert_refused(app, response, field_message=None, lang="en"):
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}-CA">' in html
    if field_message:
        assert field_message in html
    assert signatures(app) == []
    assert outbox_size(app) == 0
    return html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", "", "Please enter your first name."),
        ("first_name", "   ", "Please enter your first name."),
        ("last_name", "", "Please enter your last name."),
        ("first_name", "x" * 101, "Please keep this under 100 characters."),
        ("last_name", "Visit https://spam.example", "Please enter a name, not a web address."),
        ("last_name", "www.spam", "Please enter a name, not a web address."),
        ("first_name", "=HYPERLINK(1)", "A name cannot start with =, +, - or @."),
        ("first_name", "+1", "A name cannot start with =, +, - or @."),
        ("first_name", "-x", "A name cannot start with =, +, - or @."),
        ("first_name", "@handle", "A name cannot start with =, +, - or @."),
        # A control character (such as "Bad\x07bell") is refused before the form: tests/test_bad_input.py.
        ("last_name", "evil\u202eman", "Please remove the special characters."),
        ("email", "", "Please enter your email address."),
        ("email", "not-an-address", "Please enter a valid email address"),
        ("email", "a@b", "Please enter a valid email address"),
        ("email", "x" * 250 + "@example.org", "An email address cannot be longer than 254 characters."),
        ("province", "", "Please choose your province or territory"),
        ("province", "ZZ", "Please choose your province or territory from the list."),
        ("province", "on", "Please choose your province or territory from the list."),
        ("city", "c" * 101, "Please keep this under 100 characters."),
        ("display", "everyone", "Please choose how your name may be shown."),
    ],
)
def test_invalid_fields_answer_400_with_the_message_and_store_nothing(app, client, field, value, message):
    html = assert_refused(app, sign(client, **{field: value}), message)
    # The values typed are kept in the form, escaped.
    if field != "email" and value.strip() and len(value) < 90:
        assert "Tremblay" in html or field == "last_name"


def test_missing_fields_entirely(app, client):
    assert_refused(app, sign(client, first_name=None, last_name=None, email=None, province=None, display=None))


def test_names_in_every_script_are_welcome(app, client):
    for n, (first, last) in enumerate(
        [("Zoë", "Ó Súilleabháin"), ("محمد", "الأحمد"), ("Nguyễn", "Thị Minh"), ("李", "小龙"), ("ᐃᓄᒃ", "ᑐᒃᑐ")]
    ):
        assert sign(client, first_name=first, last_name=last, email=f"s{n}@example.org").status_code == 303
    assert [s.first_name for s in signatures(app)] == ["Zoë", "محمد", "Nguyễn", "李", "ᐃᓄᒃ"]


def test_names_are_trimmed_and_spaces_folded(app, client):
    sign(client, first_name="  Marie   Claire ", last_name=" Côté ", city="  Trois-Rivières ")
    [signature] = signatures(app)
    assert (signature.first_name, signature.last_name, signature.city) == ("Marie Claire", "Côté", "Trois-Rivières")


def test_an_invalid_form_in_french_answers_in_french(app, client):
    html = assert_refused(app, sign(client, "fr", first_name=""), lang="fr")
    assert 'action="/fr/sign"' in html


# What reads as a link or a host name, whatever its top-level domain and however it is written
# (zero-width characters, full-width letters and dots, ideographic dots), and real names and
# places that must still pass.
LINKS = [
    "Claim-prize-at-winner.ca",
    "winner.ca",
    "a.b",
    "paypal-verify.app",
    "bit.do/win",
    "evil\u200b.com",
    "evil.\u200dcom",
    "ev\u00adil.com",
    "WWW。evil。com",
    "evil．com",
    "evil｡com",
    "ｗｉｎｎｅｒ.ｃａ",
    "Jean winner.ca",
    "me@prize.win",
    "https://x",
    "http://localhost",
    "www.spam",
    "A.J.Smith",
    "St.John's",
    "prize.win.",
    "café.ca",
]
REAL = [
    "St. John's",
    "Jean-Paul O.",
    "Mary-Kate",
    "D'Arcy",
    "Saint-Jean-sur-Richelieu",
    "Ste. Anne",
    "Dr. J. Smith",
    "A.J.",
    "J.R.R. Tolkien",
    "(A.J.)",
    "Île-d'Orléans",
    "Trois-Rivières",
    "O'Brien",
    "Marie-Ève",
    "Zoë",
    "St.-Jérôme",
    "Mr. T",
    "100 Mile House",
    "محمد",
    "李",
]


@pytest.mark.parametrize("value", LINKS)
def test_what_reads_as_a_link_is_refused_as_a_name_or_a_city(value):
    assert reads_as_link(value)
    assert str(name_problem(value)) == "Please enter a name, not a web address."
    assert str(place_problem(value)) == "Please enter a city or town, not a web address."


@pytest.mark.parametrize("value", REAL)
def test_real_names_and_places_are_not_links(value):
    assert not reads_as_link(value)
    assert place_problem(value) is None
    assert name_problem(value) is None


@pytest.mark.parametrize("field", ["first_name", "last_name", "city"])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_host_name_in_a_shown_field_is_refused_in_the_visitors_language(app, client, field, lang):
    html = assert_refused(app, sign(client, lang, **{field: "Claim-prize-at-winner\u200b.ca"}), lang=lang)
    with app.test_request_context(), force_locale(f"{lang}_CA"):
        message = (
            gettext("Please enter a city or town, not a web address.")
            if field == "city"
            else gettext("Please enter a name, not a web address.")
        )
    assert message in html


@pytest.mark.parametrize(("field", "value"), [("first_name", "A.J."), ("last_name", "O'Brien"), ("city", "St. John's")])
def test_real_names_and_places_sign(app, client, field, value):
    assert sign(client, **{field: value}).status_code == 303
    assert getattr(signatures(app)[0], field) == value


def test_missing_csrf_token_answers_a_400_page_that_explains(app, client):
    response = client.post("/en/sign", data=VALID)
    html = assert_refused(app, response)
    assert "This form has expired" in html
    assert "reload the page" in html


def test_a_forged_csrf_token_is_refused(app, client):
    client.get("/en/")
    assert_refused(app, client.post("/en/sign", data={**VALID, "csrf_token": "forged"}))


def test_the_honeypot_stores_nothing_and_looks_the_same(app, client):
    response = sign(client, website="http://spam.example")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/en/sign/check-your-inbox")
    assert signatures(app) == []
    assert outbox_size(app) == 0


def test_wrong_language_prefix_and_wrong_method(app, client):
    assert client.post("/de/sign", data=VALID).status_code == 404
    assert client.get("/en/sign").status_code == 405


def test_the_email_is_never_in_a_public_page(app, client, endorsements):
    sign(client)
    for path in ("/en/", "/fr/", "/api/count", "/en/sign/check-your-inbox"):
        assert VALID["email"] not in client.get(path).get_data(as_text=True)


class TestRateLimits:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "SIGNING_RATE_LIMIT": "3 per minute"}

    def test_too_many_signatures_from_one_address_get_a_429_in_french(self, app, client):
        for n in range(3):
            assert sign(client, "fr", email=f"p{n}@example.org").status_code == 303
        response = sign(client, "fr", email="p9@example.org")
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) > 0
        assert '<html lang="fr-CA">' in response.get_data(as_text=True)
        assert len(signatures(app)) == 3
