"""Reach across Canada: ``/<lang>/provinces`` (a map and a table) and the same figures as open data,
``/api/provinces`` (JSON) and ``/api/provinces.csv``, cached and tagged as ``/api/count`` is.

The figures, and which of them are withheld, are ``petition.breakdown``'s.
"""

from dataclasses import dataclass
from functools import lru_cache
from math import ceil

from flask import Blueprint, current_app, render_template
from flask_babel import format_decimal, format_percent, get_locale

from petition.api import cacheable_response, preflight_response, public_headers
from petition.breakdown import as_csv, as_json, current_breakdown

bp = Blueprint("reach", __name__)

# The map's shades: none, then SHADES classes of the rates above 0, by rank (quantiles). Steps of
# equal width would leave every province but one in the palest shade, since a territory of 40,000
# residents reaches a high rate with a handful of signatures.
SHADES = 5


@dataclass(frozen=True)
class LegendEntry:
    shade: str
    low: float | None  # None: the entry for no signature
    high: float


def shade_classes(rates):
    """{rate: 1..SHADES} for the distinct rates above 0: the highest is SHADES, the rest by rank."""
    ranked = sorted({r for r in rates if r})
    return {r: ceil(SHADES * (i + 1) / len(ranked)) for i, r in enumerate(ranked)}


def shade_of(figures, classes):
    """The fill class of one province on the map."""
    if figures.withheld:
        return "shade-withheld"
    if not figures.per_100k:
        return "shade-0"
    return f"shade-{classes[figures.per_100k]}"


def legend(classes):
    """Each shade in use and the lowest and highest rates it stands for."""
    entries = [LegendEntry("shade-0", None, 0.0)]
    for step in sorted(set(classes.values())):
        members = [r for r, c in classes.items() if c == step]
        entries.append(LegendEntry(f"shade-{step}", min(members), max(members)))
    return entries


def rate(value):
    """A rate per 100,000 as the page writes it: 12.34, 12,34 in French."""
    return format_decimal(value, format="#,##0.##")


def share(value):
    """A share of the total in the locale's own pattern, one decimal: 12.3%, 12,3 % in French."""
    pattern = get_locale().percent_formats[None].pattern.replace("#,##0", "#,##0.#", 1)
    return format_percent(value / 100, format=pattern)


# The page as last rendered, per app and language, with the figures it shows: the same for every
# visitor (nothing in it depends on the session), so it is rendered again only when the figures
# change, at most every COUNT_CACHE_SECONDS. Rendering the map and the table is most of its cost.
_rendered = {}


@bp.get("/<lang:lang>/provinces")
def show(lang):
    breakdown = current_breakdown()
    key = (id(current_app._get_current_object()), lang)
    found = _rendered.get(key)
    if found is None or found[0] is not breakdown:
        found = _rendered[key] = (breakdown, render_page(breakdown))
    return found[1]


def render_page(breakdown):
    canada = [p for p in breakdown.provinces if p.code != "XX"]
    classes = shade_classes(p.per_100k for p in canada if not p.withheld)
    return render_template(
        "provinces/show.html",
        breakdown=breakdown,
        canada={p.code: p for p in canada},
        shades={p.code: shade_of(p, classes) for p in canada},
        legend=legend(classes),
        rate=rate,
        share=share,
    )


@lru_cache(maxsize=32)
def data_response_parts(breakdown, kind, max_age, stale):
    """The body, its ETag and its headers, once per value of the figures and kind."""
    body = as_json(breakdown) if kind == "json" else as_csv(breakdown)
    etag, headers = public_headers(body, max_age, stale)
    return body, etag, headers


def data_response(kind, mimetype):
    config = current_app.config
    body, etag, headers = data_response_parts(
        current_breakdown(), kind, config["COUNT_MAX_AGE_SECONDS"], config["COUNT_STALE_SECONDS"]
    )
    return cacheable_response(body, mimetype, etag, headers)


@bp.get("/api/provinces", provide_automatic_options=False)
def provinces_json():
    """For each code: its names, its verified signatures (null when withheld, and ``withheld``
    says why), its share of the total and its rate per 100,000 residents; and the total."""
    return data_response("json", "application/json")


@bp.get("/api/provinces.csv", provide_automatic_options=False)
def provinces_csv():
    """The same as ``/api/provinces``, one row per code (``breakdown.CSV_COLUMNS``)."""
    return data_response("csv", "text/csv")


@bp.route("/api/provinces", methods=["OPTIONS"])
@bp.route("/api/provinces.csv", methods=["OPTIONS"])
def provinces_preflight():
    return preflight_response()
