"""The dashboard chart stays honest with few days: round ticks just above the busiest day, bars of a
sensible width rather than one block across the plot."""

from datetime import date, timedelta

import pytest

from petition.admin.chart import WIDEST_BAR, axis_scale, bar_chart


@pytest.mark.parametrize(
    ("busiest", "ticks"),
    [
        (6, ["0", "1", "2", "3", "4", "5", "6"]),
        (7, ["0", "2", "4", "6", "8"]),
        (1, ["0", "1"]),
        (0, ["0", "1"]),
        (1234, ["0", "250", "500", "750", "1K", "1.2K"]),
    ],
)
def test_the_axis_ends_at_a_round_number_just_above_the_busiest_day(app, busiest, ticks):
    with app.test_request_context("/"):
        chart = bar_chart([(date(2026, 12, 7), busiest)])
    assert [tick.label for tick in chart.y_ticks] == ticks
    step, steps = axis_scale(busiest)
    assert step * (steps - 1) < max(busiest, 1) <= step * steps


def test_one_day_is_one_bar_of_a_sensible_width_reaching_its_value(app):
    with app.test_request_context("/"):
        chart = bar_chart([(date(2026, 12, 7), 6)])
    [bar] = chart.bars
    assert bar.width <= WIDEST_BAR, "not one block across the plot"
    plot_height = chart.baseline - chart.plot_top
    assert bar.height == pytest.approx(plot_height), "6 reaches the top tick, 6"
    middle = (chart.plot_left + chart.plot_right) / 2
    assert bar.x + bar.width / 2 == pytest.approx(middle, abs=0.1), "centred on its day"


def test_many_days_keep_thin_bars_that_do_not_overlap(app):
    days = [(date(2026, 1, 1) + timedelta(days=n), n % 9) for n in range(200)]
    with app.test_request_context("/"):
        chart = bar_chart(days)
    for left, right in zip(chart.bars, chart.bars[1:], strict=False):
        assert left.x + left.width <= right.x
