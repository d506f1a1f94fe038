"""A contact asks for their organisation's figures link again, from its share page: the page says
the same thing whatever the address given, the request does the same work, and only the contact's
address receives the link (read from a real SMTP server)."""

import pytest

from petition.endorsements import figures_links
from petition.endorsements.request_models import ReceivedFiguresAsk
from petition.extensions import db
from petition.mail.models import OutboxMessage
from tests.joining_helpers import approve, make_request
from tests.mailserver import link_in, text_of
from tests.signing_helpers import deliver, path_of
from tests.support import csrf_token_from


@pytest.fixture
def app_config(mail_config):
    return mail_config


@pytest.fixture
def joined(app, endorsements):
    """An organisation that joined through a request; its contact asked in French."""
    slug = approve(app, make_request(app, "Masjid Noor Al Huda", "Amina.Diallo+letter@example.ca", lang="fr"))
    deliver(app)  # the confirmation and the approval
    return slug


def ask_for_link(client, slug, email, lang="en", **extra):
    page = client.get(f"/{lang}/o/{slug}/figures-link")
    assert page.status_code == 200
    data = {"csrf_token": csrf_token_from(page.get_data(as_text=True)), "email": email, **extra}
    return client.post(f"/{lang}/o/{slug}/figures-link", data=data)


def comparable(response):
    headers = {k: v for k, v in response.headers.items() if k.lower() not in ("set-cookie", "date")}
    return response.status_code, headers, response.get_data()


def outbox_count(app):
    with app.app_context():
        return db.session.execute(db.select(db.func.count()).select_from(OutboxMessage)).scalar_one()


def test_the_share_page_links_to_it(client, joined):
    page = client.get(f"/en/o/{joined}").get_data(as_text=True)
    assert f'href="/en/o/{joined}/figures-link"' in page


def test_a_matching_and_a_stranger_address_get_the_same_answer_and_only_the_contact_the_link(
    app, client, joined, mail_server
):
    sent_before = len(mail_server.messages)
    queued_before = outbox_count(app)
    matching = ask_for_link(client, joined, "amina.diallo@example.ca")  # the same mailbox, written otherwise
    stranger = ask_for_link(client, joined, "stranger@example.ca")
    assert comparable(matching) == comparable(stranger)
    assert matching.status_code == 303
    page_after_match = client.get(matching.headers["Location"])
    page_after_stranger = client.get(stranger.headers["Location"])
    assert comparable(page_after_match) == comparable(page_after_stranger)
    assert "on its way there" in page_after_match.get_data(as_text=True)
    # In the web request, both only recorded the ask: nothing was looked up or queued yet.
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(ReceivedFiguresAsk)).scalar_one() == 2
    assert outbox_count(app) == queued_before

    deliver(app)

    new = mail_server.messages[sent_before:]
    assert [message["To"] for message in new] == ["Amina.Diallo+letter@example.ca"]
    [message] = new
    assert message["Subject"] == "The private link to the figures of Masjid Noor Al Huda"  # asked from an English page
    stats = link_in(message, f"o/{joined}/stats")
    assert "Figures for Masjid Noor Al Huda" in client.get(path_of(stats)).get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(ReceivedFiguresAsk)).scalar_one() == 0
    assert "stranger@example.ca" not in str([m.to_address for m in outbox_rows(app)])


def outbox_rows(app):
    with app.app_context():
        rows = db.session.execute(db.select(OutboxMessage)).scalars().all()
        db.session.expunge_all()
        return rows


def test_an_organisation_of_the_bundled_list_answers_the_same_and_sends_nothing(app, client, joined, mail_server):
    before = len(mail_server.messages)
    bundled = ask_for_link(client, "al-rashid-mosque-2", "amina.diallo@example.ca")
    assert bundled.status_code == 303
    deliver(app)
    assert len(mail_server.messages) == before


def test_no_more_than_the_days_links_reach_the_contact(app, client, joined, mail_server):
    app.config["ENDORSEMENT_EMAILS_PER_DAY"] = 2
    before = len(mail_server.messages)
    for _ in range(4):
        assert ask_for_link(client, joined, "amina.diallo@example.ca", lang="fr").status_code == 303
    deliver(app)
    new = mail_server.messages[before:]
    assert len(new) == 2
    assert new[0]["Subject"] == "Le lien privé vers les statistiques de Masjid Noor Al Huda"
    assert "Bonjour Amina Diallo," in text_of(new[0])


def test_a_bad_address_is_a_400_and_an_unknown_organisation_a_404(app, client, joined):
    response = ask_for_link(client, joined, "not-an-address")
    assert response.status_code == 400
    assert "Please enter a valid email address" in response.get_data(as_text=True)
    assert client.get("/en/o/no-such-organisation/figures-link").status_code == 404
    assert client.get("/en/o/no-such-organisation/figures-link/asked").status_code == 404
    assert client.post(f"/en/o/{joined}/figures-link", data={"email": "a@example.ca"}).status_code == 400  # no CSRF


def test_the_honeypot_records_nothing_and_looks_the_same(app, client, joined):
    bot = ask_for_link(client, joined, "amina.diallo@example.ca", fax="x")
    person = ask_for_link(client, joined, "stranger@example.ca")
    assert comparable(bot) == comparable(person)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(ReceivedFiguresAsk)).scalar_one() == 1


def test_an_ask_that_fails_is_dropped_and_the_others_answered(app, joined, monkeypatch, mail_server):
    with app.app_context():
        figures_links.receive("broken", "amina.diallo@example.ca", "en")
        figures_links.receive(joined, "amina.diallo@example.ca", "en")
        real = figures_links.answer

        def answer(ask):
            if ask.slug == "broken":
                raise RuntimeError("a bug")
            return real(ask)

        monkeypatch.setattr(figures_links, "answer", answer)
        assert figures_links.take_in() == 2
        assert db.session.execute(db.select(db.func.count()).select_from(ReceivedFiguresAsk)).scalar_one() == 0
        db.session.remove()
    before = len(mail_server.messages)
    deliver(app)
    assert len(mail_server.messages) == before + 1
