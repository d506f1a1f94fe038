"""Every public page a signer meets, in both languages at 320, 390, 768 and 1280 px: none scrolls
sideways, and each leaves a full-page screenshot in test-artifacts/gallery/ for people to look at
(``<page>-<lang>-<width>.png``), the way a designer checks a page before it ships.
"""

from pathlib import Path

import pytest

from tests.browser.test_screenshots import horizontal_overflow
from tests.signing_helpers import make_signature

GALLERY = Path(__file__).resolve().parents[2] / "test-artifacts" / "gallery"
WIDTHS = (320, 390, 768, 1280)
PAGES = {
    "letter": "/{lang}/",
    "check-inbox": "/{lang}/sign/check-your-inbox",
    "thanks": "/{lang}/thanks",
    "signers": "/{lang}/signatures",
    "organisation": "/{lang}/o/{slug}",
    "privacy": "/{lang}/privacy",
}


@pytest.fixture
def signed(app, endorsements):
    """A few names on the list, shown as each signer chose."""
    people = [
        ("Élodie", "Tremblay", "QC", "Gatineau", "full"),
        ("Samir", "Haddad", "ON", "Mississauga", "initial"),
        ("Marie-Ève", "Gagnon-Bouchard", "NB", None, "full"),
        ("Ahmed", "Khan", "AB", "Calgary", "none"),
    ]
    for number, (first, last, province, city, display) in enumerate(people):
        make_signature(
            app,
            f"gallery{number}@example.org",
            first=first,
            last=last,
            province=province,
            city=city,
            display=display,
            minutes_ago=90 - 30 * number,
        )


def shoot(page, name):
    GALLERY.mkdir(parents=True, exist_ok=True)
    path = GALLERY / f"{name}.png"
    path.unlink(missing_ok=True)
    page.screenshot(path=path, full_page=True)
    assert path.stat().st_size > 1000, f"no screenshot at {path}"


def assert_fits(page, what):
    overflow = horizontal_overflow(page)
    assert overflow["scrollWidth"] <= overflow["clientWidth"], f"{what} scrolls sideways: {overflow}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_public_pages_fit_every_width(live_server, signed, browser_context, browser_errors, lang, width):
    browser_errors.allow(r"status of 400")  # the form sent empty answers 400, by design
    context = browser_context(
        locale=f"{lang}-CA", viewport={"width": width, "height": 800 if width > 700 else 740}, reduced_motion="reduce"
    )
    page = context.new_page()
    slug = "national-council-of-canadian-muslims"
    for name, path in PAGES.items():
        page.goto(live_server + path.format(lang=lang, slug=slug))
        page.wait_for_load_state("networkidle")
        assert page.locator("h1").first.is_visible(), f"{name} has no visible heading"
        assert_fits(page, f"{name} at {width}px in {lang}")
        shoot(page, f"{name}-{lang}-{width}")

    # The sign form sent empty: the letter page again, with the summary and each field's message.
    page.goto(f"{live_server}/{lang}/")
    page.locator("form.sign-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-error-summary]").is_visible()
    assert_fits(page, f"the form with errors at {width}px in {lang}")
    page.locator("#sign").scroll_into_view_if_needed()
    GALLERY.mkdir(parents=True, exist_ok=True)
    form_errors = GALLERY / f"form-errors-{lang}-{width}.png"
    page.locator("#sign").screenshot(path=form_errors)
    assert form_errors.stat().st_size > 1000
