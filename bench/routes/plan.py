"""The routes that bench.routes measures, and the requests made of them, each checked to answer 200."""

import html
import re
from dataclasses import dataclass

from bench.harness import get_ok
from bench.routes.links import confirmed_session

BASELINE = "/robots.txt"
LANGUAGES = ("en", "fr")


@dataclass(frozen=True)
class Route:
    """A route to measure. ``path`` is measured in each language when it has ``{lang}``; its other
    fields are those of ``Links.fields``. ``target``: the least ratio of its requests/s to the
    baseline's, or None. ``after_confirming``: sent with the session that confirming leaves."""

    path: str
    target: float | None = None
    after_confirming: bool = False


ROUTES = [
    Route("/{lang}/", 0.40),
    Route("/api/count", 0.80),
    Route("/{lang}/signatures", 0.30),
    Route("/{lang}/provinces", 0.40),
    Route("/api/provinces", 0.80),
    Route("/api/provinces.csv"),
    Route("/healthz"),
    Route("/{lang}/embed"),
    Route("/{lang}/privacy"),
    Route("/{lang}/qr.svg"),
    Route("/{lang}/qr.png"),
    Route("/{lang}/o/{slug}"),
    Route("/{lang}/o/{slug}/qr.svg"),
    Route("/{lang}/o/{slug}/qr.png"),
    Route("/{lang}/o/{slug}/stats/{stats_token}"),
    # Made on demand (a PDF each time): measured to know its cost, no target.
    Route("/{lang}/o/{slug}/stats/{stats_token}/poster.pdf"),
    Route("/{lang}/sign/check-your-inbox"),
    Route("/{lang}/confirm/{confirm_token}"),
    # The page a signer lands on after confirming greets them by the name kept in their session.
    Route("/{lang}/thanks", after_confirming=True),
    Route("/{lang}/withdraw/{withdraw_token}"),
    Route("/{lang}/unsubscribe/{unsubscribe_token}"),
    Route("/{lang}/endorse"),
    Route("/{lang}/endorse/check-your-inbox"),
    Route("/{lang}/endorse/confirm/{request_token}"),
    Route("/{lang}/endorse/confirmed"),
    Route("/{lang}/o/{slug}/figures-link"),
    Route("/{lang}/o/{slug}/figures-link/asked"),
]
# The list's second page, found on its first (not cached, unlike the first page); no target.
SECOND_PAGE_OF = "/en/signatures"


def second_page(base_url):
    """The path of the signers list's second page (its "older" link), or None with a single page."""
    body = get_ok(base_url, SECOND_PAGE_OF).decode()
    match = re.search(r'<a href="([^"]+)" rel="next"', body)
    return html.unescape(match.group(1)) if match else None


@dataclass(frozen=True)
class Planned:
    """One measured request: the path asked for, its name in the table, and what goes with it."""

    path: str
    shown: str
    label: str = ""
    target: float | None = None
    cookie: str | None = None


def shown_fields(fields):
    """The fields as the table names them: ``<slug>``, and ``<token>`` for every token."""
    return {name: "<token>" if name.endswith("_token") else f"<{name}>" for name in fields}


def expand(route, links):
    """``route`` in each of its languages (once when it has none), as (language, path, shown)."""
    languages = LANGUAGES if "{lang}" in route.path else LANGUAGES[:1]
    for lang in languages:
        fields = links[lang].fields
        yield lang, route.path.format(lang=lang, **fields), route.path.format(lang=lang, **shown_fields(fields))


def plan(base_url, links):
    """Every request to measure, in order, each checked to answer 200."""
    planned = []
    for route in ROUTES:
        for lang, path, shown in expand(route, links):
            cookie = confirmed_session(base_url, lang, links[lang]) if route.after_confirming else None
            label = "after confirming" if route.after_confirming else ""
            planned.append(Planned(path, shown, label, route.target, cookie))
    older = second_page(base_url)
    if older is not None:
        planned.insert(
            [request.path for request in planned].index(SECOND_PAGE_OF) + 1,
            Planned(older, SECOND_PAGE_OF + "?before=…", "second page, not cached"),
        )
    check_answers(base_url, planned)
    return planned


def check_answers(base_url, planned):
    """The baseline and every planned request answer 200 (a redirect or an error page is not measured)."""
    get_ok(base_url, BASELINE)
    for request in planned:
        get_ok(base_url, request.path, request.cookie)
