"""The campaign page: closing, scheduling and reopening, the delivery and the government's
response; what each does to the letter page in both languages, the audit log, and bad input."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from petition.audit import AuditEvent
from petition.campaign import state
from petition.extensions import db
from tests.admin.admin_helpers import text_of, token
from tests.campaign_helpers import T0, Clock

DELIVERY = {
    "delivered_on": "2026-03-10",
    "delivered_to_en": "The Office of the Prime Minister",
    "delivered_to_fr": "au Cabinet du premier ministre",
    "text_en": "We handed the letter in on Parliament Hill.\n\nThank you <all>!",
    "text_fr": "Nous avons remis la lettre sur la colline du Parlement.",
    "link": "https://example.org/delivered",
}
RESPONSE = {
    "response_on": "2026-04-02",
    "text_en": "The government thanks the signatories.",
    "text_fr": "Le gouvernement remercie les signataires.",
    "link": "https://www.canada.ca/response",
}


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(monkeypatch)
    clock.set(T0)
    return clock


def post(admin, path, **data):
    return admin.post(f"/admin/campaign/{path}", data={"csrf_token": token(admin, "/admin/campaign/"), **data})


def stored():
    return state.read()


def audit(app):
    with app.app_context():
        rows = db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
        entries = [(row.action, row.actor, row.detail) for row in rows if row.action != "sign-in"]
        db.session.remove()
    return entries


def current(app):
    with app.app_context():
        found = state.read()
        db.session.remove()
    return found


def test_the_page_says_the_letter_is_open_and_is_in_the_menu(admin, clock):
    page = admin.get("/admin/campaign/")
    assert page.status_code == 200
    assert "Open to new signatures" in text_of(page)
    assert 'href="/admin/campaign/" aria-current="page"' in page.get_data(as_text=True)


def test_close_now_then_reopen_from_the_page(app, admin, client, clock):
    response = post(admin, "close")
    assert response.status_code == 303
    assert current(app).closes_at == T0
    page = text_of(admin.get("/admin/campaign/"))
    assert "Closed since March 3, 2026" in page
    assert "may still confirm until March 5, 2026" in page
    assert 'action="/en/sign"' not in admin.get("/en/").get_data(as_text=True)
    assert post(admin, "close").status_code == 409, "closing twice is refused"

    assert post(admin, "reopen").status_code == 303
    assert current(app).closes_at is None
    assert 'action="/en/sign"' in admin.get("/en/").get_data(as_text=True)
    actions = [(action, actor) for action, actor, _ in audit(app)]
    assert actions == [("campaign closed", "admin@example.org"), ("campaign reopened", "admin@example.org")]


def test_a_close_at_a_set_time_is_read_in_the_campaign_zone(app, admin, clock):
    response = post(admin, "schedule", closes_at="2026-03-20T17:00")
    assert response.status_code == 303
    assert current(app).closes_at == datetime(2026, 3, 20, 21, 0, tzinfo=UTC)  # EDT from 8 March
    assert "Open; closes at March 20, 2026" in text_of(admin.get("/admin/campaign/"))
    assert audit(app)[0][0] == "campaign close scheduled"
    assert post(admin, "reopen").status_code == 303
    assert current(app).closes_at is None


@pytest.mark.parametrize("closes_at", ["", "tomorrow", "2026-02-30T10:00", "9999-12-31T23:59", "2026-03-01T10:00"])
def test_a_bad_or_past_closing_time_is_a_400_and_changes_nothing(app, admin, clock, closes_at):
    response = post(admin, "schedule", closes_at=closes_at)
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
    assert current(app).closes_at is None
    assert audit(app) == []


def test_the_delivery_and_the_response_show_above_the_letter_in_each_language(app, admin, client, clock):
    assert post(admin, "delivery", **DELIVERY).status_code == 303
    assert post(admin, "response", **RESPONSE).status_code == 303
    found = current(app)
    assert found.delivery.on == date(2026, 3, 10) and found.delivery.link == DELIVERY["link"]
    assert found.response.text_fr == RESPONSE["text_fr"]

    english = client.get("/en/").get_data(as_text=True)
    assert "Delivered on March 10, 2026 to The Office of the Prime Minister" in english
    assert "<p>We handed the letter in on Parliament Hill.</p><p>Thank you &lt;all&gt;!</p>" in english
    assert "The government thanks the signatories." in english
    assert 'href="https://www.canada.ca/response"' in english
    assert english.index("campaign-news") < english.index('class="letter"')
    assert "Nous avons remis" not in english

    french = client.get("/fr/").get_data(as_text=True)
    assert "Remise le 10 mars 2026 au Cabinet du premier ministre" in french
    assert "10 mars 2026" in french and "2 avril 2026" in french
    assert "au Cabinet du premier ministre" in french and "The Office of the Prime Minister" not in french
    assert "Nous avons remis la lettre sur la colline du Parlement." in french
    assert "Le gouvernement remercie les signataires." in french
    assert "We handed the letter in" not in french

    [delivery, response] = audit(app)
    assert delivery[0] == "delivery recorded" and delivery[1] == "admin@example.org"
    assert json.loads(delivery[2])["delivered_to_en"] == DELIVERY["delivered_to_en"]
    assert json.loads(delivery[2])["delivered_to_fr"] == DELIVERY["delivered_to_fr"]
    assert response[0] == "response recorded"


def test_the_delivery_is_editable(app, admin, clock):
    post(admin, "delivery", **DELIVERY)
    page = admin.get("/admin/campaign/").get_data(as_text=True)
    assert 'value="The Office of the Prime Minister"' in page
    assert post(admin, "delivery", **(DELIVERY | {"delivered_to_en": "The Prime Minister"})).status_code == 303
    assert current(app).delivery.to("en") == "The Prime Minister"
    assert current(app).delivery.to("fr") == DELIVERY["delivered_to_fr"]


@pytest.mark.parametrize(
    "change",
    [
        {"delivered_on": ""},
        {"delivered_on": "2026-02-30"},
        {"delivered_on": "10/03/2026"},
        {"delivered_on": "0001-01-01"},
        {"delivered_to_en": ""},
        {"delivered_to_fr": "   "},
        {"delivered_to_en": "x" * 201},
        {"delivered_to_fr": "x" * 201},
        {"text_en": ""},
        {"text_fr": "x" * 2001},
        {"link": "javascript:alert(1)"},
        {"link": "data:text/html,<script>alert(1)</script>"},
        {"link": "ftp://example.org/letter"},
        {"link": "https://"},
        {"link": "https://example.org/a b"},
        {"link": "https://example.org/" + "x" * 500},
    ],
)
def test_a_bad_delivery_is_a_400_that_says_what_is_wrong_and_stores_nothing(app, admin, clock, change):
    response = post(admin, "delivery", **(DELIVERY | change))
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
    assert current(app).delivery is None
    assert audit(app) == []


@pytest.mark.parametrize(
    "change",
    [{"response_on": ""}, {"text_en": " "}, {"text_fr": "x" * 10001}, {"link": "javascript:alert(1)"}],
)
def test_a_bad_response_is_a_400_and_stores_nothing(app, admin, clock, change):
    assert post(admin, "response", **(RESPONSE | change)).status_code == 400
    assert current(app).response is None


def test_a_megabyte_is_not_written_back(app, admin, clock):
    response = post(admin, "delivery", **(DELIVERY | {"text_en": "x" * 1_000_000}))
    assert response.status_code == 400
    assert len(response.get_data()) < 100_000


@pytest.mark.parametrize("path", ["close", "schedule", "reopen", "delivery", "response"])
def test_without_the_form_token_nothing_changes(app, admin, clock, path):
    data = {"closes_at": "2026-03-20T17:00", **DELIVERY, **RESPONSE}
    response = admin.post(f"/admin/campaign/{path}", data=data)
    assert response.status_code == 400
    assert "This form has expired" in text_of(response)
    found = current(app)
    assert found.closes_at is None and found.delivery is None and found.response is None
    assert audit(app) == []


def test_the_page_is_for_administrators_only(client, clock):
    assert client.get("/admin/campaign/").status_code in (302, 303, 401)
    assert client.post("/admin/campaign/close").status_code in (302, 303, 400, 401)
    assert client.get("/api/count").get_json()["closed_at"] is None


def test_the_grace_period_shown_after_it_ended(app, admin, clock):
    post(admin, "close")
    clock.set(T0 + timedelta(hours=49))
    assert "ended at March 5, 2026" in text_of(admin.get("/admin/campaign/"))


def test_line_breaks_are_taken_in_the_texts_only(app, admin, clock):
    """The texts are written in paragraphs; a line break anywhere else is still a 400."""
    assert post(admin, "delivery", **(DELIVERY | {"delivered_to_fr": "Le premier\nministre"})).status_code == 400
    assert post(admin, "delivery", **(DELIVERY | {"text_en": "One.\r\n\r\nTwo.\x00"})).status_code == 400
    assert current(app).delivery is None
    assert post(admin, "delivery", **(DELIVERY | {"text_en": "One.\r\n\r\nTwo."})).status_code == 303
    assert current(app).delivery.text_en == "One.\r\n\r\nTwo."


def test_the_dashboard_chart_marks_the_goals_reached(app, admin, signature_factory):
    from tests.campaign_helpers import set_count

    set_count(app, 999)
    signature_factory("thousandth@example.org")
    page = admin.get("/admin/").get_data(as_text=True)
    assert '<g class="milestone">' in page
    assert "1,000 signatures reached on" in page
    assert "Goals reached (the dashed lines): 1,000 signatures" in text_of(admin.get("/admin/"))
    assert "1,000 signatures" in text_of(admin.get("/admin/campaign/"))
