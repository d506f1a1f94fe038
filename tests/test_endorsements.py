"""``flask --app petition endorsements import``: idempotent, careful with what it deletes, strict on input."""

import csv

import pytest

from petition.endorsements.importer import BUNDLED_LIST, ImportFileError, read_rows
from petition.endorsements.models import Endorsement
from petition.extensions import db

LEAD = "National Council of Canadian Muslims"


def bundled_rows():
    with open(BUNDLED_LIST, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["name", "slug", "lead"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def snapshot(app):
    """Every column of every endorsement, so that "nothing changed" means exactly that."""
    with app.app_context():
        rows = db.session.execute(db.select(Endorsement).order_by(Endorsement.id)).scalars()
        return [(e.id, e.name, e.slug, e.position, e.is_lead, e.created_at, e.updated_at) for e in rows]


def by_slug(app):
    with app.app_context():
        return {e.slug: e.name for e in db.session.execute(db.select(Endorsement)).scalars()}


def run_import(runner, *args):
    return runner.invoke(args=["endorsements", "import", *[str(a) for a in args]])


def test_first_import_adds_the_bundled_list(app, runner):
    result = run_import(runner)
    assert result.exit_code == 0, result.output
    assert "414 added, 0 updated, 0 unchanged." in result.output
    with app.app_context():
        rows = db.session.execute(db.select(Endorsement).order_by(Endorsement.position)).scalars().all()
        assert len(rows) == 414
        assert [row.position for row in rows] == list(range(1, 415))
        assert [row.slug for row in rows] == [row["slug"] for row in bundled_rows()]
        leads = [row.name for row in rows if row.is_lead]
        assert leads == [LEAD]
        assert rows[0].name == LEAD


def test_second_import_changes_nothing(app, runner):
    assert run_import(runner).exit_code == 0
    before = snapshot(app)

    result = run_import(runner)
    assert result.exit_code == 0, result.output
    assert "0 added, 0 updated, 414 unchanged." in result.output
    assert "updated:" not in result.output
    assert "not in file" not in result.output
    assert snapshot(app) == before


def test_the_endorsements_fixture_matches_the_command(app, runner, endorsements):
    result = run_import(runner)
    assert "0 added, 0 updated, 414 unchanged." in result.output


@pytest.fixture
def changed_file(tmp_path):
    """The bundled list with one organisation renamed, the last one dropped and a new one added."""
    rows = bundled_rows()
    renamed, dropped = rows[1], rows[-1]
    rows[1] = {**renamed, "name": renamed["name"] + " (Renamed)"}
    rows[-1] = {"name": "Brand New Association of Example", "slug": "brand-new-association", "lead": "0"}
    path = write_csv(tmp_path / "changed.csv", rows)
    return {"path": path, "renamed": renamed, "dropped": dropped}


def test_a_changed_file_updates_adds_and_reports_missing(app, runner, endorsements, changed_file):
    result = run_import(runner, changed_file["path"])
    assert result.exit_code == 0, result.output
    renamed, dropped = changed_file["renamed"], changed_file["dropped"]
    assert "1 added, 1 updated, 412 unchanged." in result.output
    assert f"updated: {renamed['name']} (Renamed)" in result.output
    assert f"not in file: {dropped['name']}" in result.output
    assert "--remove-missing" in result.output

    names = by_slug(app)
    assert names[renamed["slug"]] == renamed["name"] + " (Renamed)"
    assert names["brand-new-association"] == "Brand New Association of Example"
    assert names[dropped["slug"]] == dropped["name"], "a missing organisation is kept unless asked"
    assert len(names) == 415


def test_remove_missing_deletes_what_is_not_in_the_file(app, runner, endorsements, changed_file):
    result = run_import(runner, "--remove-missing", changed_file["path"])
    assert result.exit_code == 0, result.output
    dropped = changed_file["dropped"]
    assert f"removed: {dropped['name']}" in result.output
    assert "not in file" not in result.output

    names = by_slug(app)
    assert dropped["slug"] not in names
    assert len(names) == 414

    again = run_import(runner, "--remove-missing", changed_file["path"])
    assert "0 added, 0 updated, 414 unchanged." in again.output
    assert "removed:" not in again.output


def test_a_moved_organisation_and_a_new_lead_are_updates(app, runner, tmp_path):
    write_csv(
        tmp_path / "first.csv",
        [
            {"name": "Alpha", "slug": "alpha", "lead": "1"},
            {"name": "Beta", "slug": "beta", "lead": "0"},
        ],
    )
    write_csv(
        tmp_path / "second.csv",
        [
            {"name": "Beta", "slug": "beta", "lead": "1"},
            {"name": "Alpha", "slug": "alpha", "lead": "0"},
        ],
    )
    assert "2 added" in run_import(runner, tmp_path / "first.csv").output
    result = run_import(runner, tmp_path / "second.csv")
    assert "0 added, 2 updated, 0 unchanged." in result.output
    with app.app_context():
        rows = db.session.execute(db.select(Endorsement).order_by(Endorsement.position)).scalars().all()
        assert [(row.slug, row.position, row.is_lead) for row in rows] == [("beta", 1, True), ("alpha", 2, False)]


def test_if_empty_does_nothing_when_the_table_is_filled(app, runner, endorsements, changed_file):
    before = snapshot(app)
    result = run_import(runner, "--if-empty", changed_file["path"])
    assert result.exit_code == 0, result.output
    assert "nothing to do" in result.output
    assert snapshot(app) == before


def test_if_empty_imports_into_an_empty_table(app, runner):
    result = run_import(runner, "--if-empty")
    assert result.exit_code == 0, result.output
    assert "414 added" in result.output
    assert len(by_slug(app)) == 414


def test_names_are_tidied_and_a_bom_is_accepted(app, runner, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffname,slug,lead\r\n  Mosquée   de  Laval ,mosquee-de-laval,0\r\n".encode())
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    assert by_slug(app) == {"mosquee-de-laval": "Mosquée de Laval"}


MALFORMED = {
    "no header": (
        b"National Council of Canadian Muslims,nccm,1\nOther,other,0\n",
        "header",
    ),
    "empty file": (b"", "header"),
    "slug with a NUL byte": (b"name,slug,lead\nFirst,fi\x00rst,0\n", "lowercase letters, digits and dashes"),
    "slug with capitals and spaces": (b"name,slug,lead\nFirst,First One,0\n", "lowercase letters, digits and dashes"),
    "name with a control character": (b"name,slug,lead\nFi\x07rst,first,0\n", "control characters"),
    "duplicate slug": (
        b"name,slug,lead\nFirst,same-slug,0\nSecond,same-slug,0\n",
        "'same-slug' appears twice",
    ),
    "empty name": (
        b"name,slug,lead\nFirst,first,0\n   ,second,0\n",
        "line 3: a name and a slug are required",
    ),
    "empty slug": (
        b"name,slug,lead\nFirst,,0\n",
        "line 2: a name and a slug are required",
    ),
    "two leads": (
        b"name,slug,lead\nFirst,first,1\nSecond,second,1\n",
        "only one organisation can be the lead",
    ),
    "not UTF-8": (
        "name,slug,lead\nMosquée,mosquee,0\n".encode("latin-1"),
        "not UTF-8",
    ),
    "name too long": (
        b"name,slug,lead\n" + b"x" * 301 + b",long,0\n",
        "too long",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_file_fails_clearly_and_changes_nothing(app, runner, endorsements, tmp_path, case):
    content, message = MALFORMED[case]
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    before = snapshot(app)

    result = run_import(runner, "--remove-missing", path)
    assert result.exit_code != 0
    assert "Error:" in result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert snapshot(app) == before


def test_a_file_that_does_not_exist_is_refused(app, runner, tmp_path):
    result = run_import(runner, tmp_path / "nowhere.csv")
    assert result.exit_code != 0
    assert "does not exist" in result.output
    assert by_slug(app) == {}


def test_read_rows_raises_import_file_error(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_bytes(b"name,slug,lead\nA,a,0\nB,a,0\n")
    with pytest.raises(ImportFileError, match="line 3"):
        read_rows(path)


def test_the_bundled_list_is_well_formed():
    rows = bundled_rows()
    assert len(rows) == 414
    assert len({row["slug"] for row in rows}) == 414
    assert rows[0]["name"] == LEAD
    assert rows[0]["lead"] == "1"
    assert [row["name"] for row in rows if row["lead"] == "1"] == [LEAD]
    assert all(row["name"] == " ".join(row["name"].split()) for row in rows)

    parsed = read_rows(BUNDLED_LIST)
    assert len(parsed) == 414
    assert parsed[0].is_lead
    assert parsed[0].name == LEAD
    assert [row.position for row in parsed] == list(range(1, 415))
