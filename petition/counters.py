"""The counters as pages show them: the goal in reach, and the counters fragment of the letter page.

The letter page is rendered once and filled in per request (see ``petition.letter.page``); the
counters change with every confirmed signature, so they are rendered apart, once per language and
value of the counts, and put into the page's hole. ``static/js/counter.js`` keeps them live.
"""

from dataclasses import dataclass
from functools import lru_cache

from babel.numbers import get_group_symbol
from flask import current_app, render_template
from flask_babel import force_locale
from markupsafe import Markup

from petition.config import parse_goals
from petition.i18n import LANGUAGES


@dataclass(frozen=True)
class Progress:
    """How far the signatures are toward the goal in reach."""

    count: int
    goal: int
    steps: tuple


def goal_for(count, steps):
    """The first step above ``count``; past the last step, the last one doubled until it is above.

    Doubling keeps the bar meaningful after the last planned goal ("1,234,567 of 2,000,000"),
    where a full bar would say nothing. None when there are no steps (no bar is shown).
    """
    if not steps:
        return None
    for step in steps:
        if step > count:
            return step
    goal = steps[-1]
    while goal <= count:
        goal *= 2
    return goal


@lru_cache(maxsize=16)
def _steps(setting):
    return parse_goals(setting)


def goal_steps():
    """The goals of ``SIGNATURE_GOALS``, sorted."""
    setting = current_app.config["SIGNATURE_GOALS"]
    return _steps(tuple(setting) if isinstance(setting, list) else setting)


def progress_for(count):
    """The progress toward the goal in reach, or None when no goal is set."""
    steps = goal_steps()
    goal = goal_for(count, steps)
    return Progress(count, goal, steps) if goal is not None else None


def counter_context(lang, counts):
    """What the macros of ``letter/_counter_macros.html`` need: the counts, the goal, the settings.

    The group separator is the one ``format_number`` writes, so that the numbers counter.js
    writes match those of the server to the character (12,345 and 12 345, with a no-break space).
    """
    return {
        "counts": counts,
        "progress": progress_for(counts.signatures),
        "poll_seconds": current_app.config["COUNTER_POLL_SECONDS"],
        "group_separator": get_group_symbol(LANGUAGES[lang]),
    }


def counters_fragment(lang, counts, closed=False):
    """The letter page's counters and progress bar (``letter/_counters.html``), as HTML; once the
    letter has closed, the count without the bar toward a goal nobody can help reach any more."""
    return render_counters("letter/_counters.html", lang, counts, closed=closed)


def render_counters(template, lang, counts, **extra):
    """``template`` rendered with the counter context and ``extra``, once per distinct value of them."""
    context = counter_context(lang, counts) | extra
    return _render(template, lang, tuple(sorted(context.items())))


@lru_cache(maxsize=256)
def _render(template, lang, context):
    # The key holds everything the fragment shows, so two apps with other settings (in tests)
    # never share a rendering; a few hundred small strings bound the memory.
    with force_locale(LANGUAGES[lang]):
        return Markup(render_template(template, lang=lang, **dict(context)))  # noqa: S704 - escaped by Jinja
