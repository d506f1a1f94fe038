"""The two languages: where ``/`` sends a visitor, the remembered choice, and unknown prefixes."""

from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale, gettext

from petition.i18n import LANGUAGE_COOKIE


@pytest.fixture
def app_config():
    """No background mail sender: these tests send no mail, and a sender left running would drain
    the outbox that other tests share."""
    return {"MAIL_BACKGROUND_SENDER": False}


def location_path(response):
    return urlsplit(response.headers["Location"]).path


def redirect_target(client, accept_language):
    response = client.get("/", headers={"Accept-Language": accept_language})
    assert response.status_code == 302
    return location_path(response)


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("fr-CA", "/fr/"),
        ("fr", "/fr/"),
        ("fr-FR,fr;q=0.9", "/fr/"),
        ("en-US", "/en/"),
        ("en-CA,en;q=0.9,fr-CA;q=0.8", "/en/"),
        ("en;q=0.3, fr;q=0.9", "/fr/"),
        ("de-DE, de;q=0.9, fr;q=0.5, en;q=0.1", "/fr/"),
        ("de", "/en/"),
        ("zh-Hant-TW", "/en/"),
        ("", "/en/"),
    ],
)
def test_root_redirects_by_accept_language(client, accept_language, expected):
    assert redirect_target(client, accept_language) == expected


def test_root_without_any_accept_language_goes_to_english(client):
    response = client.get("/")
    assert response.status_code == 302
    assert location_path(response) == "/en/"


def test_root_redirect_varies_on_language_and_cookie(client):
    response = client.get("/", headers={"Accept-Language": "fr"})
    vary = {part.strip() for part in response.headers["Vary"].split(",")}
    assert {"Accept-Language", "Cookie"} <= vary


@pytest.mark.parametrize(
    "accept_language",
    [";;;", "fr;q=abc", "*", ",,,", "q=0.5", "fr;q=", "fr;;q=1;x", "\u00e9\u00e9;q=0.1", "x" * 8000, "fr-" * 2000],
)
def test_malformed_accept_language_never_breaks_the_redirect(client, accept_language):
    assert redirect_target(client, accept_language) in {"/en/", "/fr/"}


def test_language_choice_sets_a_cookie_and_goes_to_the_page(client):
    response = client.get("/language/fr", query_string={"next": "/fr/"})
    assert response.status_code in {302, 303}
    assert location_path(response) == "/fr/"
    cookie = client.get_cookie(LANGUAGE_COOKIE)
    assert cookie is not None
    assert cookie.value == "fr"
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert cookie.expires is not None, "the choice should outlive the browser session"


def test_the_cookie_wins_over_accept_language(client):
    client.get("/language/fr", query_string={"next": "/fr/"})
    assert redirect_target(client, "en-US,en;q=0.9") == "/fr/"

    client.get("/language/en", query_string={"next": "/en/"})
    assert redirect_target(client, "fr-CA,fr;q=0.9") == "/en/"


def test_an_unknown_cookie_value_is_ignored(client):
    client.set_cookie(LANGUAGE_COOKIE, "de")
    assert redirect_target(client, "fr") == "/fr/"
    assert redirect_target(client, "en") == "/en/"


def test_choosing_an_unknown_language_is_a_404(client):
    assert client.get("/language/de", query_string={"next": "/de/"}).status_code == 404
    assert client.get_cookie(LANGUAGE_COOKIE) is None


@pytest.mark.parametrize(
    "next_url",
    [
        "//evil.example",
        "//evil.example/fr/",
        "https://evil.example/",
        "https://evil.example/fr/",
        "/en/",
        "javascript:alert(1)",
        "/\\evil.example",
        "\\\\evil.example",
        "",
        "fr/",
    ],
)
def test_next_cannot_leave_the_site_or_the_chosen_language(client, next_url):
    response = client.get("/language/fr", query_string={"next": next_url})
    assert response.status_code in {302, 303}
    location = response.headers["Location"]
    assert urlsplit(location).netloc in {"", "localhost"}
    assert location_path(response) == "/fr/"


def test_next_without_a_value_goes_home_in_that_language(client):
    response = client.get("/language/en")
    assert location_path(response) == "/en/"


def test_next_keeps_a_page_and_query_in_the_chosen_language(client):
    response = client.get("/language/fr", query_string={"next": "/fr/?order=az"})
    assert response.headers["Location"] == "/fr/?order=az"


def test_next_with_control_characters_does_not_split_headers(client):
    # Refused before the view now, as any control character in a URL is (tests/test_bad_input.py).
    response = client.get("/language/fr", query_string={"next": "/fr/\r\nX-Injected: yes"})
    assert response.status_code == 400
    assert "X-Injected" not in response.headers
    assert "Location" not in response.headers


def test_next_with_a_tab_goes_home(client):
    response = client.get("/language/fr", query_string={"next": "/fr/\tX"})
    assert response.status_code in {302, 303}
    assert response.headers["Location"] == "/fr/"
    assert "\n" not in response.headers["Location"]


def error_title_in(app, locale):
    with app.test_request_context(), force_locale(locale):
        return gettext("Page not found")


@pytest.mark.parametrize("path", ["/de/", "/xx/", "/EN/", "/fr-ca/", "/fr-CA/", "/de/something"])
def test_unknown_prefix_is_a_404_in_french_for_french_visitors(app, client, path):
    response = client.get(path, headers={"Accept-Language": "fr-CA,fr;q=0.9"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert '<html lang="fr-CA">' in page
    assert error_title_in(app, "fr_CA") in page
    assert 'href="/fr/"' in page, "the way back should lead to the French letter"


@pytest.mark.parametrize("path", ["/de/", "/xx/", "/EN/", "/fr-ca/"])
@pytest.mark.parametrize("accept_language", ["en-CA", "de", ""])
def test_unknown_prefix_is_a_404_in_english_otherwise(app, client, path, accept_language):
    response = client.get(path, headers={"Accept-Language": accept_language})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert '<html lang="en-CA">' in page
    assert error_title_in(app, "en_CA") in page
    assert 'href="/en/"' in page


def test_unknown_prefix_follows_the_language_cookie(client):
    client.get("/language/fr", query_string={"next": "/fr/"})
    response = client.get("/de/", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert '<html lang="fr-CA">' in response.get_data(as_text=True)


def test_missing_page_under_fr_is_a_french_404(app, client):
    response = client.get("/fr/no-such-page", headers={"Accept-Language": "en-US"})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert '<html lang="fr-CA">' in page
    assert error_title_in(app, "fr_CA") in page


def test_missing_page_under_en_is_an_english_404(client):
    response = client.get("/en/no-such-page", headers={"Accept-Language": "fr"})
    assert response.status_code == 404
    assert '<html lang="en-CA">' in response.get_data(as_text=True)


def test_french_writes_the_first_of_the_month_as_an_ordinal():
    from datetime import date

    from petition.i18n import ordinal_first

    assert ordinal_first("1 mars 2026", date(2026, 3, 1), "fr_CA") == "1er mars 2026"
    assert ordinal_first("mercredi 1 avril 2026", date(2026, 4, 1), "fr_CA") == "mercredi 1er avril 2026"
    assert ordinal_first("11 mars 2026", date(2026, 3, 11), "fr_CA") == "11 mars 2026"
    assert ordinal_first("2026-03-01", date(2026, 3, 1), "fr_CA") == "2026-03-01"
    assert ordinal_first("March 1, 2026", date(2026, 3, 1), "en_CA") == "March 1, 2026"


def test_a_moment_inside_a_sentence_is_written_out_with_a_long_date(app):
    """« Oui, depuis le 1er mars 2026 à 9 h 05 », not an all-numeric date: the numeric form is for tables."""
    from datetime import datetime

    from flask_babel import force_locale

    from petition.i18n import date_at_time

    with app.test_request_context("/fr/"), force_locale("fr_CA"):
        assert date_at_time(datetime(2026, 3, 1, 9, 5), "fr_CA") == "1er mars 2026 à 9\u00a0h\u00a005"
        assert date_at_time(datetime(2026, 3, 3, 14, 30), "fr_CA") == "3 mars 2026 à 14\u00a0h\u00a030"
    with app.test_request_context("/en/"), force_locale("en_CA"):
        assert date_at_time(datetime(2026, 3, 3, 14, 30), "en_CA") == "March 3, 2026 at 2:30\u202fp.m."
