"""Administrators review the requests to endorse: the page lists the confirmed ones oldest first,
each beside the organisations whose names are close to it; approving puts the organisation on the
public list at once, in both languages, and emails its contact its links; declining sends a short
note; everything is in the audit log; the commands do the same for scripts."""

import json
import re
import time
from html import unescape

import pytest

from petition.audit import AuditEvent
from petition.endorsements.importer import import_endorsements
from petition.endorsements.models import Endorsement
from petition.extensions import db
from tests.admin.admin_helpers import names_under_letter, text_of, token
from tests.joining_helpers import TWIN, approve, make_request, request_row
from tests.mailserver import html_of
from tests.mailserver import text_of as mail_text
from tests.signing_helpers import deliver

PAGE = "/admin/endorsement-requests/"


@pytest.fixture
def app_config(mail_config):
    return mail_config


def audit(app, action):
    with app.app_context():
        rows = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == action)).scalars().all()
        return [(row.actor, json.loads(row.detail)) for row in rows]


def public_names(client, lang="en"):
    html = client.get(f"/{lang}/").get_data(as_text=True)
    return [unescape(name) for name in re.findall(r"<li data-key=\"[^\"]*\"[^>]*>([^<]+)</li>", html)]


def endorsement(app, slug):
    with app.app_context():
        row = db.session.execute(db.select(Endorsement).where(Endorsement.slug == slug)).scalar_one_or_none()
        db.session.expunge_all()
        return row


def test_the_page_lists_the_confirmed_requests_oldest_first_beside_their_close_names(app, admin, endorsements):
    make_request(app, "Not Yet Confirmed Society", "quiet@example.ca", confirm=False)
    first = make_request(app, "Islamic Center of Quebec", "amina@example.ca")
    second = make_request(app, "Brand New Community Garden", "garden@example.ca", lang="fr")
    third = make_request(app, "Islamic Centre of Québec", "omar@example.ca")

    page = admin.get(PAGE)

    assert page.status_code == 200
    text = text_of(page)
    assert "Not Yet Confirmed Society" not in text and "quiet@example.ca" not in text
    assert text.index("Islamic Center of Quebec") < text.index("Brand New Community Garden")
    html = page.get_data(as_text=True)
    sections = {ident: html[html.index(f'id="r-{ident}"') :] for ident in (first, second, third)}
    # The twin on the bundled list, beside the request, with a link to it; and the other request.
    assert TWIN in sections[first][: sections[first].index("</section>")]
    assert "Same name" in sections[first][: sections[first].index("</section>")]
    assert f'href="#r-{third}"' in sections[first][: sections[first].index("</section>")]
    assert "No organisation on the list has a close name." in sections[second][: sections[second].index("</section>")]
    assert "garden@example.ca" in text and "Français" in text  # the contact and their language, for administrators


def test_approving_under_an_edited_name_adds_it_to_both_languages_and_emails_the_links(
    app, admin, client, endorsements, mail_server
):
    ident = make_request(app, "Masjid Noor Al Huda", "amina@example.ca", lang="fr", province="ON")
    deliver(app)  # the confirmation email
    before = client.get("/api/count").get_json()["endorsements"]

    data = {"csrf_token": token(admin, PAGE), f"approve-{ident}-name": " Masjid  Noor al-Huda "}
    response = admin.post(f"{PAGE}{ident}/approve", data=data)

    assert response.status_code == 303
    assert "Masjid Noor al-Huda is on the list" in text_of(admin.get(PAGE))
    assert client.get("/api/count").get_json()["endorsements"] == before + 1
    for lang in ("en", "fr"):
        assert public_names(client, lang).count("Masjid Noor al-Huda") == 1
        assert "Masjid Noor al-Huda" in names_under_letter(client, "M", lang)
    assert "Endorsed by 415 organisations" in text_of(client.get("/en/"))
    request = request_row(app, ident)
    row = endorsement(app, "masjid-noor-al-huda")
    assert (request.status, request.endorsement_id, request.decided_by) == ("approved", row.id, "admin@example.org")
    [(actor, detail)] = audit(app, "endorsement request approved")
    assert actor == "admin@example.org"
    assert detail == {
        "request": ident,
        "asked_name": "Masjid Noor Al Huda",
        "name": "Masjid Noor al-Huda",
        "slug": "masjid-noor-al-huda",
        "endorsement": row.id,
    }

    # The contact's email, in French, and every link in it works.
    deliver(app)
    message = mail_server.messages[-1]
    assert message["To"] == "amina@example.ca"
    assert message["Subject"] == "Masjid Noor al-Huda appuie maintenant la lettre ouverte"
    text = mail_text(message)
    links = [link.rstrip(".") for link in re.findall(r"http://localhost(/\S+)", text)]
    assert "/fr/o/masjid-noor-al-huda" in links and "/en/o/masjid-noor-al-huda" in links
    assert "/fr/o/masjid-noor-al-huda/qr.png?download=1" in links
    assert "/fr/o/masjid-noor-al-huda/figures-link" in links
    stats = next(link for link in links if "/stats/" in link)
    for link in links:
        opened = client.get(link)
        assert opened.status_code == 200, link
    assert "Cette lettre vous est transmise par Masjid Noor al-Huda" in text_of(client.get("/fr/o/masjid-noor-al-huda"))
    assert client.get("/fr/o/masjid-noor-al-huda/qr.png").mimetype == "image/png"
    assert "Statistiques de Masjid Noor al-Huda" in text_of(client.get(stats))
    assert 'src="http://localhost/fr/o/masjid-noor-al-huda/qr.png"' in html_of(message)
    assert "amina@example.ca" not in client.get("/fr/o/masjid-noor-al-huda").get_data(as_text=True)


def test_a_name_already_taken_gets_a_slug_of_its_own(app, endorsements):
    ident = make_request(app, TWIN)
    slug = approve(app, ident)
    assert slug == "islamic-centre-of-quebec-2"
    assert endorsement(app, "islamic-centre-of-quebec").name == TWIN  # the bundled one is untouched


def test_declining_records_the_reason_and_sends_a_short_note(app, admin, endorsements, mail_server):
    ident = make_request(app, "Spam Megastore Canada", "spam@example.ca")
    deliver(app)
    before = len(public_names(app.test_client()))

    data = {"csrf_token": token(admin, PAGE), f"decline-{ident}-reason": "A shop, not an organisation"}
    response = admin.post(f"{PAGE}{ident}/decline", data=data)

    assert response.status_code == 303
    text = text_of(admin.get(PAGE))
    assert "No request waits for a review." in text
    assert "Declined" in text and "A shop, not an organisation" in text
    assert len(public_names(app.test_client())) == before
    assert request_row(app, ident).decline_reason == "A shop, not an organisation"
    [(actor, detail)] = audit(app, "endorsement request declined")
    assert (actor, detail["reason"]) == ("admin@example.org", "A shop, not an organisation")
    deliver(app)
    note = mail_server.messages[-1]
    assert note["Subject"] == "Your request to endorse the open letter"
    assert "not able to add it" in mail_text(note)
    assert "A shop" not in mail_text(note)  # the reason stays with the administrators


def test_an_empty_name_or_reason_shows_the_form_again_with_its_error(app, admin, endorsements):
    ident = make_request(app)
    for path, field, message in [
        ("approve", f"approve-{ident}-name", "Please enter the organisation"),
        ("decline", f"decline-{ident}-reason", "Please give a reason."),
    ]:
        response = admin.post(f"{PAGE}{ident}/{path}", data={"csrf_token": token(admin, PAGE), field: "  "})
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert message in unescape(html)
        assert f'id="{field}"' in html and 'aria-invalid="true"' in html
    assert request_row(app, ident).status == "confirmed"


def test_a_request_is_decided_once(app, admin, endorsements):
    ident = make_request(app)
    csrf = token(admin, PAGE)
    first = admin.post(f"{PAGE}{ident}/approve", data={"csrf_token": csrf, f"approve-{ident}-name": "Once"})
    second = admin.post(f"{PAGE}{ident}/decline", data={"csrf_token": csrf, f"decline-{ident}-reason": "Twice"})

    assert first.status_code == second.status_code == 303
    assert "was decided already" in text_of(admin.get(PAGE))
    assert request_row(app, ident).status == "approved"
    assert admin.post(f"{PAGE}999/approve", data={"csrf_token": csrf}).status_code == 404
    unconfirmed = make_request(app, "Quiet", "quiet@example.ca", confirm=False)
    admin.post(f"{PAGE}{unconfirmed}/approve", data={"csrf_token": csrf, f"approve-{unconfirmed}-name": "Quiet"})
    assert request_row(app, unconfirmed).status == "unconfirmed"


def test_the_page_needs_an_administrator(client):
    assert client.get(PAGE).status_code in (302, 303)
    assert client.post(f"{PAGE}1/approve").status_code in (302, 303, 400, 401)


def test_the_commands_list_approve_and_decline(app, runner, endorsements):
    first = make_request(app, "Islamic Center of Quebec", "amina@example.ca")
    second = make_request(app, "Some Choir", "choir@example.ca")

    listed = runner.invoke(args=["endorsements", "requests"])
    assert listed.exit_code == 0
    assert f"{first}\tIslamic Center of Quebec\tAmina Diallo <amina@example.ca>\ten" in listed.output
    assert "close to the organisation 'Islamic Centre of Quebec' (100%)" in listed.output

    approved = runner.invoke(args=["endorsements", "approve", str(first), "--name", "Islamic Center of Quebec City"])
    assert approved.exit_code == 0, approved.output
    assert "/o/islamic-center-of-quebec-city" in approved.output
    declined = runner.invoke(args=["endorsements", "decline", str(second), "--reason", "Not an organisation"])
    assert declined.exit_code == 0, declined.output
    again = runner.invoke(args=["endorsements", "decline", str(second), "--reason", "Again"])
    assert again.exit_code != 0 and "not waiting for a review" in again.output
    assert runner.invoke(args=["endorsements", "decline", str(first)]).exit_code != 0  # --reason is required
    assert runner.invoke(args=["endorsements", "approve", "12345"]).exit_code != 0
    assert [actor for actor, _ in audit(app, "endorsement request approved")] == [None]
    assert "No request waits for a review." in runner.invoke(args=["endorsements", "requests"]).output


def test_the_bundled_import_never_removes_an_approved_organisation(app, runner, endorsements):
    slug = approve(app, make_request(app, "A Joined Association"))

    result = runner.invoke(args=["endorsements", "import", "--remove-missing"])

    assert result.exit_code == 0, result.output
    assert "1 joined through a request to endorse" in result.output
    assert "removed:" not in result.output
    joined = endorsement(app, slug)
    assert joined is not None and joined.position == 415
    with app.app_context():
        assert import_endorsements().joined == ["A Joined Association"]


def test_another_process_shows_the_new_organisation_within_the_counters_seconds(app, client, endorsements):
    """An organisation added by another process (here, behind this process's caches' back) shows in
    this one's letter page and count once ``COUNT_CACHE_SECONDS`` have passed."""
    app.config["COUNT_CACHE_SECONDS"] = 1.0
    assert "Added Elsewhere Society" not in public_names(client)
    with app.app_context():
        db.session.add(Endorsement(name="Added Elsewhere Society", slug="added-elsewhere", position=999))
        db.session.commit()
    assert "Added Elsewhere Society" not in public_names(client)  # still within the cache's second
    time.sleep(1.1)
    assert "Added Elsewhere Society" in names_under_letter(client, "A")
    assert "Added Elsewhere Society" in names_under_letter(client, "A", "fr")
    assert client.get("/api/count").get_json()["endorsements"] == 415
    assert client.get("/en/o/added-elsewhere").status_code == 200
