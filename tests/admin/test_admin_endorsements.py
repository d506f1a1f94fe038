"""Endorsements managed from the administration, as the public letter page then shows them."""

import io
import re
from html import unescape
from urllib.parse import urlsplit

import pytest

from petition.audit import AuditEvent
from petition.endorsements.models import Endorsement
from petition.extensions import db
from tests.admin.admin_helpers import names_under_letter, text_of, token

LEAD_SLUG = "national-council-of-canadian-muslims"


@pytest.fixture
def app_config():
    return {"ADMIN_IMPORT_MAX_BYTES": 2000}


def public_list(client):
    html = client.get("/en/").get_data(as_text=True)
    lead = re.search(r'<p class="lead-name">([^<]+)</p>', html)
    names = re.findall(r"<li data-key=\"[^\"]*\"[^>]*>([^<]+)</li>", html)
    return (unescape(lead.group(1)) if lead else None), [unescape(name) for name in names]


def endorsement_id(app, slug):
    with app.app_context():
        return db.session.execute(db.select(Endorsement.id).where(Endorsement.slug == slug)).scalar_one()


def audit_actions(app):
    with app.app_context():
        return db.session.execute(db.select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()


def test_the_list_shows_every_organisation_in_order(admin, endorsements, client):
    page = admin.get("/admin/endorsements/")
    assert page.status_code == 200
    _lead, names = public_list(client)
    text = text_of(page)
    assert "414 organisations" in text
    assert text.index(names[0]) < text.index(names[1])


def test_adding_an_organisation_shows_it_on_the_letter_page(app, admin, endorsements, client):
    response = admin.post(
        "/admin/endorsements/new",
        data={"csrf_token": token(admin), "name": "  Mosquée  de   l'Érable ", "slug": ""},
    )
    assert response.status_code == 303
    _lead, names = public_list(client)
    assert names.count("Mosquée de l'Érable") == 1 and len(names) == 414
    assert "Mosquée de l'Érable" in names_under_letter(client, "M")
    assert client.get("/api/count").get_json()["endorsements"] == 415
    assert endorsement_id(app, "mosquee-de-l-erable")
    assert audit_actions(app) == ["sign-in", "endorsement added"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "slug": ""}, "Please enter the organisation's name."),
        ({"name": "Someone", "slug": "Not A Slug"}, "Use lowercase letters, digits and dashes only"),
        ({"name": "Someone", "slug": LEAD_SLUG}, "already used by another organisation"),
        ({"name": "!!!", "slug": ""}, "Please give a short name"),
        ({"name": "x" * 301, "slug": ""}, "Field cannot be longer than 300 characters."),
    ],
)
def test_a_bad_organisation_is_a_400_that_says_why(app, admin, endorsements, data, message):
    response = admin.post("/admin/endorsements/new", data={"csrf_token": token(admin), **data})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Endorsement)).scalar_one() == 414


def test_editing_renaming_and_removing(app, admin, endorsements, client):
    _lead, names = public_list(client)
    ident = endorsement_id(app, "abu-huraira-center")
    page = admin.get(f"/admin/endorsements/{ident}")
    assert page.status_code == 200 and "Abu Huraira Center" in page.get_data(as_text=True)

    response = admin.post(
        f"/admin/endorsements/{ident}",
        data={"csrf_token": token(admin), "name": "Abu Huraira Centre", "slug": "abu-huraira-centre"},
    )
    assert response.status_code == 303
    _lead, renamed = public_list(client)
    assert "Abu Huraira Centre" in renamed and "Abu Huraira Center" not in renamed
    assert renamed.index("Abu Huraira Centre") == names.index("Abu Huraira Center")
    assert client.get("/en/o/abu-huraira-centre").status_code == 200

    assert "Remove Abu Huraira Centre" in text_of(admin.get(f"/admin/endorsements/{ident}/remove"))
    response = admin.post(f"/admin/endorsements/{ident}/remove", data={"csrf_token": token(admin)})
    assert response.status_code == 303
    _lead, after = public_list(client)
    assert "Abu Huraira Centre" not in after and len(after) == len(names) - 1
    assert admin.get(f"/admin/endorsements/{ident}").status_code == 404
    assert audit_actions(app)[-2:] == ["endorsement changed", "endorsement removed"]


def test_reordering_moves_an_organisation_on_the_letter_page(app, admin, endorsements, client):
    _lead, names = public_list(client)
    third = endorsement_id(app, "abu-huraira-center")
    assert names[2] == "Abu Huraira Center"
    admin.post(f"/admin/endorsements/{third}/move", data={"csrf_token": token(admin), "direction": "up"})
    _lead, moved = public_list(client)
    assert moved[1] == "Abu Huraira Center" and moved[2] == names[1]
    admin.post(f"/admin/endorsements/{third}/move", data={"csrf_token": token(admin), "direction": "down"})
    assert public_list(client)[1] == names
    bad = admin.post(f"/admin/endorsements/{third}/move", data={"csrf_token": token(admin), "direction": "sideways"})
    assert bad.status_code == 400


def test_marking_the_lead_signatory(app, admin, endorsements, client):
    lead, _names = public_list(client)
    assert lead == "National Council of Canadian Muslims"
    other = endorsement_id(app, "abu-huraira-center")
    response = admin.post(f"/admin/endorsements/{other}/lead", data={"csrf_token": token(admin)})
    assert response.status_code == 303
    lead, names = public_list(client)
    assert lead == "Abu Huraira Center"
    assert "National Council of Canadian Muslims" in names
    admin.post(f"/admin/endorsements/{other}/lead", data={"csrf_token": token(admin)})
    assert public_list(client)[0] is None


def upload(admin, content, name="list.csv", **extra):
    data = {"csrf_token": token(admin, "/admin/endorsements/import"), "file": (io.BytesIO(content), name), **extra}
    return admin.post("/admin/endorsements/import", data=data, content_type="multipart/form-data")


def test_importing_a_file_adds_and_updates(app, admin, endorsements, client):
    content = (
        "name,slug,lead\n"
        "National Council of Canadian Muslims,national-council-of-canadian-muslims,1\n"
        "Centre communautaire Éveil,centre-communautaire-eveil,0\n"
    ).encode()
    response = upload(admin, content)
    assert response.status_code == 200
    text = text_of(response)
    assert "Added 1 Updated 0 Unchanged 1 Removed 0" in text
    _lead, names = public_list(client)
    assert "Centre communautaire Éveil" in names
    assert audit_actions(app)[-1] == "endorsements imported"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"nom,identifiant\nx,y\n", "the header must name the columns"),
        (b"name,slug,lead\n,missing-name,0\n", "line 2: a name and a slug are required"),
        (b"name,slug,lead\nA,a,1\nB,b,1\n", "only one organisation can be the lead"),
        (b"name,slug,lead\nA,\xff\xfebad,0\n", "not UTF-8"),
        (b"name,slug,lead\nA,a\x00b,0\n", "not a text file"),
        (b"", "the header must name the columns"),
    ],
)
def test_a_bad_file_is_a_400_that_says_why(app, admin, endorsements, content, message):
    response = upload(admin, content, name="bad.csv")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert "/tmp" not in html  # the message names the upload, not where the server kept it
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Endorsement)).scalar_one() == 414


def test_an_import_without_a_file_is_a_400(admin):
    response = admin.post(
        "/admin/endorsements/import",
        data={"csrf_token": token(admin, "/admin/endorsements/import")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Please choose a file." in response.get_data(as_text=True)


def test_a_file_too_large_is_refused(admin, endorsements):
    response = upload(admin, b"name,slug,lead\n" + b"A,a,0\n" * 1000)
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_issuing_an_organisations_private_stats_link(app, admin, endorsements, client):
    ident = endorsement_id(app, LEAD_SLUG)
    assert admin.get(f"/admin/endorsements/{ident}/stats-link").status_code == 405
    response = admin.post(f"/admin/endorsements/{ident}/stats-link", data={"csrf_token": token(admin)})
    assert response.status_code == 200
    links = re.findall(r'<a class="long-link" href="([^"]+)"', response.get_data(as_text=True))
    assert len(links) == 2
    assert {urlsplit(link).path.split("/")[1] for link in links} == {"en", "fr"}
    for link in links:
        assert f"/o/{LEAD_SLUG}/stats/" in link
        assert client.get(urlsplit(link).path).status_code == 200
    assert audit_actions(app)[-1] == "stats link issued"
