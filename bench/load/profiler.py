"""``--profile DIR``: py-spy on the gunicorn and mail workers during the submissions, summarised.

py-spy samples only the threads holding the GIL (``--gil``), so the shares are of the CPU spent in
Python; the CPU figures from ``/proc`` remain the reference.
"""

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.harness import BenchError

# Where each sample lands: the first of these, looking from the innermost frame outwards.
LIBRARY_CATEGORIES = [
    ("gunicorn: waiting for the next connection", r"^SyncWorker\.(accept|wait) |^(select|poll) \(selectors"),
    ("gunicorn: close_graceful (after the response, until the client closes)", r"close_graceful \(gunicorn/"),
    ("psycopg (PostgreSQL driver)", r"\(psycopg/"),
    ("sqlite3", r"\(sqlite3/|sqlite3"),
    ("redis client (rate-limit storage)", r"\(redis/"),
    ("Flask-Limiter, limits", r"\((flask_limiter|limits)/"),
    ("SQLAlchemy", r"\(sqlalchemy/|<sqlalchemy generated"),
    ("Jinja2 and the templates", r"\(jinja2/|\(petition/templates/|\.(html|txt):\d+\)$"),
    ("Babel, Flask-Babel", r"\((babel|flask_babel)/"),
    ("WTForms, Flask-WTF, email_validator", r"\((wtforms|flask_wtf|email_validator)/"),
    ("itsdangerous (tokens, session cookie)", r"\(itsdangerous/"),
    ("email (building messages), smtplib", r"\((email|smtplib)/|\(email/"),
    ("Werkzeug, Flask", r"\((werkzeug|flask)/"),
    ("gunicorn (HTTP parsing, access log)", r"\(gunicorn/|\(logging/"),
    ("petition (the project's own code)", r"\(petition/"),
]
# Steps of the request, inclusive (a step's share includes the steps nested in it).
REQUEST_STEPS = [
    ("POST /<lang>/sign", r"^sign \(petition/signing/routes\.py"),
    ("  form validation (WTForms, email_validator, CSRF)", r"^(\w+\.)*validate \((wtforms|flask_wtf)/"),
    ("  service.submit (the transaction)", r"^submit \(petition/signing/service\.py"),
    (
        "    insert_new_signature (the signature, its event, tallies and outbox row)",
        r"^insert_new_signature \(petition/",
    ),
    ("    session.commit", r"^(\w+\.)*commit \(sqlalchemy/orm/scoping"),
    ("POST /<lang>/confirm/<token>", r"^confirm \(petition/signing/routes\.py"),
    ("mail worker: drain (claim, render, build, send, record)", r"^drain \(petition/mail/outbox\.py"),
    ("  claim", r"^claim \(petition/mail/outbox\.py"),
    ("  render (through the message's kind)", r"^render \(petition/mail/kinds\.py"),
    (
        "    render_signer_email (two templates, four signed links)",
        r"^render_signer_email \(petition/signing/emails\.py",
    ),
    ("  build_message (the bytes on the wire)", r"^build_message \(petition/mail/transport\.py"),
    ("  SMTP send", r"^(\w+\.)*send \(petition/mail/transport\.py"),
]


class Profiler:
    """py-spy on processes, summarised per group: threads holding the GIL only, so CPU time, not waiting."""

    def __init__(self, folder):
        self.folder = folder
        self.processes = []
        self.py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        if not Path(self.py_spy).exists():
            raise BenchError("--profile needs py-spy: .venv/bin/pip install py-spy")

    def start(self, group, pids):
        self.folder.mkdir(parents=True, exist_ok=True)
        for pid in pids:
            output = self.folder / f"{group.replace(' ', '-')}-{pid}.txt"
            command = [self.py_spy, "record", "--pid", str(pid), "--rate", "100", "--gil", "--nonblocking"]
            command += ["--format", "raw", "--output", str(output)]
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.processes.append((group, process, output))

    def stop(self):
        for _, process, _ in self.processes:
            process.send_signal(signal.SIGINT)
        for _, process, _ in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()

    def summary(self):
        groups = {}
        for group, _, output in self.processes:
            groups.setdefault(group, []).append(output)
        return "\n\n".join(self.summarise(group, outputs) for group, outputs in groups.items())

    @staticmethod
    def summarise(group, outputs):
        samples, steps, places = 0, Counter(), Counter()
        libraries = [(label, re.compile(pattern)) for label, pattern in LIBRARY_CATEGORIES]
        step_patterns = [(label, re.compile(pattern)) for label, pattern in REQUEST_STEPS]
        for output in outputs:
            if not output.exists():
                continue
            for line in output.read_text(errors="replace").splitlines():
                stack, _, count = line.rpartition(" ")
                if not count.isdigit():
                    continue
                n, frames = int(count), stack.split(";")
                samples += n
                for label, pattern in step_patterns:
                    if any(pattern.search(frame) for frame in frames):
                        steps[label] += n
                place = next(
                    (label for frame in reversed(frames) for label, pattern in libraries if pattern.search(frame)),
                    "other (standard library, interpreter)",
                )
                places[place] += n
        if not samples:
            return f"py-spy: no samples for the {group}"
        lines = [
            f"py-spy on the {group} ({len(outputs)} process(es), {samples:,} samples at 100 Hz, "
            "threads holding the GIL only: CPU time in Python)",
            "",
            "| step (inclusive) | share of the time |",
            "|---|---:|",
        ]
        for label, _ in REQUEST_STEPS:
            if steps[label]:
                depth = (len(label) - len(label.lstrip())) // 2
                lines.append(f"| {'› ' * depth}{label.strip()} | {steps[label] / samples * 100:.1f} % |")
        lines += ["", "| where the samples land (innermost known frame) | share |", "|---|---:|"]
        lines += [f"| {label} | {n / samples * 100:.1f} % |" for label, n in places.most_common()]
        return "\n".join(lines)
