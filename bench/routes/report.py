"""bench.routes' report: the table of figures, ratios and targets, and the machine it was measured on."""

import datetime as dt
import importlib.metadata
import platform

from bench.harness import commit_id, core_count, cpu_model, load_average
from bench.routes.plan import BASELINE

DRIFT_WARNING = 10.0  # percent of baseline drift above which the table carries a warning


def format_ms(value):
    return f"{value:.2f} ms" if value < 100 else f"{value:.0f} ms"


def evaluate(first, last, measured):
    """Table rows, the baseline's mean, and whether every target was met without errors."""
    baseline = (first.requests_per_second + last.requests_per_second) / 2
    rows, ok = [], True
    for result, target in [(first, None), *measured, (last, None)]:
        ratio = result.requests_per_second / baseline if baseline else 0.0
        if target is None:
            verdict = "—"
        elif result.errors:
            verdict, ok = "FAIL (errors)", False
        elif ratio >= target:
            verdict = "PASS"
        else:
            verdict, ok = "FAIL", False
        if result.errors and target is None:
            ok = False
        rows.append(
            "| {} | {:,.0f} | {} | {} | {:.2f} | {} | {} |".format(
                result.name,
                result.requests_per_second,
                format_ms(result.p50_ms),
                format_ms(result.p99_ms),
                ratio,
                f"≥ {target:.2f}" if target is not None else "—",
                verdict,
            )
        )
    return rows, baseline, ok


def render_table(first, last, measured):
    rows, baseline, ok = evaluate(first, last, measured)
    drift = (last.requests_per_second - first.requests_per_second) / baseline * 100 if baseline else 0.0
    lines = [
        "| route | requests/s | p50 | p99 | ratio to baseline | target | result |",
        "|---|---:|---:|---:|---:|---:|---|",
        *rows,
        "",
        f"Baseline: mean of the two `{BASELINE}` runs, {baseline:,.0f} requests/s "
        f"(drift from first to last: {drift:+.1f}%).",
    ]
    if abs(drift) > DRIFT_WARNING:
        lines.append("")
        lines.append(
            f"**The baseline drifted by {drift:+.1f}%**: something else used the CPU during the run; "
            "treat the ratios with caution and run again on a quiet machine."
        )
    errors = [r for r in [first, *(m for m, _ in measured), last] if r.errors]
    for result in errors:
        lines.append("")
        lines.append(f"**{result.route}: {result.errors} errors** (non-2xx/3xx responses or socket errors).")
    return "\n".join(lines), ok


def machine_facts(args, database_label, wrk_name, load_before, slug):
    commit, cpu, cores = commit_id(), cpu_model(), core_count()
    return [
        ("date", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("machine", f"{cores} cores (nproc), {cpu}, {platform.system()} {platform.release()}"),
        ("python", platform.python_version()),
        (
            "gunicorn",
            f"{importlib.metadata.version('gunicorn')}, {args.workers} sync workers, not recycled (`--max-requests 0`)",
        ),
        (
            "wrk",
            f"{wrk_name}: `-t{args.threads} -c{args.connections} -d{args.duration}s --latency`, "
            f"after a {args.warmup}s warm-up per route",
        ),
        ("database", database_label),
        (
            "made here",
            f"in each language a pending signature (its email's links) and one confirmed through its "
            f"page (the session of `/<lang>/thanks`); `<slug>` is `{slug}`, the lead signatory",
        ),
        # The run itself keeps about 3 processes busy, so the second figure is near 2 at best.
        ("load average (1 min)", f"{load_before} before the run, {load_average()} at its end"),
        ("commit", commit or "unknown"),
    ]


def render_facts(facts):
    return "\n".join(f"- {name}: {value}" for name, value in facts)
