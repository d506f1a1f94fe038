"""What the benchmarks of whole commands share: a child process measured alone, and ``--sizes``."""

import argparse
import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.harness import ROOT, BenchError


@dataclass(frozen=True)
class ChildRun:
    seconds: float
    cpu_seconds: float  # user and system time of the child: what a busy machine does not inflate
    peak_kib: int  # ru_maxrss of the child, in KiB on Linux


def measured_child(command, env, stderr_path, timeout):
    """Run ``command`` in a child process; its wall time, CPU time and peak memory (``ChildRun``).

    ``wait4`` gives the resources of this child alone (RUSAGE_CHILDREN would mix in the others).
    A child still running after ``timeout`` seconds is killed; a failure raises ``BenchError``.
    """
    with open(stderr_path, "wb") as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        watchdog = threading.Timer(timeout, process.kill)
        watchdog.start()
        try:
            _pid, status, usage = os.wait4(process.pid, 0)
        except BaseException:  # Ctrl-C, SIGTERM: the child goes too, before its database does
            process.kill()
            process.wait()
            raise
        finally:
            watchdog.cancel()
        seconds = time.perf_counter() - started
    # Told, so that Popen does not think the child still runs (it was reaped by wait4, not by Popen).
    code = process.returncode = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise BenchError(f"`{' '.join(command[3:])}` failed ({code}):\n{Path(stderr_path).read_text()}")
    return ChildRun(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


def ascending_sizes(text):
    """``--sizes`` as argparse takes it: "100000,1_000_000" as [100000, 1000000], positive and ascending."""
    try:
        sizes = [int(size.replace("_", "")) for size in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError("--sizes takes whole numbers separated by commas") from None
    if any(size < 1 for size in sizes) or sizes != sorted(set(sizes)):
        raise argparse.ArgumentTypeError("--sizes must be positive and ascending")
    return sizes


def at_least_one(text):
    """A count as argparse takes it: a whole number of at least 1."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def sized_parser(prog, description, default_sizes, default_repeat=None):
    """The options every bench measured at growing sizes shares: ``--database-url``, ``--sizes``
    (``default_sizes``, e.g. "100000,1000000"), ``--check``, ``--markdown-out``, and ``--repeat``
    where the bench runs each size several times (``default_repeat``)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server (postgresql://user@host:port/db): a fresh database is made on it and dropped "
        "afterwards; default: a SQLite file in a temporary directory",
    )
    parser.add_argument(
        "--sizes",
        type=ascending_sizes,
        default=default_sizes,
        help=f"confirmed signatures at which to measure, ascending, comma-separated (default {default_sizes})",
    )
    parser.add_argument("--check", action="store_true", help="exit with status 1 when a target is missed")
    parser.add_argument("--markdown-out", type=Path, help="also write the table and the machine facts to this file")
    if default_repeat is not None:
        parser.add_argument(
            "--repeat", type=at_least_one, default=default_repeat, help=f"runs per size (default {default_repeat})"
        )
    return parser
