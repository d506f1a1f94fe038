"""bench.history: the timing of the sign form by address history, on a tiny run."""

import os
import random

import pytest

from bench import history
from tests.support import using_postgres


def test_a_threshold_on_times_that_do_not_differ_guesses_like_a_coin():
    rng = random.Random(1)
    new = [rng.gauss(10, 1) for _ in range(400)]
    signed = [rng.gauss(10, 1) for _ in range(400)]
    assert 0.4 < history.threshold_guess(new, signed) < 0.6


def test_a_threshold_on_times_that_differ_tells_them_apart():
    rng = random.Random(2)
    new = [rng.gauss(10, 0.5) for _ in range(200)]
    signed = [rng.gauss(16, 0.5) for _ in range(200)]
    assert history.threshold_guess(new, signed) == 1.0


def test_a_small_run_measures_the_three_kinds_under_gunicorn(tmp_path):
    arguments = ["--requests", "6", "--workers", "1", "--markdown-out", str(tmp_path / "history.md")]
    if using_postgres():
        arguments += ["--database-url", os.environ["TEST_DATABASE_URL"]]
    with pytest.raises(SystemExit) as exited:
        history.main(arguments)
    assert exited.value.code in (0, 1), "1 only when the medians are too far apart on this busy machine"
    report = (tmp_path / "history.md").read_text()
    for kind in history.KINDS:
        assert f"| {kind} |" in report
    assert "Spread of the medians" in report
