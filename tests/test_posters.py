"""Posters of share links: offered on an organisation's figures page and on the administrators'
pages, one Letter page in both languages, black and white, whose QR codes read back (zbar) as the
links they stand for."""

import re
import subprocess

import pytest

from petition.endorsements.models import Endorsement
from petition.extensions import db
from petition.sharing.stats import stats_token
from tests.admin.admin_helpers import sign_in
from tests.admin.conftest import administrator  # noqa: F401 (the fixture, for the admin's client)
from tests.delivery_helpers import pdf_pages, pdf_text
from tests.sharing_helpers import ORG, add_share_link

PUBLIC = "http://localhost"  # PUBLIC_URL in the tests


def qr_codes(pdf_bytes, tmp_path):
    """The links the poster's QR codes hold, read by zbar from a grey 150 dpi rendering."""
    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(pdf_bytes)
    subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", str(pdf), str(tmp_path / "page")], check=True)
    found = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "page-1.png")], capture_output=True, text=True, check=True
    )
    return sorted(found.stdout.split())


def is_black_and_white(pdf_bytes, tmp_path):
    """True when every pixel of the page, rendered in colour, is a shade of grey."""
    pdf = tmp_path / "colour.pdf"
    pdf.write_bytes(pdf_bytes)
    ppm = subprocess.run(["pdftoppm", "-r", "40", str(pdf)], capture_output=True, check=True).stdout
    header = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", ppm)
    pixels = ppm[header.end() :]
    return all(pixels[i] == pixels[i + 1] == pixels[i + 2] for i in range(0, len(pixels), 3))


@pytest.fixture
def token(app, endorsements):
    with app.app_context():
        return stats_token(ORG)


def organisation_name(app):
    with app.app_context():
        return db.session.execute(db.select(Endorsement.name).where(Endorsement.slug == ORG)).scalar_one()


def test_the_figures_page_offers_the_poster(client, token):
    html = client.get(f"/en/o/{ORG}/stats/{token}").get_data(as_text=True)
    assert f'href="/en/o/{ORG}/stats/{token}/poster.pdf"' in html


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_poster_reads_back_in_both_languages(app, client, token, tmp_path, lang):
    response = client.get(f"/{lang}/o/{ORG}/stats/{token}/poster.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="poster-{ORG}-{lang}.pdf"'
    assert "no-store" in response.headers["Cache-Control"]  # reached through a private link
    data = response.get_data()
    pdf = tmp_path / "p.pdf"
    pdf.write_bytes(data)
    assert pdf_pages(pdf) == 1
    text = " ".join(pdf_text(pdf).split())
    assert " ".join(organisation_name(app).split()) in text
    assert "400+ Canadian Organizations Call" in text and "Plus de 400 organisations canadiennes" in text
    links = text.replace("\u2011", "-").replace("\u200b", "").replace(" ", "")
    assert f"localhost/en/o/{ORG}" in links and f"localhost/fr/o/{ORG}" in links
    assert qr_codes(data, tmp_path) == [f"{PUBLIC}/en/o/{ORG}", f"{PUBLIC}/fr/o/{ORG}"]
    assert is_black_and_white(data, tmp_path)
    assert (
        text.index("400+ Canadian") < text.index("Plus de 400")
        if lang == "en"
        else text.index("Plus de 400") < text.index("400+ Canadian")
    )


@pytest.mark.parametrize(
    "path",
    [
        f"/en/o/{ORG}/stats/not-a-token/poster.pdf",
        f"/en/o/{ORG}/stats/{'x' * 300}/poster.pdf",
    ],
)
def test_a_forged_token_opens_no_poster(client, endorsements, path):
    response = client.get(path)
    assert response.status_code == 403
    assert response.mimetype == "text/html"


def test_another_organisations_token_opens_no_poster(app, client, token):
    response = client.get(f"/en/o/al-rashid-mosque-2/stats/{token}/poster.pdf")
    assert response.status_code == 403


def test_an_unknown_organisation_has_no_poster(client, token):
    assert client.get(f"/en/o/no-such-organisation/stats/{token}/poster.pdf").status_code == 404
    assert client.get(f"/de/o/{ORG}/stats/{token}/poster.pdf").status_code == 404


@pytest.fixture
def admin_client(client, administrator):  # noqa: F811
    assert sign_in(client).status_code == 303
    return client


def test_the_admin_downloads_an_organisations_poster(app, admin_client, endorsements, tmp_path):
    with app.app_context():
        entry_id = db.session.execute(db.select(Endorsement.id).where(Endorsement.slug == ORG)).scalar_one()
    page = admin_client.get(f"/admin/endorsements/{entry_id}").get_data(as_text=True)
    assert f"/admin/endorsements/{entry_id}/poster-fr.pdf" in page
    response = admin_client.get(f"/admin/endorsements/{entry_id}/poster-fr.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert qr_codes(response.get_data(), tmp_path) == [f"{PUBLIC}/en/o/{ORG}", f"{PUBLIC}/fr/o/{ORG}"]
    assert admin_client.get(f"/admin/endorsements/{entry_id}/poster-de.pdf").status_code == 404
    assert admin_client.get("/admin/endorsements/999999/poster-en.pdf").status_code == 404


def test_the_admin_downloads_a_share_links_poster(app, admin_client, tmp_path):
    add_share_link(app, "mosque-flyer", label="Flyers at the mosque")
    page = admin_client.get("/admin/share-links/").get_data(as_text=True)
    assert "/admin/share-links/mosque-flyer/poster-en.pdf" in page
    response = admin_client.get("/admin/share-links/mosque-flyer/poster-en.pdf")
    assert response.status_code == 200
    pdf = tmp_path / "s.pdf"
    pdf.write_bytes(response.get_data())
    assert "Flyers at the mosque" in pdf_text(pdf)
    assert qr_codes(response.get_data(), tmp_path) == [
        f"{PUBLIC}/en/?ref=mosque-flyer",
        f"{PUBLIC}/fr/?ref=mosque-flyer",
    ]
    assert admin_client.get("/admin/share-links/no-such-code/poster-en.pdf").status_code == 404
    assert admin_client.get("/admin/share-links/BAD%00CODE/poster-en.pdf").status_code in (400, 404)


def test_posters_on_the_admins_pages_need_an_administrator(app, client, endorsements):
    add_share_link(app, "flyer")
    for path in ("/admin/share-links/flyer/poster-en.pdf", "/admin/endorsements/1/poster-en.pdf"):
        response = client.get(path)
        assert response.status_code in (302, 303) and response.mimetype != "application/pdf"
