"""Sharing: organisations' links and ``?ref=`` codes credit signatures; QR codes; private figures."""

import re
import shutil
import struct
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest

from petition.extensions import db
from petition.signing.models import Signature
from tests.sharing_helpers import ORG, add_share_link
from tests.signing_helpers import confirm_through_page, deliver, sign

STATIC = Path(__file__).resolve().parents[1] / "petition" / "static"


def only_signature(app):
    with app.app_context():
        rows = db.session.execute(db.select(Signature)).scalars().all()
        db.session.expunge_all()
    assert len(rows) == 1
    return rows[0]


def confirmation_link(mail_server, address):
    mail_server.wait_for(1)
    (message,) = mail_server.to(address)
    return re.search(r"https?://\S+/confirm/\S+", message.get_body(("plain",)).get_content()).group(0)


# The organisation's page


@pytest.mark.parametrize(
    ("lang", "banner"),
    [
        ("en", "Shared with you by National Council of Canadian Muslims"),
        ("fr", "Shared with you by National Council of Canadian Muslims"),
    ],
)
def test_an_organisations_link_shows_the_letter_shared_by_it(client, endorsements, lang, banner):
    page = client.get(f"/{lang}/o/{ORG}")

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'lang="{lang}-CA"' in html
    assert 'class="shared-by"' in html and "National Council of Canadian Muslims" in html
    assert f'value="http://localhost/{lang}/o/{ORG}"' in html  # the share panel passes the same link on
    other = "fr" if lang == "en" else "en"
    assert f"/{other}/o/{ORG}" in html  # the language switch keeps the organisation


def test_the_plain_letter_is_not_shared_by_anyone(client, endorsements):
    html = client.get("/en/").get_data(as_text=True)

    assert 'class="shared-by"' not in html
    assert 'value="http://localhost/en/"' in html


@pytest.mark.parametrize("slug", ["nope", "NATIONAL-COUNCIL-OF-CANADIAN-MUSLIMS", "a" * 300, "%3Cscript%3E", "é"])
def test_an_unknown_organisation_is_a_404_in_the_visitors_language(client, endorsements, slug):
    page = client.get(f"/fr/o/{slug}")

    assert page.status_code == 404
    assert 'lang="fr-CA"' in page.get_data(as_text=True)


def test_a_signature_through_an_organisations_link_is_credited_to_it_across_the_email_round_trip(
    app, client, endorsements, mail_server, mail_config
):
    app.config.update(mail_config)
    client.get(f"/fr/o/{ORG}")
    client.get("/fr/signatures")  # wandering about the site keeps the credit

    assert sign(client, lang="fr", email="amina@example.ca").status_code == 303
    deliver(app)
    # The signer confirms on another device: the credit is on the signature, not in a cookie.
    phone = app.test_client()
    assert confirm_through_page(phone, confirmation_link(mail_server, "amina@example.ca")).status_code == 303

    signature = only_signature(app)
    assert signature.status == "confirmed"
    assert signature.share_ref == f"org:{ORG}"
    thanks = phone.get("/fr/thanks").get_data(as_text=True)
    assert f'value="http://localhost/fr/o/{ORG}"' in thanks  # and they pass the organisation's link on


def test_a_ref_code_on_any_page_credits_the_signature(app, client, endorsements):
    add_share_link(app, "spring-newsletter")

    client.get("/en/signatures?ref=spring-newsletter")
    sign(client, email="ref@example.ca")

    assert only_signature(app).share_ref == "ref:spring-newsletter"
    html = client.get("/en/sign/check-your-inbox").get_data(as_text=True)
    assert 'value="http://localhost/en/?ref=spring-newsletter"' in html


# With a control character, the whole page is a 400 (tests/test_bad_input.py).
BAD_REFS = ["unknown-code", "", "<script>", "x" * 500, "ÉTÉ", "a b", "spring newsletter", "spring_newsletter"]


@pytest.mark.parametrize("ref", BAD_REFS)
def test_an_unknown_or_malformed_ref_is_ignored_and_signing_still_works(app, client, endorsements, ref):
    add_share_link(app, "spring-newsletter")

    page = client.get("/en/", query_string={"ref": ref})
    response = sign(client, email="plain@example.ca")

    assert page.status_code == 200
    assert response.status_code == 303
    assert only_signature(app).share_ref is None


def test_a_ref_code_is_matched_whatever_its_case(app, client, endorsements):
    add_share_link(app, "poster-2026")

    client.get("/en/?ref=POSTER-2026")
    sign(client, email="case@example.ca")

    assert only_signature(app).share_ref == "ref:poster-2026"


def test_the_latest_link_followed_takes_the_credit(app, client, endorsements):
    add_share_link(app, "poster-2026")

    client.get("/en/?ref=poster-2026")
    client.get(f"/en/o/{ORG}")
    sign(client, email="latest@example.ca")

    assert only_signature(app).share_ref == f"org:{ORG}"


# QR codes


def zbar(png, tmp_path):
    if shutil.which("zbarimg") is None:
        pytest.fail("zbarimg is missing: `make chromium` installs Debian's zbar-tools")
    path = tmp_path / "code.png"
    path.write_bytes(png)
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(path)], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_an_organisations_qr_code_decodes_to_its_link(client, endorsements, tmp_path):
    response = client.get(f"/fr/o/{ORG}/qr.png")

    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert "public" in response.headers["Cache-Control"]
    assert zbar(response.data, tmp_path) == f"http://localhost/fr/o/{ORG}"


def test_a_ref_codes_qr_code_decodes_to_its_link(app, client, endorsements, tmp_path):
    add_share_link(app, "poster-2026")

    png = client.get("/en/qr.png?ref=poster-2026").data

    assert zbar(png, tmp_path) == "http://localhost/en/?ref=poster-2026"
    assert zbar(client.get("/en/qr.png?ref=not-a-code").data, tmp_path) == "http://localhost/en/"


def test_the_svg_qr_code_is_an_svg_and_can_be_downloaded(client, endorsements):
    response = client.get(f"/en/o/{ORG}/qr.svg?download=1")

    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data
    assert response.headers["Content-Disposition"] == f'attachment; filename="qr-{ORG}-en.svg"'


@pytest.mark.parametrize("path", [f"/en/o/{ORG}/qr.gif", "/en/o/nope/qr.png", "/de/qr.png", "/en/qr.jpeg"])
def test_qr_codes_of_nothing_are_404(client, endorsements, path):
    assert client.get(path).status_code == 404


def test_the_share_panel_offers_every_way_to_share(client, endorsements):
    html = client.get(f"/en/o/{ORG}").get_data(as_text=True)
    link = quote(f"http://localhost/en/o/{ORG}", safe="/")

    for expected in (
        f"https://www.facebook.com/sharer/sharer.php?u={link}",
        f"https://www.linkedin.com/sharing/share-offsite/?url={link}",
        "mailto:?subject=",
        "https://bsky.app/intent/compose?text=",
        "https://wa.me/?text=",
        f"/en/o/{ORG}/qr.svg",
        f"/en/o/{ORG}/qr.png?download=1",
        "data-native-share",
        "data-copy-link",
    ):
        assert expected in html, expected
    assert '<script src="http' not in html  # no third-party scripts or widgets


# Preview cards


def png_size(path):
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_each_language_has_its_preview_card(client, endorsements, lang):
    html = client.get(f"/{lang}/").get_data(as_text=True)
    card = re.search(r'<meta property="og:image" content="([^"]+)"', html).group(1)

    assert card == f"http://localhost/static/cards/card-{lang}.png"
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert png_size(STATIC / "cards" / f"card-{lang}.png") == (1200, 630)
    assert client.get(f"/static/cards/card-{lang}.png").status_code == 200


# An organisation's figures
