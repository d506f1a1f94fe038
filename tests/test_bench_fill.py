"""bench.fill: bulk-loaded signatures are valid rows that the count, the list and the tallies agree on."""

import html
import re
from datetime import UTC, datetime

import pytest
from markupsafe import escape
from sqlalchemy import text

from bench.fill import fill, main, sqlite_time
from bench.fill.rows import RowMaker, organisation_slugs
from petition.extensions import db
from petition.signers.queries import public_signers, shown
from petition.signing import tallies
from petition.signing.canonical import canonical_email
from petition.signing.models import NameDisplay, Signature, SignatureStatus
from petition.timeutil import as_utc
from tests.signing_helpers import running_totals
from tests.support import using_postgres

UNTIL = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
PER_PAGE = 40


@pytest.fixture
def app_config():
    return {"SIGNERS_PER_PAGE": PER_PAGE}


def names_on(page_html):
    return [html.unescape(name) for name in re.findall(r'<span class="signer-name">([^<]*)</span>', page_html)]


def walk_public_list(client, lang="en"):
    """Every name on /<lang>/signatures, following the "older" links to the last page."""
    names, path = [], f"/{lang}/signatures"
    while path:
        page = client.get(path)
        assert page.status_code == 200, path
        body = page.get_data(as_text=True)
        names += names_on(body)
        older = re.search(r'<a href="([^"]+)" rel="next"', body)
        path = html.unescape(older.group(1)) if older else None
    return names


def test_filled_signatures_are_valid_confirmed_rows(app, migrated_database):
    report = fill(migrated_database, 200, seed=3, until=UNTIL)

    assert (report.added, report.confirmed) == (200, 200)
    with app.app_context():
        rows = db.session.execute(db.select(Signature)).scalars().all()
    assert len(rows) == 200
    assert {row.status for row in rows} == {SignatureStatus.CONFIRMED}
    assert len({row.email_canonical for row in rows}) == 200
    for row in rows:
        assert row.email_canonical == canonical_email(row.email)
        assert row.email_domain == row.email_canonical.rpartition("@")[2]
        assert row.first_name and row.last_name and row.province and row.lang in {"en", "fr"}
        created, confirmed = as_utc(row.created_at), as_utc(row.confirmed_at)
        assert created <= confirmed <= UNTIL
        assert (row.updates_consented_at is not None) == (row.consent_wording is not None) == row.wants_updates
        assert row.share_ref is None or re.fullmatch(r"(org|ref):[a-z0-9-]+", row.share_ref)
        assert row.withdrawn_at is None and row.invalidated_at is None
    # The mix the brief asks for shows even in 200 rows.
    assert {row.display for row in rows} == set(NameDisplay)
    assert any(re.search(r"[^\x00-\x7f]", row.first_name + row.last_name) for row in rows)
    assert any(row.share_ref for row in rows) and any(row.wants_updates for row in rows)
    assert {row.share_ref[4:] for row in rows if (row.share_ref or "").startswith("org:")} <= set(organisation_slugs())


def test_the_count_the_public_list_and_the_tallies_agree_after_a_fill(app, client, migrated_database):
    fill(migrated_database, 200, seed=5, until=UNTIL)

    with app.app_context():
        confirmed = db.session.execute(
            db.select(db.func.count()).select_from(Signature).where(Signature.status == SignatureStatus.CONFIRMED)
        ).scalar_one()
        public = db.session.execute(db.select(db.func.count()).select_from(Signature).where(*shown())).scalar_one()
        newest = public_signers(public + 10)
        assert tallies.computed_totals() == running_totals()
    assert client.get("/api/count").get_json()["signatures"] == confirmed == 200
    assert len(newest) == public < confirmed
    # The list, page by page through the site, shows each public signer once, newest first.
    names = walk_public_list(client)
    assert names == [signer.name for signer in newest]
    first_page = client.get("/fr/signatures").get_data(as_text=True)
    assert str(escape(newest[0].name)) in first_page


def test_filling_again_adds_to_what_is_there(app, client, migrated_database):
    fill(migrated_database, 30, seed=1, until=UNTIL)
    report = fill(migrated_database, 20, seed=1, until=UNTIL)

    assert (report.added, report.confirmed) == (20, 50)
    assert client.get("/api/count").get_json()["signatures"] == 50
    with app.app_context():
        emails = db.session.execute(db.select(Signature.email_canonical)).scalars().all()
    assert len(set(emails)) == 50


def test_the_same_seed_gives_the_same_rows():
    slugs = organisation_slugs()

    def rows(seed):
        return [row for batch in RowMaker(120, 1, seed, UNTIL, slugs).batches(50) for row in batch]

    assert rows(7) == rows(7)
    assert rows(7) != rows(8)


@pytest.mark.skipif(using_postgres(), reason="SQLite stores times as text")
def test_times_are_written_as_sqlalchemy_writes_them(app, migrated_database):
    fill(migrated_database, 5, seed=2, until=UNTIL)
    with app.app_context():
        db.session.add(
            Signature(
                status=SignatureStatus.CONFIRMED,
                first_name="Élodie",
                last_name="Tremblay",
                email="orm@example.org",
                email_canonical="orm@example.org",
                email_domain="example.org",
                province="QC",
                display=NameDisplay.FULL,
                lang="fr",
                confirmed_at=UNTIL,
            )
        )
        db.session.commit()
        stored = db.session.execute(text("SELECT email, confirmed_at FROM signature")).all()
    pattern = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}")
    assert all(pattern.fullmatch(moment) for _, moment in stored)
    assert dict(stored)["orm@example.org"] == sqlite_time(UNTIL)


def test_bad_arguments_are_refused(migrated_database, capsys):
    with pytest.raises(ValueError, match="count"):
        fill(migrated_database, -1)
    with pytest.raises(ValueError, match="SQLite file"):
        fill("sqlite:///:memory:", 1)
    with pytest.raises(SystemExit) as exit_info:
        main([migrated_database, "-5"])
    assert exit_info.value.code == 2
    assert "COUNT must be at least 0" in capsys.readouterr().err
