"""bench.lighthouse: its options, and how it names what kept a score under 100."""

import pytest

from bench.lighthouse import parse_args, shortfalls


def test_pages_and_signatures_are_read():
    args = parse_args(["--pages", "/en/,/fr/privacy", "--signatures", "10"])
    assert args.pages == "/en/,/fr/privacy"
    assert args.signatures == 10


def test_negative_signatures_are_refused(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--signatures", "-1"])
    assert "--signatures" in capsys.readouterr().err


def test_shortfalls_name_the_weighted_audits_that_failed():
    report = {
        "categories": {
            "accessibility": {
                "auditRefs": [
                    {"id": "color-contrast", "weight": 7},
                    {"id": "image-alt", "weight": 10},
                    {"id": "informative", "weight": 0},
                ]
            }
        },
        "audits": {
            "color-contrast": {"title": "Contrast", "score": 0},
            "image-alt": {"title": "Alt text", "score": 1},
            "informative": {"title": "Only informative", "score": 0},
        },
    }
    assert shortfalls(report, "accessibility") == ["Contrast (0.00)"]
