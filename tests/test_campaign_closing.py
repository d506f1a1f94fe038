"""Closing the letter: the page in both languages, new signatures refused, the grace period of
confirmations, ``/api/count``, the embeddable counter, reopening and a close set for later."""

import re
from datetime import timedelta

import pytest
from babel.numbers import get_group_symbol

from petition.extensions import db
from petition.signing.models import ReceivedSubmission, SignatureStatus
from tests.admin.admin_helpers import text_of
from tests.campaign_helpers import T0, Clock, close, confirm_path, reopen, set_count, status_of
from tests.signing_helpers import VALID, sign, signatures
from tests.support import csrf_token_from

# The closing day and the final count, as each language writes them. (The French words come with
# the catalogue, filled in later for everything at once: the tests read the date and the number.)
CLOSED = {"en": ("March 3, 2026", "12,345"), "fr": ("3 mars 2026", f"12{get_group_symbol('fr_CA')}345")}
CLOSED_SENTENCE = "This letter closed on March 3, 2026 with 12,345 verified signatures."


def banner(response):
    """The text of the page's closed banner."""
    html = response.get_data(as_text=True)
    start = html.index('<p class="closed-banner">')
    # Spaces of the markup only: the no-break space inside a French number is the number's own.
    return re.sub(r"[ \t\n]+", " ", html[start : html.index("</p>", start)].split(">", 1)[1]).strip()


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def closed(app, clock):
    """The letter closed at T0 with 12,345 verified signatures, and the clock a minute later."""
    clock.set(T0)
    close(app)
    set_count(app, 12345)
    clock.set(T0 + timedelta(minutes=1))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_closed_letter_says_when_it_closed_and_with_how_many_instead_of_the_form(app, client, closed, lang):
    response = client.get(f"/{lang}/")
    assert response.status_code == 200
    day, number = CLOSED[lang]
    assert day in banner(response) and number in banner(response)
    if lang == "en":
        assert banner(response) == CLOSED_SENTENCE
    html = response.get_data(as_text=True)
    assert f'action="/{lang}/sign"' not in html
    assert 'href="#sign"' not in html
    # No bar toward a goal that nobody can help reach any more.
    assert "<progress" not in html


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_signing_a_closed_letter_is_a_410_with_that_page_and_stores_nothing(app, client, clock, lang):
    token = csrf_token_from(client.get(f"/{lang}/").get_data(as_text=True))
    clock.set(T0)
    close(app)
    set_count(app, 12345)
    response = client.post(f"/{lang}/sign", data={**VALID, "csrf_token": token})
    assert response.status_code == 410
    day, number = CLOSED[lang]
    assert day in banner(response) and number in banner(response)
    assert f'action="/{lang}/sign"' not in response.get_data(as_text=True)
    assert f'<html lang="{lang}-CA"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(ReceivedSubmission)).first() is None
    assert signatures(app) == []


def test_reopening_brings_the_form_back_and_signing_works_again(app, client, closed):
    assert reopen(app) is True
    page = client.get("/en/").get_data(as_text=True)
    assert 'action="/en/sign"' in page
    assert "This letter closed" not in page
    assert sign(client).status_code == 303
    assert len(signatures(app)) == 1
    assert reopen(app) is False, "already open"


def test_a_close_set_for_later_keeps_the_letter_open_until_then_and_closes_by_itself(app, client, clock):
    clock.set(T0 - timedelta(hours=2))
    assert close(app, at=T0) == T0
    assert 'action="/en/sign"' in client.get("/en/").get_data(as_text=True)
    assert client.get("/api/count").get_json()["closed_at"] is None
    assert sign(client).status_code == 303

    clock.set(T0 + timedelta(seconds=1))
    page = client.get("/en/").get_data(as_text=True)
    assert 'action="/en/sign"' not in page
    assert banner(client.get("/en/")) == "This letter closed on March 3, 2026 with 0 verified signatures."
    assert client.get("/api/count").get_json()["closed_at"] == "2026-03-03T15:00:00Z"


def pending(signature_factory, email="pending@example.org"):
    return signature_factory(email, confirm=False, lang="fr")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_signer_who_signed_before_the_close_may_confirm_within_the_grace_period(
    app, client, clock, signature_factory, lang
):
    ident = pending(signature_factory)
    clock.set(T0)
    close(app)
    clock.set(T0 + timedelta(hours=48) - timedelta(seconds=1))
    path = confirm_path(app, ident, lang)
    page = client.get(path)
    assert page.status_code == 200
    response = client.post(path, data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert response.status_code == 303
    assert status_of(app, ident) == SignatureStatus.CONFIRMED
    assert client.get("/api/count").get_json()["signatures"] == 1


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_after_the_grace_period_the_confirmation_page_says_the_letter_closed(
    app, client, clock, signature_factory, lang
):
    ident = pending(signature_factory)
    path = confirm_path(app, ident, lang)
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    clock.set(T0)
    close(app)
    clock.set(T0 + timedelta(hours=48))
    for response in (client.get(path), client.post(path, data={"csrf_token": token})):
        assert response.status_code == 410
        text = text_of(response)
        assert ("This letter has closed" if lang == "en" else "Cette lettre est fermée") in text
        assert ("March 5, 2026" if lang == "en" else "5 mars 2026") in text, "when confirming ended"
        assert f'<html lang="{lang}-CA"' in response.get_data(as_text=True)
    assert status_of(app, ident) == SignatureStatus.PENDING
    assert client.get("/api/count").get_json()["signatures"] == 0


def test_a_new_link_is_sent_during_the_grace_period_and_refused_after_it(app, client, clock, signature_factory):
    ident = pending(signature_factory)
    path = confirm_path(app, ident)
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    clock.set(T0)
    close(app)
    clock.set(T0 + timedelta(hours=1))
    assert client.post(path + "/resend", data={"csrf_token": token}).status_code == 303
    clock.set(T0 + timedelta(hours=49))
    refused = client.post(path + "/resend", data={"csrf_token": token})
    assert refused.status_code == 410
    assert "This letter has closed" in text_of(refused)


def test_the_grace_period_is_a_setting(app, client, clock, signature_factory):
    app.config["CAMPAIGN_CONFIRM_GRACE_HOURS"] = 0
    ident = pending(signature_factory)
    clock.set(T0)
    close(app)
    assert client.get(confirm_path(app, ident)).status_code == 410


def test_the_api_adds_closed_at_and_its_etag_follows_the_state(app, client, clock):
    clock.set(T0 - timedelta(minutes=1))
    open_response = client.get("/api/count")
    assert open_response.get_json() == {"signatures": 0, "endorsements": 0, "closed_at": None}
    etag = open_response.headers["ETag"]
    assert client.get("/api/count", headers={"If-None-Match": etag}).status_code == 304

    clock.set(T0)
    close(app)
    closed_response = client.get("/api/count", headers={"If-None-Match": etag})
    assert closed_response.status_code == 200, "a close is news to a poller holding the open ETag"
    assert closed_response.get_json()["closed_at"] == "2026-03-03T15:00:00Z"
    closed_etag = closed_response.headers["ETag"]
    assert closed_etag != etag
    assert client.get("/api/count", headers={"If-None-Match": closed_etag}).status_code == 304

    reopen(app)
    reopened = client.get("/api/count", headers={"If-None-Match": closed_etag})
    assert reopened.status_code == 200
    assert reopened.get_json()["closed_at"] is None
    assert reopened.headers["ETag"] == etag


@pytest.mark.parametrize(("lang", "closed_on"), [("en", "Closed on March 3, 2026"), ("fr", "3 mars 2026")])
def test_the_embeddable_counter_shows_the_final_count_and_the_close(app, client, closed, lang, closed_on):
    response = client.get(f"/{lang}/embed")
    text = text_of(response)
    assert response.status_code == 200
    assert closed_on in text
    html = response.get_data(as_text=True)
    assert f'data-counter="signatures">{CLOSED[lang][1]}<' in html
    assert "#sign" not in html
    assert "<progress" not in html


def test_a_close_made_in_another_process_shows_here_within_the_counters_seconds(app, client, monkeypatch):
    """Each process caches the state for COUNT_CACHE_SECONDS; a close written by another (here,
    straight to the database, as another process's commit) shows once that has passed."""
    import petition.cache

    app.config["COUNT_CACHE_SECONDS"] = 2
    seconds = [1000.0]
    monkeypatch.setattr(petition.cache.time, "monotonic", lambda: seconds[0])
    assert 'action="/en/sign"' in client.get("/en/").get_data(as_text=True)
    with app.app_context():
        from petition.campaign.models import Campaign
        from petition.timeutil import utcnow

        db.session.add(Campaign(id=1, closes_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert 'action="/en/sign"' in client.get("/en/").get_data(as_text=True), "still cached"
    seconds[0] += 2.5
    assert 'action="/en/sign"' not in client.get("/en/").get_data(as_text=True)
    assert client.get("/api/count").get_json()["closed_at"] is not None
