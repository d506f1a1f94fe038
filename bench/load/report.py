"""The report of a load run: the phases' figures, the mail, the CPU, the faults, the accounting, the machine."""

import datetime as dt
import importlib.metadata
import os
import platform

from bench.harness import commit_id, core_count, cpu_model


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def fmt_ms(value):
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def cpu_lines(cpu, requests):
    seconds = cpu["seconds"]
    lines = []
    for name, used in cpu["parts"].items():
        if used is None:
            lines.append(f"{name} unknown (restarted during the phase)")
            continue
        per_request = f", {used / requests * 1000:.2f} ms per request" if requests else ""
        lines.append(f"{name} {used / seconds:.2f} cores{per_request}")
    busy = cpu["machine busy"] / cpu["machine capacity"] * 100 if cpu["machine capacity"] else 0
    ours = sum(used for used in cpu["parts"].values() if used is not None)
    others = max(cpu["machine busy"] - ours, 0.0)
    unknown = " (PostgreSQL's share included, being unknown)" if None in cpu["parts"].values() else ""
    return "; ".join(lines) + (
        f"; whole machine {busy:.0f} % busy of {cpu['cores']:.0f} cores, of which {others / seconds:.2f} cores "
        f"used by other processes than the run's{unknown}"
    )


def phase_row(name, requests, accepted, overall, sustained, p50, p99, baseline):
    ratio = f"{sustained / baseline:.3f}" if baseline else "—"
    return (
        f"| {name} | {requests:,} | {accepted:,} | {overall:,.0f}/s | {sustained:,.0f}/s | {fmt_ms(p50)} | "
        f"{fmt_ms(p99)} | {ratio} |"
    )


def render_report(run, results):
    args = run.args
    baseline = (results["baseline before"].requests_per_second + results["baseline after"].requests_per_second) / 2
    mode = "with faults" if args.faults else "no faults"
    lines = [
        f"### {run.short_database}: {args.signatures:,} signatures, {args.clients} clients, {mode}",
        "",
        "| phase | requests | answered 303 | throughput | sustained (middle 90 %) | p50 | p99 | sustained / baseline |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    submitted = results.get("submitted")
    if submitted is not None:
        attempts = sum(len(o.attempts) for o in submitted.outcomes.values())
        overall, sustained = submitted.throughput()
        latencies = submitted.latencies_ms()
        results["submission rate"] = sustained
        results["submission p99"] = percentile(latencies, 0.99)
        lines.append(
            phase_row(
                "submissions (`POST /<lang>/sign`)",
                attempts,
                len(submitted.accepted_attempts()),
                overall,
                sustained,
                percentile(latencies, 0.50),
                percentile(latencies, 0.99),
                baseline,
            )
        )
    else:
        wrk_result, statuses, seconds = results["wrk"]
        rate = statuses.get(303, 0) / seconds
        results["submission rate"] = rate
        results["submission p99"] = wrk_result.p99_ms
        lines.append(
            phase_row(
                "submissions (`POST /en/sign`, wrk)",
                sum(statuses.values()),
                statuses.get(303, 0),
                rate,
                rate,
                wrk_result.p50_ms,
                wrk_result.p99_ms,
                baseline,
            )
        )
    confirmed = results["confirmed"]
    overall, sustained = confirmed.throughput()
    latencies = confirmed.latencies_ms()
    lines.append(
        phase_row(
            "confirmations (`POST /<lang>/confirm/<token>`)",
            sum(len(o.attempts) for o in confirmed.outcomes.values()),
            len(confirmed.accepted_attempts()),
            overall,
            sustained,
            percentile(latencies, 0.50),
            percentile(latencies, 0.99),
            baseline,
        )
    )
    before, after = results["baseline before"], results["baseline after"]
    lines += [
        "",
        f"Baseline `/robots.txt` (wrk -t1 -c8 -d{args.baseline_seconds}s): {before.requests_per_second:,.0f}/s "
        f"before, {after.requests_per_second:,.0f}/s after, mean {baseline:,.0f}/s.",
        "",
        f"Mail: {results['facts']['sink messages']:,} message(s) received by the sink; the outbox was empty "
        f"{results['delivery seconds']:.1f}s after the last submission was answered "
        f"({results['delivery rate']:,.0f} messages/s from first to last receipt).",
        "",
        f"CPU during the submissions ({run.cpu['submissions']['seconds']:.1f}s): "
        + cpu_lines(run.cpu["submissions"], args.signatures),
        "",
        f"CPU during the confirmations ({run.cpu['confirmations']['seconds']:.1f}s): "
        + cpu_lines(run.cpu["confirmations"], len(confirmed.outcomes)),
    ]
    if run.faults.log:
        lines += ["", "| fault | at (s from the first submission) | lasted | detail |", "|---|---:|---:|---|"]
        for fault in run.faults.log:
            lasted = f"{fault.ended - fault.started:.1f}s" if fault.ended is not None else "—"
            lines.append(f"| {fault.name} | {fault.started - run.perf0:.1f} | {lasted} | {fault.detail} |")
    facts = results["facts"]
    failures = {k: v for k, v in facts.items() if k.endswith("failures") and v}
    if failures:
        lines += [
            "",
            "Failed attempts (each retried by its client): " + "; ".join(f"{k}: {v}" for k, v in failures.items()),
        ]
    lines += ["", "Accounting:", ""]
    for check in run.checks:
        lines.append(f"- {'PASS' if check.ok else '**FAIL**'}: {check.name} ({check.detail})")
    target_ok = run.db.postgres and results["submission rate"] >= 500 and results["submission p99"] < 250
    if run.db.postgres:
        lines += [
            "",
            f"Target (PostgreSQL): ≥ 500 submissions/s sustained and p99 < 250 ms: "
            f"{'met' if target_ok else 'missed'} ({results['submission rate']:,.0f}/s, "
            f"p99 {fmt_ms(results['submission p99'])}).",
        ]
    if results.get("profile"):
        lines += ["", results["profile"]]
    lines += ["", *(f"- {name}: {value}" for name, value in machine_facts(run, results))]
    return "\n".join(lines)


def machine_facts(run, results):
    """The lines under the report: the machine, the versions, and how the site ran."""
    cores, cpu = core_count(), cpu_model()
    mail = (
        f"{run.args.mail_workers} `flask --app petition mail worker` process(es), MAIL_BACKGROUND_SENDER=false"
        if run.args.mail_sender == "worker"
        else "the background sender in each gunicorn worker"
    )
    if run.args.mail_nice:
        mail += f"; mail workers and sink at niceness {run.args.mail_nice}"
    workers = run.server.describe() + (
        "" if run.args.workers else " (gunicorn.conf.py: WEB_CONCURRENCY, default 2 × cores + 1)"
    )
    restarts = sum(m.restarts for m in run.mailers)
    return [
        ("date", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("machine", f"{cores} cores (nproc), {cpu}, {platform.system()} {platform.release()}"),
        ("python", platform.python_version()),
        ("gunicorn", f"{importlib.metadata.version('gunicorn')}, {workers}"),
        (
            "mail",
            f"{mail}; sink bench/sink.py (aiosmtpd {importlib.metadata.version('aiosmtpd')})"
            + (f"; {restarts} mail worker restart(s)" if restarts else ""),
        ),
        ("load generator", results["generator"]),
        ("rate limits", run.limits_description()),
        *([("settings", ", ".join(f"`{setting}`" for setting in run.args.set))] if run.args.set else []),
        ("database", run.database_label),
        ("load average (1 min)", f"{results['load before']} before the run, {os.getloadavg()[0]:.2f} at its end"),
        ("commit", (commit_id() or "unknown") + " (with uncommitted changes of the working tree)"),
    ]
