"""The public list of signers: exactly who chose to be shown, as they chose, newest first."""

import re
from datetime import timedelta

import pytest

from petition.extensions import db
from petition.signing import moderation, service
from petition.signing.models import Signature
from petition.timeutil import utcnow


@pytest.fixture
def app_config():
    return {"SIGNERS_PER_PAGE": 3, "RECENT_SIGNERS_SHOWN": 2}


def names_on(page):
    return re.findall(r'<span class="signer-name">([^<]*)</span>', page.get_data(as_text=True))


def test_only_confirmed_shown_signers_appear_as_they_chose(app, client, signature_factory):
    signature_factory("full@example.org", first="Marie", last="Tremblay", display="full")
    signature_factory("initial@example.org", first="Jean", last="Ouellet", display="initial", minutes_ago=1)
    signature_factory("hidden-name@example.org", first="Nadia", last="Secret", display="none", minutes_ago=2)
    signature_factory("pending@example.org", first="Paul", last="Pending", confirm=False)
    withdrawn = signature_factory("withdrawn@example.org", first="Wanda", last="Withdrawn", minutes_ago=3)
    invalid = signature_factory("invalid@example.org", first="Ivan", last="Invalid", minutes_ago=4)
    hidden = signature_factory("hidden@example.org", first="Hugo", last="Hidden", minutes_ago=5)
    with app.app_context():
        service.withdraw(db.session.get(Signature, withdrawn))
        service.move(db.session.get(Signature, invalid), "invalidated", "invalidated", count_delta=-1)
        db.session.get(Signature, hidden).hidden_at = utcnow()
        db.session.commit()

    page = client.get("/en/signatures")

    assert page.status_code == 200
    assert names_on(page) == ["Marie Tremblay", "Jean O."]
    html = page.get_data(as_text=True)
    for absent in ("Secret", "Pending", "Withdrawn", "Invalid", "Hidden", "@example.org", "203.0.113.9"):
        assert absent not in html
    # Not shown, but counted: Marie, Jean, Nadia and Hugo (hidden by an administrator).
    assert client.get("/api/count").get_json()["signatures"] == 4


def test_places_are_in_the_readers_language(app, client, signature_factory):
    signature_factory("a@example.org", city="Gatineau", province="QC")
    signature_factory("b@example.org", city=None, province="XX", minutes_ago=1)

    english = client.get("/en/signatures").get_data(as_text=True)
    french = client.get("/fr/signatures").get_data(as_text=True)

    assert "Gatineau, Quebec" in english and "Outside Canada" in english
    assert "Gatineau, Québec" in french and "À l’extérieur du Canada" in french
    assert 'lang="fr-CA"' in french


def test_a_name_that_looks_like_markup_is_shown_as_text(app, client, signature_factory):
    ident = signature_factory("markup@example.org")
    with app.app_context():
        signature = db.session.get(Signature, ident)
        signature.first_name, signature.last_name = "<script>alert(1)</script>", "O'Brien & <b>Co</b>"
        db.session.commit()

    html = client.get("/en/signatures").get_data(as_text=True)

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; O&#39;Brien &amp; &lt;b&gt;Co&lt;/b&gt;" in html


def test_pages_walk_back_in_time_without_repeating_anyone(app, client, signature_factory):
    for n in range(7):
        signature_factory(f"s{n}@example.org", first=f"Signer{n}", last="Test", minutes_ago=n)

    seen, url = [], "/en/signatures"
    while url:
        page = client.get(url)
        assert page.status_code == 200
        seen.extend(names_on(page))
        older = re.search(r'href="([^"]+)" rel="next"', page.get_data(as_text=True))
        url = older.group(1).replace("&amp;", "&") if older else None

    assert seen == [f"Signer{n} Test" for n in range(7)]


def test_signers_confirmed_in_the_same_instant_are_all_listed(app, client, signature_factory):
    for n in range(5):
        signature_factory(f"same{n}@example.org", first=f"Same{n}", last="Moment")
    with app.app_context():
        moment = utcnow() - timedelta(minutes=1)
        for signature in db.session.execute(db.select(Signature)).scalars():
            signature.confirmed_at = moment
        db.session.commit()

    first = client.get("/en/signatures").get_data(as_text=True)
    older = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = client.get(older)

    assert sorted(
        re.findall(r"Same\d", first) + names_on(second)[:0] + re.findall(r"Same\d", second.get_data(as_text=True))
    ) == [f"Same{n}" for n in range(5)]


@pytest.mark.parametrize("cursor", ["nonsense", "2026-01-01T00:00:00_x", "_12", "x" * 200, "2026-13-45T00:00:00_1"])
def test_a_malformed_page_cursor_is_a_400_in_the_readers_language(app, client, cursor):
    page = client.get("/fr/signatures", query_string={"before": cursor})

    assert page.status_code == 400
    assert 'lang="fr-CA"' in page.get_data(as_text=True)


def test_the_list_says_so_when_nobody_is_shown_yet(app, client):
    page = client.get("/fr/signatures")

    assert page.status_code == 200
    assert names_on(page) == []


def test_the_letter_page_shows_the_newest_few_with_their_town(app, client, endorsements, signature_factory):
    signature_factory("old@example.org", first="Ancien", last="Signataire", minutes_ago=30)
    signature_factory("new@example.org", first="Amélie", last="Gagnon", display="initial", minutes_ago=2)
    signature_factory("newest@example.org", first="Louis", last="Roy", city="Rimouski")

    html = client.get("/fr/").get_data(as_text=True)
    recent = html[html.index('id="recent-heading"') :]

    assert names_on_text(recent) == ["Louis Roy", "Amélie G."]
    assert "Ancien" not in recent
    assert "(Rimouski, Québec)" in recent
    assert "il y a 2 minutes" in recent


def names_on_text(html):
    return re.findall(r'<span class="signer-name">([^<]*)</span>', html)


def test_the_list_gives_the_total_and_says_some_chose_not_to_show_their_name(app, client, signature_factory):
    signature_factory("a@example.org", first="Marie", last="Tremblay")
    signature_factory("b@example.org", first="Jean", last="Roy", minutes_ago=1)
    signature_factory("c@example.org", first="Nadia", last="Secret", display="none", minutes_ago=2)
    signature_factory("d@example.org", first="Paul", last="Pending", confirm=False)

    english = client.get("/en/signatures").get_data(as_text=True)
    french = client.get("/fr/signatures").get_data(as_text=True)

    assert '<p class="signers-total">3 confirmed signatures</p>' in english
    assert "1 signer chose not to show their name: their signature is counted all the same." in english
    assert '<p class="signers-total">3\u00a0signatures confirmées</p>' in french
    assert "1 signataire a choisi de ne pas afficher son nom\u00a0: sa signature est comptée quand même." in french


def test_the_list_says_nothing_of_hidden_names_when_everyone_is_shown(app, client, signature_factory):
    signature_factory("a@example.org", first="Marie", last="Tremblay")

    english = client.get("/en/signatures").get_data(as_text=True)

    assert '<p class="signers-total">1 confirmed signature</p>' in english
    assert "chose not to show" not in english


def test_a_name_hidden_by_the_moderators_is_never_said_to_have_chosen_it(app, client, signature_factory):
    signature_factory("a@example.org", first="Marie", last="Tremblay")
    hidden = signature_factory("b@example.org", first="Spam", last="Name", minutes_ago=1)
    with app.app_context():
        assert moderation.hide(db.session.get(Signature, hidden))

    english = client.get("/en/signatures").get_data(as_text=True)

    assert '<p class="signers-total">2 confirmed signatures</p>' in english
    assert "Spam" not in english
    assert "chose not to show" not in english


def test_times_carry_no_microseconds(app, client, signature_factory):
    signature_factory("a@example.org", first="Marie", last="Tremblay")

    for path in ("/en/signatures", "/fr/"):
        html = client.get(path).get_data(as_text=True)
        moments = re.findall(r'<time datetime="([^"]*)"', html)
        assert moments, path
        for moment in moments:
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", moment), (path, moment)
