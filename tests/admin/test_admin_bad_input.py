"""Bad input to the administration that once reached a 500: file parts and JSON where a form
expects text, NUL in a field (PostgreSQL refuses it), ids past the 32-bit columns, export days at
the calendar's edge. Each is a 4xx page, and nothing is stored or changed."""

import io

import pytest

from petition.audit import AuditEvent
from petition.endorsements.models import Endorsement
from petition.extensions import db
from tests.admin.admin_helpers import ADMIN_EMAIL, ADMIN_PASSWORD, make_signature, text_of, token
from tests.support import csrf_token_from


def audit_count(app):
    with app.app_context():
        return db.session.execute(db.select(db.func.count()).select_from(AuditEvent)).scalar_one()


def sign_in_token(client):
    return csrf_token_from(client.get("/admin/sign-in").get_data(as_text=True))


# --- signing in ---------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["email", "password"])
def test_a_file_part_at_sign_in_is_a_400(app, client, administrator, field):
    data = {"csrf_token": sign_in_token(client), "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    data[field] = (io.BytesIO(data[field].encode()), "credentials.txt")
    response = client.post("/admin/sign-in", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Bad request" in text_of(response)
    assert client.get("/admin/").status_code == 302, "not signed in"
    assert audit_count(app) == 0


@pytest.mark.parametrize("value", [None, True, 3, 1.5, ADMIN_PASSWORD, [ADMIN_PASSWORD], {"p": ADMIN_PASSWORD}])
def test_a_json_body_at_sign_in_is_a_400(app, client, administrator, value):
    body = {"email": ADMIN_EMAIL, "password": value}
    response = client.post("/admin/sign-in", json=body, headers={"X-CSRFToken": sign_in_token(client)})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302, "not signed in"
    assert audit_count(app) == 0


def test_a_json_body_with_the_right_password_does_not_sign_in(app, client, administrator):
    body = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    response = client.post("/admin/sign-in", json=body, headers={"X-CSRFToken": sign_in_token(client)})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("field", ["email", "password"])
def test_a_nul_at_sign_in_is_a_400_before_the_database(app, client, administrator, field):
    data = {"csrf_token": sign_in_token(client), "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    data[field] = data[field][:3] + "\x00" + data[field][3:]
    response = client.post("/admin/sign-in", data=data)
    assert response.status_code == 400
    assert audit_count(app) == 0


def test_the_sign_in_page_answers_in_french_to_a_french_administrator(client, administrator):
    client.get("/admin/language/fr")
    response = client.post("/admin/sign-in", json={}, headers={"X-CSRFToken": sign_in_token(client)})
    assert response.status_code == 400
    assert '<html lang="fr-CA">' in response.get_data(as_text=True)


# --- NUL and control characters in the searches -------------------------------------------------


@pytest.mark.parametrize("field", ["name", "email", "domain", "ip", "ref", "status", "before"])
@pytest.mark.parametrize("character", ["\x00", "\x1b"])
def test_a_control_character_in_a_search_is_a_400(admin, field, character):
    for path in ("/admin/signatures/", "/admin/signatures/invalidate"):
        response = admin.get(path, query_string={field: "a" + character + "b@example.org"})
        assert response.status_code == 400, path


def test_a_nul_in_a_bulk_invalidation_is_a_400_and_changes_nothing(app, admin):
    make_signature(app, "nul@example.org")
    before = audit_count(app)
    data = {"csrf_token": token(admin), "domain": "example.org\x00", "expected": "1", "reason": "spam"}
    assert admin.post("/admin/signatures/invalidate", data=data).status_code == 400
    assert audit_count(app) == before


# --- file parts in the admin's forms ------------------------------------------------------------


def test_the_import_takes_a_file_but_not_a_file_for_its_check_box(app, admin, endorsements):
    csv_file = b"name,slug,lead\nA,a,1\n"
    data = {
        "csrf_token": token(admin, "/admin/endorsements/import"),
        "file": (io.BytesIO(csv_file), "list.csv"),
        "remove_missing": (io.BytesIO(b"y"), "y.txt"),
    }
    response = admin.post("/admin/endorsements/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Endorsement)).scalar_one() == 414


def test_a_text_part_where_the_import_expects_a_file_says_so(admin):
    data = {"csrf_token": token(admin, "/admin/endorsements/import"), "file": "name,slug,lead"}
    response = admin.post("/admin/endorsements/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Please choose a file." in text_of(response)


def test_a_file_part_for_a_reason_is_a_400(app, admin):
    ident = make_signature(app, "reason@example.org")
    data = {"csrf_token": token(admin), "reason": (io.BytesIO(b"spam"), "reason.txt")}
    response = admin.post(f"/admin/signatures/{ident}/invalidate", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert admin.get(f"/admin/signatures/{ident}").status_code == 200
    assert "Invalidated" not in text_of(admin.get(f"/admin/signatures/{ident}"))


def test_a_json_body_for_a_share_link_is_a_400(admin):
    response = admin.post(
        "/admin/share-links/", json={"code": "from-json", "label": "x"}, headers={"X-CSRFToken": token(admin)}
    )
    assert response.status_code == 400
    assert "from-json" not in admin.get("/admin/share-links/").get_data(as_text=True)


# --- ids past the 32-bit columns ----------------------------------------------------------------

HUGE_IDS = ["2147483648", "9" * 30, "9" * 5000, "0", "00000000001" + "0"]


@pytest.mark.parametrize("ident", HUGE_IDS)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/signatures/{}"),
        ("POST", "/admin/signatures/{}/hide"),
        ("POST", "/admin/signatures/{}/unhide"),
        ("POST", "/admin/signatures/{}/invalidate"),
        ("GET", "/admin/endorsements/{}"),
        ("POST", "/admin/endorsements/{}"),
        ("GET", "/admin/endorsements/{}/remove"),
        ("POST", "/admin/endorsements/{}/remove"),
        ("POST", "/admin/endorsements/{}/move"),
        ("POST", "/admin/endorsements/{}/lead"),
        ("POST", "/admin/endorsements/{}/stats-link"),
    ],
)
def test_an_id_past_the_column_is_a_404(admin, ident, method, path):
    response = admin.open(path.format(ident), method=method, data={"csrf_token": token(admin), "direction": "up"})
    assert response.status_code == 404


def test_the_largest_id_the_column_holds_is_simply_not_found(admin):
    assert admin.get("/admin/signatures/2147483647").status_code == 404


@pytest.mark.parametrize("before", ["2147483648", "9" * 5000, "-1", "0", "abc", "1.5", "", " 12"])
def test_a_search_cursor_that_cannot_be_an_id_is_a_400(admin, before):
    assert admin.get("/admin/signatures/", query_string={"before": before}).status_code == 400


def test_a_search_cursor_within_the_column_pages_on(app, admin):
    make_signature(app, "page@example.org")
    assert admin.get("/admin/signatures/?before=2147483647").status_code == 200


# --- export days at the calendar's edge ---------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"until": "9999-12-31"},
        {"since": "9999-12-31"},
        {"since": "0001-01-01"},
        {"until": "0001-01-01"},
        {"since": "0001-01-01", "until": "9999-12-31"},
    ],
)
@pytest.mark.parametrize("zone", ["America/Toronto", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_an_export_day_at_the_calendars_edge_is_a_400(app, admin, fields, zone):
    app.config["CAMPAIGN_TIMEZONE"] = zone
    before = audit_count(app)
    response = admin.post("/admin/export/", data={"csrf_token": token(admin, "/admin/export/"), **fields})
    assert response.status_code == 400
    assert "Please enter a day from 0001-01-02 to 9999-12-30." in text_of(response)
    assert audit_count(app) == before


@pytest.mark.parametrize("fields", [{"since": "0001-01-02"}, {"until": "9999-12-30"}])
@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_the_days_next_to_the_edge_export(app, admin, fields, zone):
    app.config["CAMPAIGN_TIMEZONE"] = zone
    make_signature(app, "edge@example.org")
    response = admin.post("/admin/export/", data={"csrf_token": token(admin, "/admin/export/"), **fields})
    assert response.status_code == 200
    assert len(response.get_data().splitlines()) == 2


@pytest.mark.parametrize("option", [["--until", "9999-12-31"], ["--since", "0001-01-01"]])
def test_the_export_command_refuses_a_day_at_the_edge(app, runner, option):
    result = runner.invoke(args=["signatures", "export", *option])
    assert result.exit_code == 2
    assert "must be a day from 0001-01-02 to 9999-12-30" in result.output
