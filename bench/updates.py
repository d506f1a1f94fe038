"""An update to many consenting signers: messages a second from the outbox to an SMTP sink, and
the letter page's throughput while it goes out.

    .venv/bin/python -m bench.updates --database-url postgresql://postgres@127.0.0.1:5432/postgres
                                      [--signers 100000] [--rate 60000] [--mail-workers 1]
                                      [--workers 2] [--duration 10] [--connections 8]
                                      [--check] [--markdown-out FILE]

The script makes a throwaway database (a SQLite file, or a fresh PostgreSQL database on the
server ``--database-url`` names), builds the schema, imports the endorsements, adds ``--signers``
confirmed signatures with ``bench.fill`` and has every one of them consent to updates. It starts
``bench.sink``, the app under gunicorn (whose processes send nothing, as in production), writes an
update through ``petition.updates.service`` and starts sending it at ``--rate`` a minute
(``UPDATES_PER_MINUTE``, above what one worker can do, so that the workers are what is measured),
then starts ``--mail-workers`` ``flask --app petition mail worker`` processes.

It measures, in order: messages a second reaching the sink for ``--alone`` seconds with nothing
else running, from the first message in the sink; then, with wrk in another process,
``/robots.txt``, ``/en/`` and ``/robots.txt`` again for ``--duration`` seconds each, and the
messages a second meanwhile; and the whole send, from the start to the last message. The letter
page's ratio is its requests/s over the mean of the two ``/robots.txt`` runs of the same phase,
measured once before the send (quiet) and once during it. Targets: 300 messages/s alone, and a
ratio of 0.40 during the send.

Every recipient must receive the update once: the sink must hold as many messages as there are
recipients, to as many distinct addresses, and the outbox must have sent them all, or the run
fails with status 1 (as it does with ``--check`` when a target is missed).
"""

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.export import machine_facts
from bench.harness import (
    ROOT,
    BenchError,
    Gunicorn,
    ThrowawayDatabase,
    app_context,
    app_environment,
    fill_signatures,
    flask_command,
    free_port,
    guarded,
    load_average,
    require_wrk,
    run_wrk,
    say,
    target_status,
)
from bench.load.processes import Sink

MESSAGES_TARGET = 300
LETTER_TARGET = 0.40
SENDER = {"CAMPAIGN_NAME": "Bench campaign", "CAMPAIGN_POSTAL_ADDRESS": "1 Bench Street\\nOttawa ON K1A 0A1"}


def consent_everyone():
    """Every confirmed signer asks for updates, as a campaign whose signers all ticked the box."""
    from sqlalchemy import update

    from petition.extensions import db
    from petition.signing.models import Signature, SignatureStatus

    db.session.execute(
        update(Signature)
        .where(Signature.status == SignatureStatus.CONFIRMED)
        .values(wants_updates=True, updates_consented_at=Signature.confirmed_at, consent_wording="bench")
    )
    db.session.commit()


def start_update():
    """Write an update in both languages and start sending it; returns (id, recipients)."""
    from petition.extensions import db
    from petition.updates import service

    draft = service.Draft(
        subject_en="The letter was delivered",
        body_en="We handed the letter to the **Prime Minister's Office** today.\n\n[Photos](https://example.org/p)",
        subject_fr="La lettre a été remise",
        body_fr="Nous avons remis la lettre au **Cabinet du premier ministre** aujourd’hui.",
    )
    campaign_update = service.create(draft)
    counts = service.send(campaign_update)
    update_id = campaign_update.id
    db.session.remove()
    return update_id, counts["en"] + counts["fr"]


def outbox_statuses():
    from petition.extensions import db
    from petition.mail.models import OutboxMessage

    rows = db.session.execute(
        db.select(OutboxMessage.status, db.func.count())
        .where(OutboxMessage.kind == "update")
        .group_by(OutboxMessage.status)
    ).all()
    db.session.remove()
    return {str(status): count for status, count in rows}


class SinkStore:
    def __init__(self, path):
        self.path = path

    def counts(self):
        """(messages, distinct recipients) the sink holds."""
        if not Path(self.path).exists():
            return 0, 0
        with sqlite3.connect(self.path) as connection:
            return connection.execute("SELECT count(*), count(DISTINCT rcpt_to) FROM message").fetchone()


def rate_over(store, seconds):
    """Messages a second reaching the sink over ``seconds``."""
    before, started = store.counts()[0], time.monotonic()
    time.sleep(seconds)
    return (store.counts()[0] - before) / (time.monotonic() - started)


def letter_ratio(wrk, server, args, label):
    """The letter page's requests/s over the mean of /robots.txt's before and after it."""
    first = run_wrk(wrk, server.base_url, "/robots.txt", args, args.duration, label)
    letter = run_wrk(wrk, server.base_url, "/en/", args, args.duration, label)
    last = run_wrk(wrk, server.base_url, "/robots.txt", args, args.duration, label)
    for result in (first, letter, last):
        if result.errors:
            raise BenchError(f"{result.name}: {result.errors} errors")
    baseline = (first.requests_per_second + last.requests_per_second) / 2
    return letter, baseline, letter.requests_per_second / baseline


def start_workers(env, count, log_dir):
    workers = []
    for n in range(count):
        log = open(log_dir / f"mail-worker-{n}.log", "w")  # noqa: SIM115 - closed in stop_workers
        command = [sys.executable, "-m", "flask", "--app", "petition", "mail", "worker", "--poll", "0.2"]
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        workers.append((process, log))
    return workers


def stop_workers(workers):
    for process, log in workers:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def wait_until_sent(store, recipients, timeout):
    deadline = time.monotonic() + timeout
    while store.counts()[0] < recipients and time.monotonic() < deadline:
        time.sleep(0.5)
    return time.monotonic()


def measure(args, env, workdir, wrk):
    store = SinkStore(workdir / "sink.sqlite3")
    sink = Sink(free_port(), store.path, workdir / "sink.log")
    sink.start()
    server = Gunicorn(env, int(env["PUBLIC_URL"].rsplit(":", 1)[1]), args.workers, workdir / "gunicorn.log")
    workers = []
    try:
        server.start()
        say("the letter page before the send")
        quiet = letter_ratio(wrk, server, args, "before the send")
        with app_context(env):
            update_id, recipients = start_update()
        say(f"update {update_id}: {recipients:,} recipients; starting {args.mail_workers} mail worker(s)")
        mail_env = env | {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(sink.port), "MAIL_BATCH_SIZE": str(args.batch)}
        started = time.monotonic()
        workers = start_workers(mail_env, args.mail_workers, workdir)
        # The workers' start (imports, a first connection) is not the send's pace: the window
        # opens with the first message in the sink.
        wait_until_sent(store, 1, timeout=60)
        alone = rate_over(store, args.alone)
        say(f"alone: {alone:,.0f} messages/s; now the letter page during the send")
        before_wrk, wrk_started = store.counts()[0], time.monotonic()
        during = letter_ratio(wrk, server, args, "during the send")
        during_rate = (store.counts()[0] - before_wrk) / (time.monotonic() - wrk_started)
        still_sending = store.counts()[0] < recipients
        finished = wait_until_sent(store, recipients, timeout=recipients / 50 + 120)
        received, distinct = store.counts()
        with app_context(env):
            statuses = outbox_statuses()
        return {
            "recipients": recipients,
            "received": received,
            "distinct": distinct,
            "statuses": statuses,
            "alone": alone,
            "during_rate": during_rate,
            "overall": received / (finished - started),
            "seconds": finished - started,
            "quiet": quiet,
            "during": during,
            "still_sending": still_sending,
        }
    finally:
        stop_workers(workers)
        server.stop()
        sink.close()


def report(args, figures):
    quiet_letter, quiet_base, quiet_ratio = figures["quiet"]
    letter, base, ratio = figures["during"]
    delivered = figures["received"] == figures["distinct"] == figures["recipients"] and figures["statuses"] == {
        "sent": figures["recipients"]
    }
    met_messages = figures["alone"] >= MESSAGES_TARGET
    met_letter = ratio >= LETTER_TARGET and figures["still_sending"]
    lines = [
        "| measure | figure | target | result |",
        "|---|---|---|---|",
        f"| messages/s to the sink, the send alone ({args.alone} s) | {figures['alone']:,.0f} | ≥ {MESSAGES_TARGET} "
        f"| {'met' if met_messages else 'missed'} |",
        f"| messages/s during the wrk runs | {figures['during_rate']:,.0f} | | |",
        f"| the whole send: {figures['recipients']:,} messages in {figures['seconds']:,.0f} s | "
        f"{figures['overall']:,.0f}/s | | |",
        f"| `/en/` ÷ `/robots.txt`, before the send | {quiet_ratio:.2f} ({quiet_letter.requests_per_second:,.0f} ÷ "
        f"{quiet_base:,.0f}) | | |",
        f"| `/en/` ÷ `/robots.txt`, during the send | {ratio:.2f} ({letter.requests_per_second:,.0f} ÷ {base:,.0f}) "
        f"| ≥ {LETTER_TARGET:.2f} | {'met' if met_letter else 'missed'} |",
        f"| delivered once each | {figures['received']:,} messages to {figures['distinct']:,} addresses; "
        f"outbox {figures['statuses']} | all | {'yes' if delivered else 'NO'} |",
    ]
    if not figures["still_sending"]:
        lines.append("\nThe send ended before the letter page's runs did: the ratio during the send is not one.")
    return "\n".join(lines), delivered, met_messages and met_letter


def run(args):
    wrk = require_wrk()
    load_before = load_average()
    workdir = Path(tempfile.mkdtemp(prefix="petition-bench-updates-"))
    database = ThrowawayDatabase(args.database_url, workdir)
    try:
        database_url = database.create()
        env = app_environment(database_url, free_port()) | SENDER | {"UPDATES_PER_MINUTE": str(args.rate)}
        flask_command(env, "db", "upgrade")
        flask_command(env, "endorsements", "import")
        say(f"filling {args.signers:,} confirmed signatures (bench.fill), every one asking for updates")
        fill_signatures(env, database_url, args.signers)
        with app_context(env):
            consent_everyone()
        figures = measure(args, env, workdir, wrk)
        table, delivered, met = report(args, figures)
        print(table)
        if args.markdown_out:
            method = (
                f"{args.signers:,} consenting signers; the app under gunicorn ({args.workers} sync workers), "
                f"{args.mail_workers} mail worker(s) (batches of {args.batch}), bench.sink, wrk -t{args.threads} "
                f"-c{args.connections} for {args.duration} s a route, UPDATES_PER_MINUTE={args.rate}"
            )
            facts = machine_facts(database.label, load_before, method)
            text = "\n".join(f"- {name}: {value}" for name, value in facts)
            args.markdown_out.parent.mkdir(parents=True, exist_ok=True)
            args.markdown_out.write_text(f"{table}\n\n{text}\n", encoding="utf-8")
        if not delivered:
            raise BenchError("the update did not reach every recipient exactly once")
        return met
    finally:
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.updates", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL server (default: a SQLite file)")
    parser.add_argument("--signers", type=int, default=100_000, help="consenting signers")
    parser.add_argument("--rate", type=int, default=60_000, help="UPDATES_PER_MINUTE")
    parser.add_argument("--mail-workers", type=int, default=1, help="mail worker processes")
    parser.add_argument("--batch", type=int, default=50, help="MAIL_BATCH_SIZE")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--alone", type=int, default=20, help="seconds of the send measured alone")
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--wrk-timeout", type=int, default=10, help="wrk's request timeout, seconds")
    parser.add_argument("--check", action="store_true", help="exit with status 1 when a target is missed")
    parser.add_argument("--markdown-out", type=Path, help="write the table and the machine's facts here")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    say(f"load average (1 min) before: {os.getloadavg()[0]:.2f}")
    return target_status(guarded(run, args), args.check, "a target was missed")


if __name__ == "__main__":
    sys.exit(main())
