"""Signatures by province and territory for everyone: ``/<lang>/provinces``, ``/api/provinces`` and
``/api/provinces.csv``, read from the running tallies, small counts withheld."""

import csv
import io
import re

import pytest

from petition.breakdown import COMPLEMENT, CSV_COLUMNS, POPULATION_2021, UNDER_MINIMUM, breakdown_of
from petition.config import ConfigError, load_config
from petition.extensions import db
from petition.provinces import PROVINCES
from petition.signing import service
from petition.signing.models import Signature
from tests.support import production_environ

CODES = [code for code, _ in PROVINCES]
DATA = ["/api/provinces", "/api/provinces.csv"]


@pytest.fixture
def app_config():
    return {"MAIL_BACKGROUND_SENDER": False}


def sign_in(signature_factory, province, n, start=0):
    return [signature_factory(f"{province.lower()}{start + i}@example.org", province=province) for i in range(n)]


def provinces(client):
    response = client.get("/api/provinces")
    assert response.status_code == 200
    return response.get_json()


def csv_rows(client):
    response = client.get("/api/provinces.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.mimetype_params["charset"] == "utf-8"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


# The rule, apart from HTTP.


def test_a_count_under_the_minimum_is_withheld_with_the_next_smallest(app):
    with app.app_context():
        found = breakdown_of({"ON": 40, "QC": 20, "NU": 2, "BC": 7}, minimum=5)
    by_code = {p.code: p for p in found.provinces}
    assert found.total == 69
    assert by_code["NU"].signatures is None and by_code["NU"].withheld == UNDER_MINIMUM
    # Alone, Nunavut's count would be the total less the others: the smallest other count goes too.
    assert by_code["AB"].signatures is None and by_code["AB"].withheld == COMPLEMENT
    assert by_code["BC"].signatures == 7 and by_code["BC"].withheld is None
    assert by_code["NU"].share is None and by_code["NU"].per_100k is None
    assert by_code["ON"].share == round(100 * 40 / 69, 1)
    assert by_code["ON"].per_100k == round(100_000 * 40 / POPULATION_2021["ON"], 2)
    assert by_code["XX"].per_100k is None


def test_two_counts_under_the_minimum_withhold_nothing_else(app):
    with app.app_context():
        found = breakdown_of({"ON": 40, "NU": 2, "YT": 1}, minimum=5)
    withheld = {p.code: p.withheld for p in found.provinces if p.withheld}
    assert withheld == {"NU": UNDER_MINIMUM, "YT": UNDER_MINIMUM}


def test_the_minimum_itself_is_shown(app):
    with app.app_context():
        found = breakdown_of({"YT": 5, "NU": 5}, minimum=5)
    assert {p.code: p.signatures for p in found.provinces}["YT"] == 5
    assert not any(p.withheld for p in found.provinces)


# The open data.


def test_no_signatures_yet(client):
    data = provinces(client)
    assert data["total"] == 0
    assert data["minimum"] == 5
    assert list(data["provinces"]) == CODES
    for code, row in data["provinces"].items():
        assert row["signatures"] == 0 and row["withheld"] is None and row["share"] is None
        assert row["per_100k"] == (None if code == "XX" else 0.0)
    assert data["provinces"]["QC"]["name_en"] == "Quebec"
    assert data["provinces"]["QC"]["name_fr"] == "Québec"
    assert data["provinces"]["XX"]["name_fr"] == "À l’extérieur du Canada"
    assert [row["code"] for row in csv_rows(client)] == CODES


def test_the_figures_come_from_the_running_totals(app, client, signature_factory):
    sign_in(signature_factory, "ON", 6)
    sign_in(signature_factory, "XX", 5)
    sign_in(signature_factory, "NU", 2)
    signature_factory("pending@example.org", province="ON", confirm=False)

    data = provinces(client)["provinces"]
    assert provinces(client)["total"] == 13
    assert data["ON"]["signatures"] == 6 and data["ON"]["share"] == round(600 / 13, 1)
    assert data["XX"]["signatures"] == 5 and data["XX"]["per_100k"] is None
    assert data["NU"] == {**data["NU"], "signatures": None, "withheld": UNDER_MINIMUM, "share": None}
    # Nunavut alone would be 13 - 6 - 5: the smallest other count (a zero, first in order) goes too.
    assert data["AB"]["signatures"] is None and data["AB"]["withheld"] == COMPLEMENT

    # The table is never counted: the tallies are what the page reads.
    with app.app_context():
        db.session.execute(db.delete(Signature).where(Signature.province == "ON"))
        db.session.commit()
    assert provinces(client)["provinces"]["ON"]["signatures"] == 6


def test_a_withdrawal_moves_the_count(app, client, signature_factory):
    ids = sign_in(signature_factory, "QC", 5)
    sign_in(signature_factory, "ON", 5)
    assert provinces(client)["provinces"]["QC"]["signatures"] == 5

    with app.test_request_context("/fr/"):
        service.withdraw(db.session.get(Signature, ids[0]))

    data = provinces(client)["provinces"]
    assert data["QC"]["signatures"] is None and data["QC"]["withheld"] == UNDER_MINIMUM
    assert provinces(client)["total"] == 9


def test_every_code_over_the_minimum(client, signature_factory):
    for code in CODES:
        sign_in(signature_factory, code, 5)
    data = provinces(client)
    assert data["total"] == 5 * len(CODES)
    assert all(row["signatures"] == 5 and row["withheld"] is None for row in data["provinces"].values())
    assert data["provinces"]["YT"]["per_100k"] == round(500_000 / POPULATION_2021["YT"], 2)

    rows = csv_rows(client)
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [row["code"] for row in rows] == CODES
    assert rows[CODES.index("PE")] == {
        "code": "PE",
        "name_en": "Prince Edward Island",
        "name_fr": "Île-du-Prince-Édouard",
        "signatures": "5",
        "share": str(round(100 / 14, 1)),
        "per_100k": str(round(500_000 / POPULATION_2021["PE"], 2)),
        "withheld": "",
    }
    assert rows[CODES.index("XX")]["per_100k"] == ""


def test_the_csv_leaves_a_withheld_count_empty(client, signature_factory):
    sign_in(signature_factory, "YT", 3)
    sign_in(signature_factory, "ON", 8)
    rows = {row["code"]: row for row in csv_rows(client)}
    assert rows["YT"]["signatures"] == "" and rows["YT"]["share"] == "" and rows["YT"]["withheld"] == UNDER_MINIMUM
    assert rows["AB"]["withheld"] == COMPLEMENT
    assert rows["ON"]["signatures"] == "8"


@pytest.mark.parametrize("path", DATA)
def test_the_data_is_cached_tagged_and_open_to_other_sites(client, path):
    first = client.get(path)
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in first.headers["Access-Control-Expose-Headers"]
    assert re.fullmatch(r"public, max-age=\d+, stale-while-revalidate=\d+", first.headers["Cache-Control"])
    etag = first.headers["ETag"]

    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Access-Control-Allow-Origin"] == "*"

    preflight = client.options(path, headers={"Origin": "https://example.org"})
    assert preflight.status_code == 204
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]


def test_a_new_signature_is_a_new_etag(client, signature_factory):
    etag = client.get("/api/provinces").headers["ETag"]
    signature_factory("one@example.org", province="ON")
    assert client.get("/api/provinces", headers={"If-None-Match": etag}).status_code == 200


def test_the_minimum_is_a_setting(tmp_path):
    environ = production_environ()
    assert load_config(tmp_path, environ=environ)["PUBLIC_MIN_COUNT"] == 5
    assert load_config(tmp_path, environ=environ | {"PUBLIC_MIN_COUNT": "10"})["PUBLIC_MIN_COUNT"] == 10
    with pytest.raises(ConfigError, match="PUBLIC_MIN_COUNT"):
        load_config(tmp_path, environ=environ | {"PUBLIC_MIN_COUNT": "0"})


@pytest.mark.parametrize("code", CODES)
def test_each_code_under_the_minimum_is_withheld_everywhere(client, signature_factory, code):
    other = "QC" if code == "ON" else "ON"
    sign_in(signature_factory, code, 4)
    sign_in(signature_factory, other, 6)

    data = provinces(client)
    assert data["total"] == 10
    assert data["provinces"][code] == {**data["provinces"][code], "signatures": None, "withheld": UNDER_MINIMUM}
    assert data["provinces"][other]["signatures"] == 6
    assert {row["code"]: row for row in csv_rows(client)}[code]["signatures"] == ""
    html = client.get("/en/provinces").get_data(as_text=True)
    name = data["provinces"][code]["name_en"]
    assert re.search(rf'<th scope="row">{name}</th>\s*<td class="number" colspan="3">fewer than 5</td>', html)
