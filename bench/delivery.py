"""The delivery document through the real command: its time and peak memory as the list grows.

    .venv/bin/python -m bench.delivery [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
                                       [--sizes 100000,1000000] [--repeat 1] [--check] [--markdown-out FILE]

A throwaway database (a SQLite file, or a fresh PostgreSQL database created and dropped here) gets the
schema, the bundled organisations and ``bench.fill``'s signers up to each size in turn. At each size
``flask --app petition signatures delivery --out FILE.pdf`` runs in a child process, as an operator
would, and the child's wall time and peak resident memory (``ru_maxrss`` from ``wait4``) are read.
What it wrote is checked: the CSV holds a row per signature, the PDF's cover prints that CSV's SHA-256,
and the PDF has as many pages as the command said.

Targets (issue 14): at 100,000 signatures the document builds in under 60 s with peak memory under
500 MB; at larger sizes both are reported, and the growth of memory from the smallest size to the
largest shows whether it stays flat. ``--check`` makes a missed target exit with status 1.
"""

import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.child import measured_child, sized_parser
from bench.export import environment, machine_facts, rows_in
from bench.harness import (
    BenchError,
    ThrowawayDatabase,
    fill_signatures,
    flask_command,
    guarded,
    load_average,
    say,
    target_status,
)

TARGET_SIZE = 100_000
SECONDS_TARGET = 60.0
MEMORY_TARGET_MB = 500.0
TIMEOUT = 3600.0  # seconds for one document before it is killed


@dataclass(frozen=True)
class Measure:
    signatures: int
    runs: list  # of ChildRun
    pages: int
    pdf_bytes: int

    @property
    def seconds(self):
        return min(run.seconds for run in self.runs)

    @property
    def peak_mb(self):
        return max(run.peak_kib for run in self.runs) * 1024 / 1e6

    @property
    def per_second(self):
        return self.signatures / self.seconds


def pdf_pages(path):
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def checked(pdf, csv, signatures):
    """The document's page count, once its CSV and its cover are found to agree with each other."""
    rows = rows_in(csv)
    if rows != signatures:
        raise BenchError(f"the CSV holds {rows:,} rows, not {signatures:,}")
    digest = hashlib.sha256(csv.read_bytes()).hexdigest()
    cover = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, check=True, text=True)
    if digest not in cover.stdout:
        raise BenchError("the cover does not print the SHA-256 of the CSV written beside it")
    return pdf_pages(pdf)


def measure(env, workdir, signatures, repeat):
    pdf, csv = workdir / "delivery.pdf", workdir / "delivery.csv"
    runs = []
    for number in range(repeat):
        command = [sys.executable, "-m", "flask", "--app", "petition", "signatures", "delivery", "--out", str(pdf)]
        run = measured_child(command, env, workdir / "stderr.txt", TIMEOUT)
        pages = checked(pdf, csv, signatures)
        runs.append(run)
        say(f"  run {number + 1}: {run.seconds:.1f} s, peak {run.peak_kib / 1024:.0f} MiB, {pages:,} pages")
    return Measure(signatures, runs, pages, pdf.stat().st_size)


def evaluate(measures):
    checks = []
    for m in measures:
        if m.signatures == TARGET_SIZE:
            fast = m.seconds < SECONDS_TARGET
            small = m.peak_mb < MEMORY_TARGET_MB
            checks.append((f"seconds at {m.signatures:,}", f"{m.seconds:.1f}", f"< {SECONDS_TARGET:.0f}", fast))
            checks.append((f"peak MB at {m.signatures:,}", f"{m.peak_mb:.0f}", f"< {MEMORY_TARGET_MB:.0f}", small))
    if len(measures) > 1:
        growth = measures[-1].peak_mb / measures[0].peak_mb
        label = f"peak memory at {measures[-1].signatures:,} / at {measures[0].signatures:,}"
        checks.append((label, f"{growth:.2f}", "reported (flat ≈ 1)", True))
    return checks


def render(measures, checks):
    lines = [
        "| signatures | whole command (s) | signatures/s | peak memory (MB) | pages | PDF (MB) |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for m in measures:
        lines.append(
            f"| {m.signatures:,} | {m.seconds:.1f} | {m.per_second:,.0f} | {m.peak_mb:.0f} | {m.pages:,} "
            f"| {m.pdf_bytes / 1e6:.1f} |"
        )
    lines += ["", "| target | figure | wanted | met |", "|---|---:|---:|:---:|"]
    lines += [f"| {name} | {figure} | {wanted} | {'yes' if ok else '**no**'} |" for name, figure, wanted, ok in checks]
    return "\n".join(lines)


def parse_args(argv=None):
    return sized_parser(
        "python -m bench.delivery", __doc__.split("\n\n")[0], "100000,1000000", default_repeat=1
    ).parse_args(argv)


def run(args):
    load_before = load_average()
    workdir = Path(tempfile.mkdtemp(prefix="petition-bench-delivery-"))
    database = None
    try:
        database = ThrowawayDatabase(args.database_url, workdir)
        database_url = database.create()
        env = environment(database_url)
        flask_command(env, "db", "upgrade")
        flask_command(env, "endorsements", "import", "--if-empty")
        measures, filled = [], 0
        for size in args.sizes:
            say(f"filling to {size:,} confirmed signatures (bench.fill)")
            fill_signatures(env, database_url, size - filled)
            filled = size
            say(f"building the delivery document of {size:,} signatures")
            measures.append(measure(env, workdir, size, args.repeat))
        checks = evaluate(measures)
        table = render(measures, checks)
        print(table)
        if args.markdown_out:
            method = (
                "`flask --app petition signatures delivery --out FILE.pdf` in a child process (APP_ENV=production); "
                f"the fastest of {args.repeat} runs for the time, the highest for memory"
            )
            facts = machine_facts(database.label, load_before, method)
            facts = "\n".join(f"- {name}: {value}" for name, value in facts)
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
