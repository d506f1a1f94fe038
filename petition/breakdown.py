"""Verified signatures by province and territory, as everyone may read them (``/<lang>/provinces``,
``/api/provinces``, ``/api/provinces.csv``).

The counts come from the running ``province`` tallies (``signing/tallies.py``): a sum over a fixed
handful of rows, whatever the number of signatures, read through a cache of ``COUNT_CACHE_SECONDS``.

Small numbers can name people in a small territory, so a count of 1 to ``PUBLIC_MIN_COUNT`` - 1 is
withheld and shown as "fewer than N" (``UNDER_MINIMUM``). A count of 0 is shown: it says nothing
about any person. The total is public (``/api/count``), so when a single count is withheld it could
be worked out as the total less the others; the smallest other count is then withheld too
(``COMPLEMENT``), and the two can no longer be told apart. A withheld count has no share and no
rate either, since those would give it back.
"""

import csv
import io
import json
from dataclasses import dataclass
from functools import cache

from flask import current_app
from flask_babel import force_locale

from petition.cache import Expiring
from petition.i18n import LANGUAGES
from petition.provinces import PROVINCES
from petition.signing import tallies

# Population by province and territory, Statistics Canada, 2021 Census of Population (table
# 98-10-0001-01, "Population and dwelling counts: Canada, provinces and territories"). "Outside
# Canada" (XX) has no population to divide by.
POPULATION_2021 = {
    "NL": 510_550,
    "PE": 154_331,
    "NS": 969_383,
    "NB": 775_610,
    "QC": 8_501_833,
    "ON": 14_223_942,
    "MB": 1_342_153,
    "SK": 1_132_505,
    "AB": 4_262_635,
    "BC": 5_000_879,
    "YT": 40_232,
    "NT": 41_070,
    "NU": 36_858,
}
POPULATION_SOURCE = "Statistics Canada, 2021 Census of Population"

UNDER_MINIMUM = "under_minimum"
COMPLEMENT = "complement"
CSV_COLUMNS = ("code", "name_en", "name_fr", "signatures", "share", "per_100k", "withheld")


@dataclass(frozen=True)
class ProvinceFigures:
    code: str
    name_en: str
    name_fr: str
    signatures: int | None  # None when withheld
    withheld: str | None  # None, UNDER_MINIMUM or COMPLEMENT
    share: float | None  # percent of the total, one decimal
    per_100k: float | None  # per 100,000 residents (2021), two decimals; None outside Canada

    def name(self, lang):
        return self.name_fr if lang == "fr" else self.name_en


@dataclass(frozen=True)
class Breakdown:
    total: int
    minimum: int
    provinces: tuple[ProvinceFigures, ...]


@cache
def province_names():
    """{code: (English name, French name)}, once per process."""
    names = {}
    for code, name in PROVINCES:
        with force_locale(LANGUAGES["en"]):
            english = str(name)
        with force_locale(LANGUAGES["fr"]):
            french = str(name)
        names[code] = (english, french)
    return names


def withheld_codes(counts, minimum):
    """{code: reason} of the counts not to publish, from {code: count} over every code."""
    withheld = {code: UNDER_MINIMUM for code, n in counts.items() if 0 < n < minimum}
    if len(withheld) == 1:
        # Ties go to the first code in PROVINCES' order, so that the choice does not flicker.
        order = [code for code, _ in PROVINCES]
        others = sorted((n, order.index(code), code) for code, n in counts.items() if code not in withheld)
        if others:
            withheld[others[0][2]] = COMPLEMENT
    return withheld


def breakdown_of(counts, minimum):
    """The public figures from {code: verified signatures} (missing codes count 0)."""
    counts = {code: int(counts.get(code, 0)) for code, _ in PROVINCES}
    total = sum(counts.values())
    withheld = withheld_codes(counts, minimum)
    names = province_names()
    rows = []
    for code, _ in PROVINCES:
        n = counts[code]
        hidden = withheld.get(code)
        population = POPULATION_2021.get(code)
        rows.append(
            ProvinceFigures(
                code=code,
                name_en=names[code][0],
                name_fr=names[code][1],
                signatures=None if hidden else n,
                withheld=hidden,
                share=None if hidden or not total else round(100 * n / total, 1),
                per_100k=None if hidden or population is None else round(100_000 * n / population, 2),
            )
        )
    return Breakdown(total=total, minimum=minimum, provinces=tuple(rows))


_breakdown = Expiring()


def current_breakdown():
    """The figures, at most ``COUNT_CACHE_SECONDS`` old."""
    config = current_app.config
    return _breakdown.get(
        lambda: breakdown_of(tallies.totals("province"), config["PUBLIC_MIN_COUNT"]), config["COUNT_CACHE_SECONDS"]
    )


def as_json(breakdown):
    fields = {
        "total": breakdown.total,
        "minimum": breakdown.minimum,
        "population_source": POPULATION_SOURCE,
        "provinces": {
            p.code: {
                "name_en": p.name_en,
                "name_fr": p.name_fr,
                "signatures": p.signatures,
                "withheld": p.withheld,
                "share": p.share,
                "per_100k": p.per_100k,
            }
            for p in breakdown.provinces
        },
    }
    return json.dumps(fields, ensure_ascii=False) + "\n"


def as_csv(breakdown):
    """One row per code under a header row; a withheld count, share or rate is empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for p in breakdown.provinces:
        values = (p.code, p.name_en, p.name_fr, p.signatures, p.share, p.per_100k, p.withheld)
        writer.writerow("" if value is None else value for value in values)
    return out.getvalue()
