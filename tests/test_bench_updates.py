"""bench.updates: a tiny update through a real mail worker into the sink, with wrk alongside."""

import os
import shutil

import pytest

from bench import updates
from tests.support import using_postgres


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)")
def test_a_small_run_delivers_the_update_once_to_everyone_and_reports_both_figures(tmp_path):
    report = tmp_path / "updates.md"
    arguments = ["--signers", "300", "--alone", "1", "--duration", "1", "--workers", "1"]
    arguments += ["--markdown-out", str(report)]
    if using_postgres():
        arguments += ["--database-url", os.environ["TEST_DATABASE_URL"]]
    # Without --check a missed target does not fail the run; an update not delivered once to each does.
    assert updates.main(arguments) == 0
    text = report.read_text()
    assert "| delivered once each | 300 messages to 300 addresses; outbox {'sent': 300} | all | yes |" in text
    assert "messages/s to the sink, the send alone" in text and "`/en/` ÷ `/robots.txt`, during the send" in text


def test_the_report_counts_a_duplicate_as_not_delivered():
    args = updates.parse_args(["--alone", "1"])
    wrk = type("Result", (), {"requests_per_second": 100.0})()
    figures = {
        "recipients": 3,
        "received": 4,
        "distinct": 3,
        "statuses": {"sent": 3},
        "alone": 500.0,
        "during_rate": 400.0,
        "overall": 450.0,
        "seconds": 1.0,
        "quiet": (wrk, 200.0, 0.5),
        "during": (wrk, 200.0, 0.5),
        "still_sending": True,
    }
    table, delivered, met = updates.report(args, figures)
    assert not delivered and met
    assert "| NO |" in table
