"""bench.delivery: a small run builds the document twice and checks it against its CSV."""

import os

from bench import delivery
from tests.support import using_postgres


def test_a_small_run_builds_and_checks_the_document(tmp_path):
    report = tmp_path / "delivery.md"
    arguments = ["--sizes", "300,600", "--markdown-out", str(report)]
    if using_postgres():
        arguments += ["--database-url", os.environ["TEST_DATABASE_URL"]]
    # A document that disagrees with its CSV fails the run; the targets are for 100,000 only.
    assert delivery.main(arguments) == 0
    text = report.read_text()
    assert "| 300 |" in text and "| 600 |" in text
    assert "peak memory at 600 / at 300" in text


def test_the_targets_apply_at_100000():
    run = type("Run", (), {"seconds": 70.0, "peak_kib": 400_000})()
    measures = [delivery.Measure(100_000, [run], 600, 1)]
    checks = delivery.evaluate(measures)
    assert [(name, ok) for name, _, _, ok in checks] == [("seconds at 100,000", False), ("peak MB at 100,000", True)]
