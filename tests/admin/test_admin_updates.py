"""The updates' pages: the list, writing and changing a draft (and every way of writing one
wrong), the update's page with its previews, and what is refused once an update has gone out."""

import io
import re

import pytest

from petition.audit import AuditEvent
from petition.extensions import db
from petition.updates.models import CampaignUpdate, UpdateStatus
from tests.admin.admin_helpers import text_of, token
from tests.updates_helpers import CASL, population, send_all, sent, written

GOOD = {
    "subject_en": "The letter was delivered",
    "body_en": "We handed it over **today**.\r\n\r\n- first\r\n- second\r\n\r\n[Photos](https://example.org/photos)",
    "subject_fr": "La lettre a été remise",
    "body_fr": "Nous l’avons remise **aujourd’hui**.",
}


@pytest.fixture
def app_config(mail_config):
    return mail_config | CASL | {"UPDATES_PER_MINUTE": 600_000}


def updates_in(app):
    with app.app_context():
        rows = db.session.execute(db.select(CampaignUpdate).order_by(CampaignUpdate.id)).scalars().all()
        db.session.expunge_all()
    return rows


def audit_actions(app):
    with app.app_context():
        return db.session.execute(db.select(AuditEvent.action, AuditEvent.actor).order_by(AuditEvent.id)).all()


def create(admin, **changes):
    data = {"csrf_token": token(admin, "/admin/updates/new"), **GOOD, **changes}
    return admin.post("/admin/updates/new", data=data)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_page_opens_in_both_languages_of_the_administration(app, admin, lang):
    update_id = written(app)
    cancelled = written(app)
    admin.post(f"/admin/updates/{cancelled}/cancel", data={"csrf_token": token(admin)})
    admin.get(f"/admin/language/{lang}")
    for path in (
        "/admin/updates/",
        "/admin/updates/new",
        f"/admin/updates/{update_id}",
        f"/admin/updates/{update_id}/edit",
        f"/admin/updates/{update_id}/cancel",
        f"/admin/updates/{cancelled}",
    ):
        response = admin.get(path)
        assert response.status_code == 200, path
        assert f'<html lang="{lang}-CA">' in response.get_data(as_text=True), path
    form = admin.get("/admin/updates/new").get_data(as_text=True)
    assert ("Québec" if lang == "fr" else "Quebec") in form
    assert 'lang="fr-CA"' in form and 'name="body_fr"' in form


def test_the_navigation_leads_to_the_updates(app, admin):
    page = admin.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/updates/"' in page
    assert 'aria-current="page"' in admin.get("/admin/updates/").get_data(as_text=True)


def test_writing_an_update_saves_a_draft_and_shows_it(app, admin):
    response = create(admin, provinces=["QC", "ON"])
    assert response.status_code == 303
    [saved] = updates_in(app)
    assert response.headers["Location"] == f"/admin/updates/{saved.id}"
    assert saved.status == UpdateStatus.DRAFT and saved.created_by == "admin@example.org"
    assert saved.provinces == ["ON", "QC"]
    assert saved.body_en.startswith("We handed it over **today**.\n\n- first")
    page = admin.get(response.headers["Location"])
    text = text_of(page)
    assert "saved as a draft" in text and "La lettre a été remise" in text
    html = page.get_data(as_text=True)
    for lang in ("en", "fr"):
        assert f'src="/admin/updates/{saved.id}/preview/{lang}.html"' in html
    assert re.search(r'<iframe[^>]+sandbox=""', html)
    # The text part as the email carries it: the link written out.
    assert "Photos (https://example.org/photos)" in html
    listing = text_of(admin.get("/admin/updates/"))
    assert re.search(r"The letter was delivered La lettre a été remise Draft ON , QC — — Not sent yet", listing)
    assert ("update created", "admin@example.org") in audit_actions(app)


def test_the_preview_is_the_emails_html_part_framed_only_by_the_administration(app, admin):
    update_id = written(app)
    response = admin.get(f"/admin/updates/{update_id}/preview/fr.html")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="fr-CA">' in html and "<strong>Cabinet du premier ministre</strong>" in html
    assert "Coalition for the Letter" in html
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy and "style-src 'unsafe-inline'" in policy
    assert "script-src" not in policy and "default-src 'none'" in policy
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Cache-Control"] == "no-store"
    # Every other admin page still refuses to be framed.
    assert admin.get(f"/admin/updates/{update_id}").headers["X-Frame-Options"] == "DENY"
    # Admin-only, as everything under /admin.
    assert app.test_client().get(f"/admin/updates/{update_id}/preview/fr.html").status_code == 302
    assert admin.get(f"/admin/updates/{update_id}/preview/de.html").status_code == 404


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"subject_en": ""}, "Please write a subject."),
        ({"body_fr": "   "}, "Please write the text of the update."),
        ({"subject_fr": "x" * 201}, "At most 200 characters, please."),
        ({"body_en": "x" * 20_001}, "At most 20000 characters, please."),
        ({"body_en": "[Click](javascript:alert(1))"}, "Links must start with https://, http:// or mailto:."),
        ({"body_fr": "<javascript:alert(1)>"}, "Links must start with https://, http:// or mailto:."),
        ({"provinces": ["QC", "ZZ"]}, "Please choose provinces and territories from the list."),
        ({"subject_en": "Tab\tinside"}, "the English subject or body holds control characters"),
    ],
)
def test_a_bad_update_is_a_400_that_says_why_and_keeps_what_was_typed(app, admin, changes, message):
    response = create(admin, **changes)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in text_of(response)
    assert "The update is not saved yet." in page
    # What was typed is still there (what fits of it).
    assert "Nous l’avons remise **aujourd’hui**." in page or "body_fr" in changes
    assert 'value="La lettre a été remise"' in page or "subject_fr" in changes
    assert updates_in(app) == []


def test_a_body_far_too_long_is_not_written_back_whole(app, admin):
    response = create(admin, body_en="x" * 1_000_000)
    assert response.status_code == 400
    assert 20_000 <= len(response.get_data()) < 100_000


@pytest.mark.parametrize("field", ["subject_en", "body_fr"])
def test_a_nul_or_other_control_character_is_a_400_before_the_form(app, admin, field):
    for bad in ("\x00", "\x1b[0m", "\x85"):
        response = create(admin, **{field: "Hello " + bad})
        assert response.status_code == 400
        assert "Bad request" in text_of(response)
    assert updates_in(app) == []


def test_a_line_break_in_a_subject_is_a_400(app, admin):
    assert create(admin, subject_en="Two\r\nlines").status_code == 400
    assert updates_in(app) == []


@pytest.mark.parametrize("field", ["subject_en", "body_en", "provinces"])
def test_a_file_part_where_text_is_expected_is_a_400(app, admin, field):
    data = {"csrf_token": token(admin, "/admin/updates/new"), **GOOD}
    data[field] = (io.BytesIO(b"We handed it over"), "update.md")
    response = admin.post("/admin/updates/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert updates_in(app) == []


@pytest.mark.parametrize("value", [None, True, 3, ["a", "b"], {"text": "x"}, GOOD["body_en"]])
def test_a_json_body_is_a_400(app, admin, value):
    body = {**GOOD, "body_en": value}
    response = admin.post("/admin/updates/new", json=body, headers={"X-CSRFToken": token(admin)})
    assert response.status_code == 400
    assert updates_in(app) == []


def test_without_its_csrf_token_nothing_is_saved(app, admin):
    response = admin.post("/admin/updates/new", data=GOOD)
    assert response.status_code == 400
    assert "This form has expired" in text_of(response)
    assert updates_in(app) == []


def test_a_draft_can_be_changed_and_its_form_shows_what_it_holds(app, admin):
    update_id = written(app, provinces=("BC",))
    form = admin.get(f"/admin/updates/{update_id}/edit").get_data(as_text=True)
    assert re.search(r'value="BC"[^>]*checked|checked[^>]*value="BC"', form)
    assert "Cabinet du premier ministre" in form
    data = {"csrf_token": token(admin), **GOOD, "subject_en": "Delivered, with photos"}
    response = admin.post(f"/admin/updates/{update_id}/edit", data=data)
    assert response.status_code == 303
    [changed] = updates_in(app)
    assert changed.subject_en == "Delivered, with photos" and changed.provinces is None
    assert ("update changed", "admin@example.org") in audit_actions(app)
    bad = admin.post(f"/admin/updates/{update_id}/edit", data={**data, "body_en": ""})
    assert bad.status_code == 400 and "Delivered, with photos" in bad.get_data(as_text=True)


def test_an_update_sent_or_cancelled_can_no_longer_be_changed(app, admin):
    with app.test_request_context():
        population()
    send_all(app)
    update_id = written(app)
    sent(app, update_id)
    assert admin.get(f"/admin/updates/{update_id}/edit").status_code == 400
    data = {"csrf_token": token(admin), **GOOD, "subject_en": "Changed after the fact"}
    response = admin.post(f"/admin/updates/{update_id}/edit", data=data)
    assert response.status_code == 400
    assert "it stays as it was" in text_of(response)
    assert updates_in(app)[0].subject_en == "The letter was delivered"
    assert "Change it" not in text_of(admin.get(f"/admin/updates/{update_id}"))


@pytest.mark.parametrize("path", ["", "/edit", "/preview/en.html", "/progress", "/cancel"])
def test_unknown_ids_are_404_and_ids_past_the_columns_match_nothing(app, admin, path):
    assert admin.get(f"/admin/updates/999{path}").status_code == 404
    assert admin.get(f"/admin/updates/2147483648{path}").status_code == 404
    assert admin.get(f"/admin/updates/0{path}").status_code == 404
    assert admin.get(f"/admin/updates/-1{path}").status_code == 404


@pytest.mark.parametrize("path", ["/test", "/send", "/cancel"])
def test_posting_to_an_unknown_update_is_a_404(app, admin, path):
    assert admin.post(f"/admin/updates/999{path}", data={"csrf_token": token(admin)}).status_code == 404


def test_not_signed_in_nothing_opens_and_nothing_is_done(app, administrator, client):
    update_id = written(app)
    for path in ("/admin/updates/", "/admin/updates/new", f"/admin/updates/{update_id}"):
        assert client.get(path).status_code == 302
    assert client.get(f"/admin/updates/{update_id}/progress").status_code == 302
    assert client.post("/admin/updates/new", data=GOOD).status_code in (400, 401)
    assert client.post(f"/admin/updates/{update_id}/send", data={"read_previews": "y"}).status_code in (400, 401)
    assert updates_in(app)[0].status == UpdateStatus.DRAFT


def test_an_updates_page_is_titled_by_its_subject_alone(app, admin):
    update_id = written(app)
    page = admin.get(f"/admin/updates/{update_id}").get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", page, flags=re.S).group(1)
    assert title.startswith("The letter was delivered") and "<" not in title and "Set it aside" not in title
