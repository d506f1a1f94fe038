"""The request to endorse (``/<lang>/endorse``): every bad input a person or a bot could send gets a
clear 400 and stores nothing; a good one always answers the same page, whatever the history of the
name or the address; a request never shows to administrators before its contact confirms."""

import io

import pytest

from petition.campaign import service as campaign_service
from petition.campaign import state as campaign_state
from petition.extensions import db
from petition.mail.models import OutboxMessage
from tests.joining_helpers import ASKED, ask, make_request, requests
from tests.support import csrf_token_from


def outbox(app):
    with app.app_context():
        rows = db.session.execute(db.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
        db.session.expunge_all()
        return rows


def assert_refused(app, response, message=None, lang="en"):
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}-CA">' in html
    if message:
        assert message in html, html[html.index("<main") :][:3000]
    assert requests(app) == []
    assert outbox(app) == []
    return html


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_form_is_linked_from_the_endorsement_list_in_both_languages(client, endorsements, lang):
    letter = client.get(f"/{lang}/").get_data(as_text=True)
    section = letter[letter.index('id="endorsements"') :]
    assert f'href="/{lang}/endorse"' in section[: section.index('class="org-list"')]
    page = client.get(f"/{lang}/endorse")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'<html lang="{lang}-CA">' in html
    for field in ("name", "website", "province", "contact_name", "contact_email", "authorised", "csrf_token"):
        assert f'name="{field}"' in html
    assert 'class="trap" aria-hidden="true"' in html


def test_a_request_is_recorded_unconfirmed_with_its_email_and_the_check_inbox_page(app, client):
    response = ask(client, website="icq.example.ca")

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/en/endorse/check-your-inbox")
    assert "Check your inbox" in client.get(response.headers["Location"]).get_data(as_text=True)
    [request] = requests(app)
    assert (request.status, request.name, request.province, request.lang) == ("unconfirmed", ASKED["name"], "QC", "en")
    assert request.website == "https://icq.example.ca"  # a bare host name is an https address
    assert (request.contact_name, request.contact_email) == ("Amina Diallo", "amina@example.ca")
    [message] = outbox(app)
    assert (message.kind, message.to_address, message.endorsement_request_id) == (
        "endorsement_confirm",
        "amina@example.ca",
        request.id,
    )


def test_the_optional_fields_may_be_left_empty(app, client):
    assert ask(client, "fr", website="", province="").status_code == 303
    [request] = requests(app)
    assert (request.website, request.province, request.lang) == (None, None, "fr")


def test_names_are_trimmed_and_spaces_folded(app, client):
    ask(client, name="  Mosquée   de   l’Érable ", contact_name=" Jean  Côté ")
    [request] = requests(app)
    assert (request.name, request.contact_name) == ("Mosquée de l’Érable", "Jean Côté")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Please enter the name of the organisation."),
        ("name", "   ", "Please enter the name of the organisation."),
        ("name", "x" * 201, "Please keep this under 200 characters."),
        ("name", "Visit https://spam.example", "Please enter a name, not a web address."),
        ("name", "Cheap-pills.example", "Please enter a name, not a web address."),
        ("name", "=HYPERLINK(1)", "A name cannot start with =, +, - or @."),
        ("name", "Evil\u202eCentre", "Please remove the special characters."),
        ("website", "ftp://example.org", "Please enter the organisation’s website"),
        ("website", "javascript:alert(1)", "Please enter the organisation’s website"),
        ("website", "https://", "Please enter the organisation’s website"),
        ("website", "https://localhost", "Please enter the organisation’s website"),
        ("website", "https://user:pw@example.org", "Please enter the organisation’s website"),
        ("website", "https://example.org:port", "Please enter the organisation’s website"),
        ("website", "https://exa mple.org", "Please enter the organisation’s website"),
        ("website", "https://[::1", "Please enter the organisation’s website"),
        ("website", "https://example.org/" + "a" * 300, "Please keep this under 300 characters."),
        ("province", "ZZ", "Please choose your province or territory from the list."),
        ("contact_name", "", "Please enter your name."),
        ("contact_name", "x" * 101, "Please keep this under 100 characters."),
        ("contact_name", "www.spam.example", "Please enter a name, not a web address."),
        ("contact_email", "", "Please enter your email address."),
        ("contact_email", "not-an-address", "Please enter a valid email address"),
        ("contact_email", "x" * 250 + "@example.org", "An email address cannot be longer than 254 characters."),
        ("authorised", None, "Please confirm that you may endorse the letter on the organisation’s behalf."),
    ],
)
def test_invalid_fields_answer_400_with_the_message_and_store_nothing(app, client, field, value, message):
    html = assert_refused(app, ask(client, **{field: value}), message)
    assert 'role="alert"' in html  # the summary at the top, linked to the field
    assert f'href="#{field}"' in html


def test_an_invalid_form_in_french_answers_in_french(app, client):
    html = assert_refused(app, ask(client, "fr", name=""), lang="fr")
    assert "Error:" not in html and "Please" not in html


@pytest.mark.parametrize("field", ["name", "website", "contact_name", "contact_email", "province"])
def test_control_characters_are_a_400_and_store_nothing(app, client, field):
    assert_refused(app, ask(client, **{field: "Bad\x07bell"}))
    assert_refused(app, ask(client, **{field: "two\nlines"}))


def test_a_megabyte_name_is_not_written_back_whole(app, client):
    html = assert_refused(app, ask(client, name="x" * 1_000_000))
    assert "x" * 201 not in html


def test_missing_or_forged_csrf_token_is_a_400(app, client):
    data = {**ASKED}
    assert client.post("/en/endorse", data=data).status_code == 400
    assert client.post("/en/endorse", data={**data, "csrf_token": "forged"}).status_code == 400
    assert requests(app) == []


def test_the_honeypot_stores_nothing_and_looks_the_same(app, client):
    bot = ask(client, fax="+1 555 0100")
    person = ask(client)

    assert (bot.status_code, bot.headers["Location"]) == (person.status_code, person.headers["Location"])
    assert len(requests(app)) == 1
    assert len(outbox(app)) == 1


def test_the_answer_is_the_same_whatever_the_name_or_the_address_did_before(app, client, endorsements):
    """A new address and name, one that asked already (unconfirmed and confirmed), one on the list."""
    make_request(app, "Some Earlier Mosque", "earlier@example.ca", confirm=False)
    make_request(app, "Another Centre", "confirmed@example.ca", confirm=True)
    answers = []
    for name, email in [
        ("A Brand New Association", "new@example.ca"),
        ("Some Earlier Mosque", "earlier@example.ca"),
        ("Another Centre", "confirmed@example.ca"),
        ("Islamic Centre of Quebec", "icq@example.ca"),  # on the bundled list already
    ]:
        response = ask(client, name=name, contact_email=email)
        answers.append((response.status_code, response.headers["Location"], response.get_data()))
        page = client.get(response.headers["Location"])
        answers[-1] += (page.status_code, page.get_data())
    assert all(answer == answers[0] for answer in answers)
    # Each is a request of its own, with its own email: nothing was looked up to answer.
    assert len(requests(app)) == 6
    assert [message.kind for message in outbox(app)] == ["endorsement_confirm"] * 6


def test_a_second_request_for_the_same_organisation_is_recorded_as_its_own(app, client):
    ask(client)
    ask(client, contact_email="someone.else@example.ca", contact_name="Omar Haddad")

    first, second = requests(app)
    assert first.name == second.name and first.id != second.id
    assert {first.contact_email, second.contact_email} == {"amina@example.ca", "someone.else@example.ca"}


def test_unconfirmed_requests_are_not_shown_to_administrators(app, client, runner):
    ask(client)
    result = runner.invoke(args=["endorsements", "requests"])
    assert "No request waits for a review." in result.output
    assert "amina@example.ca" not in result.output


def test_the_address_is_never_shown_on_a_public_page(app, client, endorsements):
    ask(client)
    for path in ("/en/", "/fr/", "/en/signatures", "/en/endorse/check-your-inbox", "/api/count"):
        assert "amina@example.ca" not in client.get(path).get_data(as_text=True)


def test_once_the_letter_has_closed_the_form_says_so_and_takes_nothing(app, client):
    with app.app_context():
        token = csrf_token_from(client.get("/en/endorse").get_data(as_text=True))
        campaign_service.close()
        campaign_state.forget()
    assert "Signing has closed" in client.get("/en/endorse").get_data(as_text=True)
    response = client.post("/en/endorse", data={**ASKED, "csrf_token": token})
    assert response.status_code == 410
    assert requests(app) == []


def test_wrong_language_and_method(client):
    assert client.get("/de/endorse").status_code == 404
    assert client.put("/en/endorse").status_code == 405


class TestRateLimit:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "ENDORSE_RATE_LIMIT": "2 per hour"}

    def test_requests_have_a_limit_per_client(self, app, client):
        statuses = [ask(client, contact_email=f"c{n}@example.ca").status_code for n in range(3)]
        assert statuses == [303, 303, 429]
        assert client.get("/en/endorse").status_code == 200  # reading the form is not limited
        assert len(requests(app)) == 2


def test_a_json_body_or_a_file_where_text_is_expected_is_a_400(app, client):
    token = csrf_token_from(client.get("/en/endorse").get_data(as_text=True))
    assert client.post("/en/endorse", json={**ASKED, "csrf_token": token}).status_code == 400
    upload = {**ASKED, "csrf_token": token, "name": (io.BytesIO(b"Some name"), "name.txt")}
    assert client.post("/en/endorse", data=upload, content_type="multipart/form-data").status_code == 400
    assert requests(app) == []
