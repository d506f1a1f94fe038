"""The geometry of a bar chart of signatures per day, drawn as SVG by ``admin/_chart.html``.

Made on the server so the dashboard needs no script; the template adds a title, a description
and a table of the same numbers for people who do not see the picture.
"""

import math
from dataclasses import dataclass

from babel.dates import format_skeleton
from babel.numbers import format_compact_decimal
from flask_babel import get_locale
from flask_babel import gettext as _

from petition.i18n import format_number, ordinal_first

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 14, 36


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # "27 Nov: 1,234", the bar's tooltip


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Mark:
    """A milestone's day on the chart: a line across the plot, a short label, a tooltip."""

    x: float
    label: str  # "1K"
    title: str  # "1,000 signatures reached on Mar 3"


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list
    y_ticks: list
    x_ticks: list
    plot_left: float
    plot_right: float
    baseline: float
    plot_top: float = TOP
    marks: list = ()


# At most this many steps up the axis; a bar no wider than this, so a few days do not make a block.
MOST_STEPS = 6
WIDEST_BAR = 40


def axis_scale(value, most=MOST_STEPS):
    """(step, steps) of a value axis that ends just at or above ``value``: a whole round step (1, 2,
    2.5 or 5 × 10^k) and at most ``most`` of them. 6 gives 0–6 by ones; 7 gives 0–8 by twos; 1,234
    gives 0–1,250 by 250s; nothing at all gives 0–1."""
    value = max(value, 1)
    target = value / most
    magnitude = 10 ** math.floor(math.log10(target)) if target >= 1 else 1
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if step >= target and step == int(step):
            step = int(step)
            return step, math.ceil(value / step)
    return 10 * magnitude, math.ceil(value / (10 * magnitude))


def compact_number(value):
    """1.2K, 400 k: short enough for the chart's axis on a phone."""
    return format_compact_decimal(value, locale=get_locale(), fraction_digits=1)


def day_label(day):
    """Mar 3 / 3 mars, and « 1er mars » on the first of the month."""
    locale = get_locale()
    return ordinal_first(format_skeleton("MMMd", day, locale=locale), day, locale)


def milestone_marks(days, milestones, left, slot):
    """A mark for each day of ``days`` on which goals were reached ([(day, goal)]); the biggest
    goal of a day labels it, and its tooltip names them all."""
    position = {day: index for index, (day, _count) in enumerate(days)}
    goals_by_day = {}
    for day, goal in milestones:
        if day in position:
            goals_by_day.setdefault(day, []).append(goal)
    marks = []
    for day, goals in sorted(goals_by_day.items()):
        reached = ", ".join(format_number(goal) for goal in sorted(goals))
        marks.append(
            Mark(
                x=round(left + position[day] * slot + slot / 2, 2),
                label=compact_number(max(goals)),
                title=_("%(goals)s signatures reached on %(day)s", goals=reached, day=day_label(day)),
            )
        )
    return marks


def bar_chart(days, width=WIDTH, height=HEIGHT, milestones=()):
    """Bars for [(day, count)], with a gridline at each round step, a few day labels along the bottom, and a mark
    on each day a goal was reached (``milestones``: [(day, goal)])."""
    plot_width = width - LEFT - RIGHT
    plot_height = height - TOP - BOTTOM
    baseline = TOP + plot_height
    step, steps = axis_scale(max((n for _, n in days), default=0))
    top_value = step * steps
    slot = plot_width / max(len(days), 1)
    bar_width = max(min(slot - min(slot * 0.2, 4), WIDEST_BAR), 0.5)
    bars = []
    for index, (day, count) in enumerate(days):
        bar_height = plot_height * count / top_value
        bars.append(
            Bar(
                x=round(LEFT + index * slot + (slot - bar_width) / 2, 2),
                y=round(baseline - bar_height, 2),
                width=round(bar_width, 2),
                height=round(bar_height, 2),
                label=_("%(day)s: %(count)s", day=day_label(day), count=format_number(count)),
            )
        )
    y_ticks = [Tick(round(baseline - plot_height * n / steps, 2), compact_number(step * n)) for n in range(steps + 1)]
    every = max(1, math.ceil(len(days) / 6))
    x_ticks = [
        Tick(round(LEFT + index * slot + slot / 2, 2), day_label(day))
        for index, (day, _count) in enumerate(days)
        if index % every == 0
    ]
    marks = milestone_marks(days, milestones, LEFT, slot)
    return BarChart(width, height, bars, y_ticks, x_ticks, LEFT, width - RIGHT, baseline, TOP, marks)
