"""Lighthouse's four scores for the public pages, on the app served by gunicorn as in production.

    python -m bench.lighthouse [--pages /en/,/fr/] [--signatures N] [--markdown-out FILE]

Each page is audited twice, as a phone (Lighthouse's default, throttled) and as a desktop
(``--preset=desktop``), in Debian's Chromium; a score under 100 lists the audits that cost it.
``make lighthouse`` brings the pinned Lighthouse from the npm registry.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness import (
    BenchError,
    Gunicorn,
    ThrowawayDatabase,
    app_environment,
    fill_signatures,
    flask_command,
    free_port,
    guarded,
    hold_interrupts,
    say,
)

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking --no-first-run"
AUDIT_TIMEOUT = 240


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.lighthouse", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", default="/en/,/fr/", help="paths to audit, comma-separated (default /en/,/fr/)")
    parser.add_argument("--signatures", type=int, default=0, help="confirmed signatures to add first (default 0)")
    parser.add_argument(
        "--lighthouse",
        default=os.environ.get("LIGHTHOUSE", "lighthouse"),
        help="the lighthouse command (default: $LIGHTHOUSE, else lighthouse on the PATH)",
    )
    parser.add_argument("--markdown-out", type=Path, help="also write the table to this file")
    parser.add_argument("--check", action="store_true", help="exit with status 1 when a score is under 100")
    args = parser.parse_args(argv)
    if args.signatures < 0:
        parser.error("--signatures must be at least 0")
    return args


def audit(lighthouse, url, form_factor, workdir):
    """Lighthouse's report of ``url`` as a dict."""
    out = Path(workdir) / "report.json"
    command = [
        *lighthouse.split(),
        url,
        "--output=json",
        f"--output-path={out}",
        "--quiet",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROMIUM_FLAGS}",
    ]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    env = dict(os.environ, CHROME_PATH=CHROMIUM)
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=AUDIT_TIMEOUT, check=False)
    if completed.returncode != 0 or not out.exists():
        raise BenchError(f"lighthouse failed on {url} ({form_factor}):\n{completed.stderr[-2000:]}")
    return json.loads(out.read_text())


def shortfalls(report, category):
    """The audits that kept ``category`` under 100: title and score."""
    refs = report["categories"][category]["auditRefs"]
    lost = []
    for ref in refs:
        result = report["audits"][ref["id"]]
        if ref["weight"] and result.get("score") is not None and result["score"] < 1:
            lost.append(f"{result['title']} ({result['score']:.2f})")
    return lost


def run(args):
    pages = [page.strip() for page in args.pages.split(",") if page.strip()]
    rows, missed = [], []
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as workdir:
        database = ThrowawayDatabase(None, workdir)
        port = free_port()
        env = app_environment(database.create(), port)
        flask_command(env, "db", "upgrade")
        flask_command(env, "endorsements", "import")
        if args.signatures:
            fill_signatures(env, database.url, args.signatures)
        server = Gunicorn(env, port, workers=2, log_path=Path(workdir) / "gunicorn.log")
        try:
            server.start()
            for page in pages:
                for form_factor in ("mobile", "desktop"):
                    report = audit(args.lighthouse, server.base_url + page, form_factor, workdir)
                    scores = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
                    rows.append((page, form_factor, scores))
                    say(f"{page} {form_factor}: " + ", ".join(f"{c} {s}" for c, s in scores.items()))
                    for category, score in scores.items():
                        if score < 100:
                            lost = "; ".join(shortfalls(report, category))
                            missed.append(f"{page} {form_factor} {category} {score}: {lost}")
                            say(f"  {category} {score}: {lost}")
        finally:
            hold_interrupts()
            server.stop()
            database.drop()
    table = ["| page | form factor | " + " | ".join(CATEGORIES) + " |", "|---|---|" + "---:|" * len(CATEGORIES)]
    table += [f"| `{p}` | {f} | " + " | ".join(str(s[c]) for c in CATEGORIES) + " |" for p, f, s in rows]
    print("\n".join(table))
    if args.markdown_out:
        args.markdown_out.write_text("\n".join(table + [""] + [f"- {line}" for line in missed]) + "\n")
    return 1 if (args.check and missed) else 0


def main(argv=None):
    args = parse_args(argv)
    return guarded(run, args)


if __name__ == "__main__":
    sys.exit(main())
