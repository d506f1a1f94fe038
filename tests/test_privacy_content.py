"""The privacy page, in both languages, from its content files and the settings."""

import re

import pytest


def page_text(response):
    html = response.get_data(as_text=True)
    return html, html[html.index("<main") : html.index("</main>")]


@pytest.mark.parametrize(
    ("lang", "title", "days"),
    [("en", "Privacy: what we keep about you", "45 days"), ("fr", "Confidentialité\u00a0:", "45\u00a0jours")],
)
def test_the_privacy_page_in_both_languages(app, client, lang, title, days):
    app.config.update(UNCONFIRMED_RETENTION_DAYS=45, PRIVACY_CONTACT_EMAIL="vie-privee@lettre.example.ca")

    response = client.get(f"/{lang}/privacy")

    assert response.status_code == 200
    html, main = page_text(response)
    assert f'<html lang="{lang}-CA">' in html
    assert f"<h1>{title}" in main
    assert days in main
    assert '<a href="mailto:vie-privee@lettre.example.ca">vie-privee@lettre.example.ca</a>' in main
    assert "{" not in main and "}" not in main
    assert f'hreflang="{"fr" if lang == "en" else "en"}-CA"' in html


def test_the_contact_defaults_to_the_sites_host_and_can_be_left_out(app, client):
    app.config["PUBLIC_URL"] = "https://letter.example.ca"
    assert "mailto:privacy@letter.example.ca" in client.get("/en/privacy").get_data(as_text=True)

    app.config["PRIVACY_CONTACT_EMAIL"] = ""
    _html, main = page_text(client.get("/fr/privacy"))

    assert "mailto:" not in main and "<h2>Contact</h2>" not in main
    assert "{contact_email}" not in main


def test_the_privacy_page_is_linked_from_every_page_and_the_form(client):
    for lang in ("en", "fr"):
        letter = client.get(f"/{lang}/").get_data(as_text=True)
        footer = letter[letter.index('<footer class="site-footer">') :]
        form = letter[letter.index('<p class="privacy-note">') :]
        assert f'href="/{lang}/privacy"' in footer
        assert f'href="/{lang}/privacy"' in form[: form.index("</p>")]
        assert f'href="/{lang}/privacy"' in client.get(f"/{lang}/signatures").get_data(as_text=True)


def test_no_privacy_page_in_other_languages(client):
    assert client.get("/de/privacy").status_code == 404


def test_the_french_text_follows_french_typography(client):
    _html, main = page_text(client.get("/fr/privacy"))

    assert "courriel" in main and "e-mail" not in main.lower()
    # A no-break space before a colon, and none of the apostrophes is a typewriter one.
    assert not re.search(r"[^\u00a0\u202f]:\s", re.sub(r"<[^>]+>|https?:|mailto:", "", main))
    assert "'" not in re.sub(r"<[^>]+>", "", main)


def test_both_languages_say_as_much(client):
    """The same sections, lists and items in English and in French: neither is a summary of the other."""

    def outline(lang):
        _html, main = page_text(client.get(f"/{lang}/privacy"))
        return [len(re.findall(tag, main)) for tag in ("<h2", "<ul", "<li", "<strong", "<p")]

    assert outline("en") == outline("fr")


def test_on_an_ip_host_the_page_gives_the_senders_address_or_says_none_is_set(app, client):
    """Production refuses to start without a contact; development and tests say how to reach the team."""
    app.config.update(
        PUBLIC_URL="http://203.0.113.7",
        PRIVACY_CONTACT_EMAIL=None,
        MAIL_DEFAULT_SENDER="Lettre ouverte <equipe@lettre.example.ca>",
    )
    _html, main = page_text(client.get("/en/privacy"))
    assert '<a href="mailto:equipe@lettre.example.ca">' in main

    app.config["MAIL_DEFAULT_SENDER"] = "Open letter <no-reply@localhost>"
    for lang, sentence in [
        ("en", "No contact address has been set for this site yet."),
        ("fr", "Aucune adresse de contact n’a encore été indiquée pour ce site."),
    ]:
        _html, main = page_text(client.get(f"/{lang}/privacy"))
        assert "mailto:" not in main
        assert sentence in main
