"""The export of confirmed signatures: what it holds, and how a spreadsheet reads it."""

import codecs
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.support import Translations

from petition.extensions import db
from petition.signing.export import ExportFilterError, ExportFilters, count_rows, csv_chunks, row_batches
from petition.signing.models import Signature
from tests.export_helpers import (
    FORMULAS,
    HEADER,
    add,
    exported,
    names,
    read,
    records,
)


def test_the_export_holds_exactly_the_confirmed_signatures(app, every_state):
    data = exported(app)
    assert names(data) == every_state
    with app.app_context():
        assert count_rows(ExportFilters()) == len(every_state)


def test_header_columns_and_cells(app):
    with app.test_request_context():
        signature = add(
            "Élodie", "Tremblay", "elodie@example.ca", province="QC", city=None, lang="fr", wants_updates=True
        )
        other = add("Sam", "Smith", "sam@example.org", share_ref="ref:poster-gatineau")
        signatures = {s.id: s for s in db.session.execute(db.select(Signature)).scalars()}
    header, first, second = read(exported(app))
    assert header == HEADER
    tz = ZoneInfo("America/Toronto")
    stored = signatures[signature.id]
    assert first[:4] == ["Élodie", "Tremblay", "", "QC"]
    assert first[6:8] == ["fr", "yes"]
    for cell, moment in ((first[4], stored.created_at), (first[5], stored.confirmed_at)):
        parsed = datetime.fromisoformat(cell)
        assert parsed == moment.replace(microsecond=0, tzinfo=moment.tzinfo or UTC)
        assert parsed.utcoffset() == parsed.astimezone(tz).utcoffset()
    assert datetime.fromisoformat(first[8]) == stored.updates_consented_at.replace(microsecond=0, tzinfo=UTC)
    assert first[9] == ""
    assert second[:4] == ["Sam", "Smith", "Ottawa", "ON"]
    assert second[7:] == ["no", "", "ref:poster-gatineau"]
    assert signatures[other.id].email not in exported(app).decode("utf-8-sig")


@pytest.mark.parametrize("field", ["first_name", "last_name", "city"])
@pytest.mark.parametrize("value", FORMULAS)
def test_formula_cells_are_neutralised(app, field, value):
    fields = {"first_name": "Ada", "last_name": "Lovelace", "city": "London"} | {field: value}
    with app.test_request_context():
        add(fields.pop("first_name"), fields.pop("last_name"), "ada@example.org", **fields)
    [row] = records(exported(app))
    cell = row[{"first_name": "First name", "last_name": "Last name", "city": "City"}[field]]
    assert cell == "'" + value
    assert [row["First name"], row["Last name"], row["City"]].count(cell) == 1


def test_cells_that_only_contain_formula_characters_are_left_alone(app):
    with app.test_request_context():
        add("Anne-Marie", "Smith+Jones", "anne@example.org", city="Saint-Jérôme", share_ref="ref:a=b")
    [row] = records(exported(app))
    assert (row["First name"], row["Last name"], row["City"], row["Share reference"]) == (
        "Anne-Marie",
        "Smith+Jones",
        "Saint-Jérôme",
        "ref:a=b",
    )


def test_share_references_and_emails_are_neutralised_too(app):
    with app.test_request_context():
        add("Ada", "Lovelace", "=cmd@example.org", share_ref="@evil")
    [row] = records(exported(app, include_email=True))
    assert row["Share reference"] == "'@evil"
    assert row["Email"] == "'=cmd@example.org"


def test_utf8_with_a_bom_and_crlf_line_ends(app, every_state):
    data = exported(app)
    assert data.startswith(codecs.BOM_UTF8)
    assert data.count(codecs.BOM_UTF8) == 1
    lines = data.split(b"\r\n")
    assert lines[-1] == b""
    assert all(b"\n" not in line for line in lines)
    assert "Côté-Ñúñez".encode() in data
    assert "Trois-Rivières".encode() in data


def test_emails_only_when_asked(app, every_state):
    plain = exported(app).decode("utf-8-sig")
    assert "@example" not in plain
    assert "Email" not in read(plain.encode("utf-8-sig"))[0]
    rows = records(exported(app, include_email=True))
    assert sorted(row["Email"] for row in rows) == ["elodie@example.ca", "hidden@example.org", "zoe@example.net"]
    assert list(rows[0])[:-1] == HEADER and list(rows[0])[-1] == "Email"


def test_header_in_french_follows_the_catalogue(app):
    with app.test_request_context():
        add("Élodie", "Tremblay", "elodie@example.ca", wants_updates=True)
        catalogue = Translations.load(app.config["BABEL_TRANSLATION_DIRECTORIES"], ["fr_CA"])
        header, row = read(exported(app, include_email=True, lang="fr"))
    assert header == [catalogue.gettext(label) for label in [*HEADER, "Email"]]
    assert row[7] == catalogue.gettext("yes")


def test_an_unknown_language_is_refused(app):
    with app.app_context(), pytest.raises(ExportFilterError):
        list(csv_chunks(ExportFilters(), lang="de"))


def confirmed_on(app, **moments):
    """Signatures confirmed at the given UTC times, named after the keywords."""
    with app.test_request_context():
        for name, moment in moments.items():
            signature = add(name, "Person", f"{name.lower()}@example.org")
            db.session.execute(db.update(Signature).where(Signature.id == signature.id).values(confirmed_at=moment))
        db.session.commit()


def first_names(app, filters):
    return sorted(row["First name"] for row in records(exported(app, filters)))


# In Toronto (UTC-5 in November) B signed late on the 9th, although it was the 10th in UTC.
MOMENTS = {
    "A": datetime(2026, 11, 9, 12, 0, tzinfo=UTC),
    "B": datetime(2026, 11, 10, 4, 30, tzinfo=UTC),
    "C": datetime(2026, 11, 10, 5, 30, tzinfo=UTC),
    "D": datetime(2026, 11, 11, 12, 0, tzinfo=UTC),
}


def test_days_are_the_campaigns_and_both_ends_count(app):
    confirmed_on(app, **MOMENTS)
    assert first_names(app, ExportFilters(since=date(2026, 11, 10))) == ["C", "D"]
    assert first_names(app, ExportFilters(until=date(2026, 11, 9))) == ["A", "B"]
    assert first_names(app, ExportFilters(since=date(2026, 11, 10), until=date(2026, 11, 10))) == ["C"]
    assert first_names(app, ExportFilters(since=date(2026, 11, 12))) == []
    with app.app_context():
        assert count_rows(ExportFilters(since=date(2026, 11, 10))) == 2


@pytest.mark.parametrize("app_config", [{"CAMPAIGN_TIMEZONE": "UTC"}])
def test_the_time_zone_is_a_setting(app):
    confirmed_on(app, **MOMENTS)
    assert first_names(app, ExportFilters(until=date(2026, 11, 9))) == ["A"]
    [row] = [row for row in records(exported(app)) if row["First name"] == "B"]
    assert row["Confirmed at"] == "2026-11-10T04:30:00+00:00"


def test_filters_by_province_and_consent(app, every_state):
    with app.test_request_context():
        add("Marc", "Roy", "marc@example.org", province="QC", wants_updates=False)
    assert first_names(app, ExportFilters(province="QC")) == ["Marc", "Élodie"]
    assert first_names(app, ExportFilters(province="QC", updates="yes")) == ["Élodie"]
    assert first_names(app, ExportFilters(updates="no")) == ["Hidden", "Marc", "Zoë"]
    assert first_names(app, ExportFilters(province="NU")) == []


def test_filters_from_text(app):
    assert ExportFilters.parse(since="2026-11-01", until="", province="qc", updates="YES") == ExportFilters(
        since=date(2026, 11, 1), province="QC", updates="yes"
    )
    assert ExportFilters.parse() == ExportFilters()


@pytest.mark.parametrize(
    "values",
    [
        {"since": "2026-13-01"},
        {"until": "yesterday"},
        {"province": "ZZ"},
        {"updates": "maybe"},
        {"since": "2026-11-10", "until": "2026-11-01"},
    ],
)
def test_bad_filters_are_refused(values):
    with pytest.raises(ExportFilterError):
        ExportFilters.parse(**values)


def export_rows(filters, batch_size=1000):
    return [row for batch in row_batches(filters, batch_size=batch_size) for row in batch]


def test_batches_cover_every_row_once_in_order(app):
    with app.test_request_context():
        for n in range(7):
            add(f"Person{n}", "Batch", f"p{n}@example.org")
        add("Pending", "Batch", "pending@example.org", confirm=False)
        whole = list(export_rows(ExportFilters()))
        assert list(export_rows(ExportFilters(), batch_size=2)) == whole
        assert list(export_rows(ExportFilters(), batch_size=7)) == whole
        chunks = list(csv_chunks(ExportFilters(), batch_size=3))
    assert [row[0] for row in whole] == [f"Person{n}" for n in range(7)]
    assert len(chunks) == 1 + 3  # the header, then batches of 3, 3 and 1
    assert read("".join(chunks).encode())[1:] == [list(row) for row in whole]


def test_an_empty_export_is_a_header(app):
    assert read(exported(app)) == [HEADER]
