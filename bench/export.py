"""The export of confirmed signatures through the real command: rows per second and peak memory.

    .venv/bin/python -m bench.export [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
                                     [--sizes 100000,1000000] [--repeat 3] [--check] [--markdown-out FILE]

The script makes a throwaway database (a SQLite file in a temporary directory, or a fresh
PostgreSQL database on the server that ``--database-url`` names, created and dropped here), builds
the schema with the migrations, and fills it with ``bench.fill`` up to each size in turn. At
each size it runs ``flask --app petition signatures export --out FILE`` in a child process, as an
operator would, ``--repeat`` times, and reads the child's wall time and peak resident memory
(``ru_maxrss`` from ``wait4``, the child alone). It also runs the same command on an export that
matches nothing (``--since 2999-01-01``), which measures what every run pays before the first row:
Python, Flask and the app starting up. The file written is checked: a byte order mark, a header and
exactly as many rows as the database holds.

Targets (issue 5): at least 100,000 rows a second for the export itself (the whole command's time
less the start-up's) at every size, and peak memory at the largest size within 10 % of that at the
smallest. A missed target makes the script exit with status 1 when ``--check`` is given. Every
exit path, Ctrl-C and SIGTERM included, removes the temporary directory and drops the database.
"""

import datetime as dt
import os
import platform
import secrets
import shutil
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.child import measured_child, sized_parser
from bench.harness import (
    BenchError,
    ThrowawayDatabase,
    commit_id,
    core_count,
    cpu_model,
    fill_signatures,
    flask_command,
    guarded,
    load_average,
    say,
    target_status,
)

ROWS_PER_SECOND_TARGET = 100_000
MEMORY_GROWTH_TARGET = 1.10  # peak memory at the largest size / at the smallest
EXPORT_TIMEOUT = 900.0  # seconds for one export before it is killed
NOTHING = ["--since", "2999-01-01"]  # an export that matches no row: the cost of starting up


@dataclass(frozen=True)
class Measure:
    rows: int
    runs: list  # of Run
    startup: list  # of Run: the empty export, measured at the same size
    file_bytes: int

    @property
    def seconds(self):
        return statistics.median(run.seconds for run in self.runs)

    @property
    def startup_seconds(self):
        return statistics.median(run.seconds for run in self.startup)

    @property
    def export_seconds(self):
        return max(self.seconds - self.startup_seconds, 1e-9)

    @property
    def export_cpu_seconds(self):
        startup = statistics.median(run.cpu_seconds for run in self.startup)
        return max(statistics.median(run.cpu_seconds for run in self.runs) - startup, 1e-9)

    @property
    def rows_per_second(self):
        return self.rows / self.export_seconds

    @property
    def whole_rows_per_second(self):
        return self.rows / self.seconds

    @property
    def peak_mib(self):
        return max(run.peak_kib for run in self.runs) / 1024

    @property
    def startup_peak_mib(self):
        return max(run.peak_kib for run in self.startup) / 1024


def environment(database_url):
    env = dict(os.environ)
    env.update(
        SECRET_KEY=secrets.token_hex(32),
        IP_HASH_KEY=secrets.token_hex(32),
        DATABASE_URL=database_url,
        APP_ENV="production",
        PRIVACY_CONTACT_EMAIL="privacy@letter.example.ca",  # production refuses to start without one
        MAIL_SERVER="",
        MAIL_BACKGROUND_SENDER="false",
        PYTHONUNBUFFERED="1",
    )
    env.pop("TESTING", None)
    return env


def run_export(env, workdir, *arguments):
    """Run the command once in a child process; its wall time and peak memory, and its file."""
    out = workdir / "signatures.csv"
    out.unlink(missing_ok=True)
    command = [sys.executable, "-m", "flask", "--app", "petition", "signatures", "export", "--out", str(out)]
    return measured_child([*command, *arguments], env, workdir / "stderr.txt", EXPORT_TIMEOUT), out


def rows_in(path):
    """The data rows of an export, checked: a BOM, a header, CRLF line ends (no name holds a line end)."""
    lines = 0
    with open(path, "rb") as handle:
        if handle.read(3) != b"\xef\xbb\xbf":
            raise BenchError(f"{path} does not start with a byte order mark")
        handle.seek(0)
        while block := handle.read(1 << 20):
            lines += block.count(b"\r\n")
    return lines - 1


def measure(env, workdir, rows, repeat):
    startup = [run_export(env, workdir, *NOTHING)[0] for _ in range(repeat)]
    runs = []
    for number in range(repeat):
        run, out = run_export(env, workdir)
        found = rows_in(out)
        if found != rows:
            raise BenchError(f"the export holds {found:,} rows, not {rows:,}")
        size = out.stat().st_size
        runs.append(run)
        say(f"  run {number + 1}: {run.seconds:.2f} s, {run.cpu_seconds:.2f} s CPU, peak {run.peak_kib / 1024:.1f} MiB")
    return Measure(rows, runs, startup, size)


def evaluate(measures):
    """Each target with its figure and whether it was met."""
    checks = [
        (
            f"rows/s at {m.rows:,} (export only)",
            f"{m.rows_per_second:,.0f}",
            f"≥ {ROWS_PER_SECOND_TARGET:,}",
            m.rows_per_second >= ROWS_PER_SECOND_TARGET,
        )
        for m in measures
    ]
    if len(measures) > 1:
        smallest, largest = measures[0], measures[-1]
        growth = largest.peak_mib / smallest.peak_mib
        checks.append(
            (
                f"peak memory at {largest.rows:,} / at {smallest.rows:,}",
                f"{growth:.3f}",
                f"≤ {MEMORY_GROWTH_TARGET:.2f}",
                growth <= MEMORY_GROWTH_TARGET,
            )
        )
    return checks


def render(measures, checks):
    lines = [
        "| rows | whole command (s) | start-up (s) | export (s) | rows/s, export | rows/s, whole command "
        "| export CPU (s) | peak memory (MiB) | start-up peak (MiB) | file (MiB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in measures:
        lines.append(
            f"| {m.rows:,} | {m.seconds:.2f} | {m.startup_seconds:.2f} | {m.export_seconds:.2f} "
            f"| {m.rows_per_second:,.0f} | {m.whole_rows_per_second:,.0f} | {m.export_cpu_seconds:.2f} "
            f"| {m.peak_mib:.1f} | {m.startup_peak_mib:.1f} | {m.file_bytes / 2**20:.1f} |"
        )
    lines += ["", "| target | figure | wanted | met |", "|---|---:|---:|:---:|"]
    lines += [f"| {name} | {figure} | {wanted} | {'yes' if ok else '**no**'} |" for name, figure, wanted, ok in checks]
    return "\n".join(lines)


def machine_facts(database_label, load_before, method):
    commit, cpu, cores = commit_id(), cpu_model(), core_count()
    return [
        ("date", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("machine", f"{cores} cores (nproc), {cpu}, {platform.system()} {platform.release()}"),
        ("python", platform.python_version()),
        ("database", database_label),
        ("method", method),
        ("load average (1 min)", f"{load_before} before the run, {load_average()} at its end"),
        ("commit", commit or "unknown (uncommitted work included)"),
    ]


def parse_args(argv=None):
    return sized_parser(
        "python -m bench.export", __doc__.split("\n\n")[0], "100000,1000000", default_repeat=3
    ).parse_args(argv)


def run(args):
    load_before = load_average()
    workdir = Path(tempfile.mkdtemp(prefix="petition-bench-export-"))
    database = None
    try:
        database = ThrowawayDatabase(args.database_url, workdir)
        database_url = database.create()
        database_label = database.label
        env = environment(database_url)
        flask_command(env, "db", "upgrade")
        measures, filled = [], 0
        for size in args.sizes:
            say(f"filling to {size:,} confirmed signatures (bench.fill)")
            fill_signatures(env, database_url, size - filled)
            filled = size
            say(f"exporting {size:,} rows, {args.repeat} times")
            measures.append(measure(env, workdir, size, args.repeat))
        checks = evaluate(measures)
        table = render(measures, checks)
        print(table)
        if args.markdown_out:
            method = (
                "`flask --app petition signatures export --out FILE` in a child process (APP_ENV=production); "
                f"median of {args.repeat} runs for the times, the highest of {args.repeat} for memory"
            )
            facts = "\n".join(
                f"- {name}: {value}" for name, value in machine_facts(database_label, load_before, method)
            )
            args.markdown_out.parent.mkdir(parents=True, exist_ok=True)
            args.markdown_out.write_text(f"{table}\n\n{facts}\n", encoding="utf-8")
        return all(ok for *_rest, ok in checks)
    finally:
        if database is not None:
            database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv=None):
    args = parse_args(argv)
    return target_status(guarded(run, args), args.check)


if __name__ == "__main__":
    sys.exit(main())
