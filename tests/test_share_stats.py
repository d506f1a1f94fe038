"""An organisation's private figures: what its page shows, that it agrees with the signatures
through everything that can happen to them, and who can open it."""

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from petition.extensions import db
from petition.sharing.stats import stats_token
from petition.signing import anonymising, lifecycle, moderation, service
from petition.signing.models import Signature, SignatureStatus, SignatureTally
from petition.timeutil import as_utc, utcnow
from tests.sharing_helpers import ORG, OTHER_ORG
from tests.signing_helpers import make_signature


def signed_at(monkeypatch, app, email, moment, slug=ORG, confirm=True):
    """A signature made (and confirmed) through the signing service at ``moment``, tallies and all."""
    with monkeypatch.context() as patch:
        patch.setattr(service, "utcnow", lambda: moment)
        return make_signature(app, email, share_ref=f"org:{slug}", confirm=confirm)


def test_the_stats_page_shows_an_organisations_confirmed_signatures(
    app, client, endorsements, monkeypatch, signature_factory
):
    signed_at(monkeypatch, app, "one@example.org", datetime(2026, 11, 20, 15, tzinfo=UTC))
    signed_at(monkeypatch, app, "two@example.org", datetime(2026, 11, 22, 15, tzinfo=UTC))
    signature_factory("pending@example.org", share_ref=f"org:{ORG}", confirm=False)
    signature_factory("elsewhere@example.org", share_ref=f"org:{OTHER_ORG}")
    signature_factory("plain@example.org")
    with app.app_context():
        token = stats_token(ORG)

    page = client.get(f"/en/o/{ORG}/stats/{token}")

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "2 confirmed signatures through your link" in html
    assert len(re.findall(r'<th scope="row"><time', html)) == 2  # two different days
    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["X-Robots-Tag"] == "noindex"
    assert "@example.org" not in html


def figures_on_the_page(client, slug):
    """(total, {day: count}) as the organisation reads them on its figures page."""
    with client.application.app_context():
        token = stats_token(slug)
    page = client.get(f"/en/o/{slug}/stats/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    total = re.search(r"([\d,]+) confirmed signatures? through your link", html).group(1)
    days = re.findall(r'<th scope="row"><time datetime="([\d-]+)">[^<]*</time></th><td>([\d,]+)</td>', html)
    return int(total.replace(",", "")), {day: int(n.replace(",", "")) for day, n in days}


def counted_from_the_signatures(app, slug):
    """The same figures counted directly: each confirmed signature, on its day in the campaign's zone."""
    zone = ZoneInfo(app.config["CAMPAIGN_TIMEZONE"])
    with app.app_context():
        moments = (
            db.session.execute(
                db.select(Signature.confirmed_at).where(
                    Signature.share_ref == f"org:{slug}", Signature.status == SignatureStatus.CONFIRMED
                )
            )
            .scalars()
            .all()
        )
    return len(moments), dict(Counter(as_utc(moment).astimezone(zone).date().isoformat() for moment in moments))


# Two organisations whose references begin alike: neither's figures may take in the other's.
NEIGHBOURS = ("al-rashid-mosque", "al-rashid-mosque-2")


def assert_pages_match_the_signatures(app, client):
    for slug in NEIGHBOURS:
        assert figures_on_the_page(client, slug) == counted_from_the_signatures(app, slug)


def signature_of(email):
    return db.session.execute(db.select(Signature).where(Signature.email == email)).scalar_one()


def test_the_stats_page_agrees_with_the_signatures_through_everything_that_can_happen(
    app, client, runner, endorsements, monkeypatch
):
    first, second = NEIGHBOURS
    # Around midnight in Toronto (05:00 UTC in winter), and on the night the clocks go forward.
    moments = {
        "late@example.org": (first, datetime(2026, 11, 27, 4, 30, tzinfo=UTC)),
        "midnight@example.org": (first, datetime(2026, 11, 27, 5, 10, tzinfo=UTC)),
        "same-hour@example.org": (first, datetime(2026, 11, 27, 5, 50, tzinfo=UTC)),
        "spring@example.org": (first, datetime(2026, 3, 8, 6, 30, tzinfo=UTC)),
        "neighbour@example.org": (second, datetime(2026, 11, 27, 5, 20, tzinfo=UTC)),
        "neighbour-too@example.org": (second, datetime(2026, 11, 26, 20, 0, tzinfo=UTC)),
    }
    for email, (slug, moment) in moments.items():
        signed_at(monkeypatch, app, email, moment, slug)
    signed_at(monkeypatch, app, "pending@example.org", utcnow() - timedelta(days=10), first, confirm=False)
    assert figures_on_the_page(client, first) == (4, {"2026-03-08": 1, "2026-11-26": 1, "2026-11-27": 2})
    assert_pages_match_the_signatures(app, client)

    with app.test_request_context("/"):
        assert service.withdraw(signature_of("same-hour@example.org"))
        assert moderation.invalidate(signature_of("neighbour@example.org"))
    assert figures_on_the_page(client, first) == (3, {"2026-03-08": 1, "2026-11-26": 1, "2026-11-27": 1})
    assert_pages_match_the_signatures(app, client)

    # Signing again after withdrawing, and confirming a day later: counted on the new day.
    signed_at(monkeypatch, app, "same-hour@example.org", datetime(2026, 11, 28, 17, tzinfo=UTC), first)
    assert figures_on_the_page(client, first) == (
        4,
        {"2026-03-08": 1, "2026-11-26": 1, "2026-11-27": 1, "2026-11-28": 1},
    )
    assert_pages_match_the_signatures(app, client)

    # The purge, two days from now: the pending signature has been quiet for more than a day by then.
    with app.test_request_context("/"), monkeypatch.context() as patch:
        patch.setattr(lifecycle, "utcnow", lambda: utcnow() + timedelta(days=2))
        assert lifecycle.purge_unconfirmed(1).signatures == 1
    assert_pages_match_the_signatures(app, client)

    with app.test_request_context("/"):
        anonymising.anonymise()
    assert_pages_match_the_signatures(app, client)

    # Lost tallies come back from the signature table with the recount.
    before = figures_on_the_page(client, first)
    with app.app_context():
        db.session.execute(db.delete(SignatureTally))
        db.session.commit()
    assert figures_on_the_page(client, first) == (0, {})
    assert runner.invoke(args=["signatures", "recount"]).exit_code == 0
    assert figures_on_the_page(client, first) == before
    assert_pages_match_the_signatures(app, client)


def test_the_stats_page_never_reads_the_signature_table(app, client, endorsements, signature_factory):
    signature_factory("one@example.org", share_ref=f"org:{ORG}")
    with app.app_context():
        token = stats_token(ORG)
        engine = db.engine
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        page = client.get(f"/en/o/{ORG}/stats/{token}")
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert "1 confirmed signature through your link" in page.get_data(as_text=True)
    assert any("signature_tally" in s for s in statements)
    assert not [s for s in statements if re.search(r"\bFROM signature\b", s)], "the page counted signatures"


def test_the_stats_page_refuses_another_organisations_token(app, client, endorsements):
    with app.app_context():
        token = stats_token(OTHER_ORG)

    page = client.get(f"/fr/o/{ORG}/stats/{token}")

    assert page.status_code == 403
    assert 'lang="fr-CA"' in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "token", ["forged", "eyJvIjoibmF0aW9uYWwtY291bmNpbC1vZi1jYW5hZGlhbi1tdXNsaW1zIn0.x.y", "x" * 600]
)
def test_the_stats_page_refuses_a_forged_token(client, endorsements, token):
    assert client.get(f"/en/o/{ORG}/stats/{token}").status_code == 403


def test_a_token_made_for_another_purpose_does_not_open_the_stats(app, client, endorsements):
    from petition.tokens import make_token

    with app.app_context():
        token = make_token("signature-confirm", {"o": ORG})

    assert client.get(f"/en/o/{ORG}/stats/{token}").status_code == 403


def test_the_command_issues_a_stats_link_that_opens_the_page(app, runner, client, endorsements):
    result = runner.invoke(args=["sharing", "stats-link", ORG])

    assert result.exit_code == 0, result.output
    links = dict(line.split(": ", 1) for line in result.output.strip().splitlines())
    assert set(links) == {"en", "fr"}
    path = links["fr"].removeprefix("http://localhost")
    assert client.get(path).status_code == 200


def test_the_command_refuses_an_unknown_organisation(runner, endorsements):
    result = runner.invoke(args=["sharing", "stats-link", "nope"])

    assert result.exit_code == 1
    assert "No endorsing organisation" in result.output
