"""A load run: the site set up in its production form, the phases one after the other, the tear-down."""

import asyncio
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

from bench.harness import (
    ROOT,
    BenchError,
    ThrowawayDatabase,
    app_environment,
    flask_command,
    free_port,
    hold_interrupts,
    say,
)
from bench.load.accounting import Check, account
from bench.load.faults import Faults
from bench.load.processes import CLK_TCK, ProductionGunicorn, Sink, Supervised, machine_busy, postgres_cpu
from bench.load.profiler import Profiler
from bench.load.signers import (
    Phase,
    Submission,
    client_ip,
    form_body,
    http,
    make_submission,
    open_session,
    run_requests,
)
from bench.load.stores import AppDatabase, confirm_path_in, sink_rows
from bench.load.wrk import run_baseline, run_wrk_submissions


class LoadRun:
    def __init__(self, args):
        self.args = args
        self.workdir = Path(tempfile.mkdtemp(prefix="petition-load-"))
        self.tag = secrets.token_hex(3)
        self.database = None
        self.server = None
        self.sink = None
        self.mailers = []
        self.db = None
        self.phase_over = False
        self.faults = Faults(self)
        self.notes = []
        self.checks = []
        self.cpu = {}

    # set-up

    def limits_mode(self):
        if self.args.limits != "auto":
            return self.args.limits
        has_proxy_fix = any("ProxyFix" in p.read_text() for p in (ROOT / "petition").rglob("*.py"))
        return "on" if has_proxy_fix else "off"

    def environment(self, database_url, port, sink_port):
        env = app_environment(database_url, port)
        env.update(
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(sink_port),
            MAIL_BACKGROUND_SENDER="true" if self.args.mail_sender == "background" else "false",
            # Shorter than production so that a run ends in minutes; the logic is the same.
            MAIL_RETRY_BASE_SECONDS=str(self.args.mail_retry_seconds),
            MAIL_RETRY_MAX_SECONDS="60",
            MAIL_LEASE_SECONDS=str(self.args.mail_lease_seconds),
            MAIL_DEFAULT_SENDER="Open letter <no-reply@bench.invalid>",
        )
        for setting in self.args.set:
            name, _, value = setting.partition("=")
            env[name.strip()] = value
        if self.limits == "on":
            env.update(
                RATELIMIT_ENABLED="true",
                TRUSTED_PROXIES="1",
                RATELIMIT_STORAGE_URI=self.args.redis_url,
                RATELIMIT_KEY_PREFIX=f"petition-load-{os.getpid()}-{self.tag}",
            )
        return env

    def setup(self):
        args = self.args
        self.database = ThrowawayDatabase(args.database_url, self.workdir)
        database_url = self.database.create()
        self.database_label = self.database.label
        self.db = AppDatabase(database_url)
        self.limits = self.limits_mode()
        self.port, sink_port = free_port(), free_port()
        self.env = self.environment(database_url, self.port, sink_port)
        say(f"database: {self.database_label}")
        flask_command(self.env, "db", "upgrade")
        say(flask_command(self.env, "endorsements", "import"))

        self.sink_store = self.workdir / "sink.sqlite3"
        self.sink = Sink(sink_port, self.sink_store, self.workdir / "sink.log", args.mail_nice)
        self.sink.start()
        say(f"SMTP sink on 127.0.0.1:{sink_port}, store {self.sink_store}")
        if args.mail_sender == "worker":
            for number in range(args.mail_workers):
                command = [sys.executable, "-m", "flask", "--app", "petition", "mail", "worker"]
                mailer = Supervised(
                    f"mail-worker-{number + 1}",
                    command,
                    self.env,
                    self.workdir / f"mail{number + 1}.log",
                    args.mail_nice,
                )
                mailer.start()
                self.mailers.append(mailer)
        self.server = ProductionGunicorn(self.env, self.port, args, self.workdir / "gunicorn.log")
        self.server.start()
        self.base_url = f"http://127.0.0.1:{self.port}"
        say(
            f"gunicorn on {self.base_url}: {self.server.describe()}; "
            f"mail: {args.mail_workers} `mail worker` process(es)"
            if args.mail_sender == "worker"
            else "mail: the background sender in each gunicorn worker"
        )
        say(f"rate limits: {self.limits_description()}")

    def limits_description(self):
        if self.limits == "on":
            return (
                f"on, storage {self.args.redis_url}, TRUSTED_PROXIES=1, a distinct X-Forwarded-For per signer "
                "(and per client for the page views)"
            )
        return "off (RATELIMIT_ENABLED=false)"

    def teardown(self):
        hold_interrupts()
        if self.server is not None:
            self.server.stop()
        for mailer in self.mailers:
            mailer.stop()
        if self.sink is not None:
            self.sink.close()
        if getattr(self, "limits", None) == "on":
            self.forget_limits()
        postgres = self.database.postgres if self.database is not None else None
        if self.database is not None and not self.args.keep:
            self.database.drop()
        if self.args.keep:
            say(f"kept {self.workdir}" + (f" and the database {postgres.name}" if postgres else ""))
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def forget_limits(self):
        """Remove this run's rate-limit counters from the shared Redis (some live for a day)."""
        try:
            import redis

            client = redis.Redis.from_url(self.args.redis_url, socket_timeout=5)
            prefix = self.env["RATELIMIT_KEY_PREFIX"]
            keys = list(client.scan_iter(match=f"*{prefix}*", count=1000))
            for start in range(0, len(keys), 1000):
                client.delete(*keys[start : start + 1000])
        except Exception as error:  # noqa: BLE001 - a leftover counter expires by itself
            say(f"could not remove the rate-limit counters from Redis: {error}")

    # CPU

    def cpu_sample(self, generator=0.0):
        busy, total = machine_busy()
        return {
            "gunicorn": self.server.cpu(),
            "mail workers": sum(m.cpu() for m in self.mailers),
            "SMTP sink": self.sink.cpu(),
            "PostgreSQL (all backends on the machine)": postgres_cpu() if self.db.postgres else (None, 0.0),
            "machine busy": busy / CLK_TCK,
            "machine total": total / CLK_TCK,
        }

    def cpu_delta(self, before, after, generator_cpu, seconds):
        (pm_before, pg_before), (pm_after, pg_after) = (
            before.pop("PostgreSQL (all backends on the machine)"),
            after.pop("PostgreSQL (all backends on the machine)"),
        )
        delta = {name: after[name] - before[name] for name in before}
        # Across a restart the server's processes are new ones: their CPU is unknown.
        delta["PostgreSQL (all backends on the machine)"] = pg_after - pg_before if pm_before == pm_after else None
        total = delta.pop("machine total")
        busy = delta.pop("machine busy")
        if not self.db.postgres:
            delta.pop("PostgreSQL (all backends on the machine)")
        delta["load generator"] = generator_cpu
        cores = total / seconds if seconds else 0
        return {"seconds": seconds, "parts": delta, "machine busy": busy, "machine capacity": total, "cores": cores}

    # phases

    async def sessions(self, count, lang="en", offset=0):
        def forwarded(n):
            # Page views come from other addresses than the signers' (198.18.0.0/15, kept for benchmarks).
            return f"198.18.{(offset + n) >> 8 & 255}.{(offset + n) & 255}" if self.limits == "on" else None

        return await asyncio.gather(*(open_session(self.port, lang, forwarded(n)) for n in range(count)))

    def retry_policy(self):
        def retry(attempt, outcome):
            if attempt.status is not None and attempt.status < 500:
                return False  # a 4xx is an answer: not retried, and counted as a discrepancy
            deadline = outcome.attempts[0].started + self.args.retry_seconds
            return attempt.ended < deadline

        return retry

    async def submit(self):
        args = self.args
        phase = Phase("submissions")
        submissions = [make_submission(i, self.tag) for i in range(args.signatures)]
        self.submissions = {s.email: s for s in submissions}
        visitors = await self.sessions(args.clients)

        def make_request(submission, visitor):
            forwarded = client_ip(submission.index) if self.limits == "on" else None
            path = f"/{submission.lang}/sign"
            return submission.email, path, form_body(submission.body_fields, visitor.token), forwarded

        progress = self.progress_printer(phase, args.signatures)
        before = self.cpu_sample()
        requests = run_requests(
            self.port, phase, submissions, visitors, make_request, self.retry_policy(), args.request_timeout, progress
        )
        faults = self.faults.during_submissions(phase, args.signatures) if args.faults else None
        await self.run_phase(requests, faults)
        after = self.cpu_sample()
        self.cpu["submissions"] = self.cpu_delta(before, after, phase.client_cpu, phase.ended - phase.started)
        return phase

    async def run_phase(self, requests, faults):
        """The requests, and the faults meant to happen during them (those left fire once they end)."""
        self.phase_over = False

        async def requests_then_mark():
            try:
                await requests
            finally:
                self.phase_over = True

        await asyncio.gather(requests_then_mark(), *([faults] if faults else []))

    def progress_printer(self, phase, total):
        state = {"next": time.perf_counter() + 5}

        def progress(done):
            now = time.perf_counter()
            if now >= state["next"] or done == total:
                state["next"] = now + 5
                say(f"  {phase.name}: {done:,}/{total:,} ({done / (now - phase.started):,.0f}/s)")

        return progress

    def submit_with_wrk(self, wrk):
        args = self.args
        visitor = asyncio.run(open_session(self.port, "en"))
        before = self.cpu_sample()
        result, statuses, seconds, wrk_cpu = run_wrk_submissions(
            wrk, self.base_url, visitor, self.tag, args.signatures, args.clients, self.workdir, self.limits == "on"
        )
        after = self.cpu_sample()
        self.cpu["submissions"] = self.cpu_delta(before, after, wrk_cpu, seconds)
        self.submissions = {}
        for i in range(args.signatures):
            email_address = f"load-{self.tag}-{i}@example.org"
            self.submissions[email_address] = Submission(i, email_address, "en", {})
        return result, statuses, seconds

    def wait_for_delivery(self, expected_at_least):
        say("waiting for the outbox to drain into the sink")
        started = time.perf_counter()
        deadline = started + self.args.delivery_timeout
        last_print = 0.0
        while True:
            statuses = self.db.outbox_by_status()
            pending = statuses.get("queued", 0) + statuses.get("sending", 0)
            total = sum(statuses.values())
            now = time.perf_counter()
            if pending == 0 and total >= expected_at_least:
                break
            if now - last_print >= 5:
                say(f"  outbox: {dict(sorted(statuses.items()))}")
                last_print = now
            if now > deadline:
                self.checks.append(
                    Check(
                        "outbox drained",
                        False,
                        f"still {pending} message(s) queued or sending after "
                        f"{self.args.delivery_timeout:g}s: {statuses}",
                    )
                )
                break
            time.sleep(1)
        return time.perf_counter() - started

    def confirmation_links(self):
        """address -> confirmation paths, from the sink's store (every message, parsed)."""
        links = defaultdict(list)
        unparsed = 0
        for _id, _at, rcpt, _message_id, raw in sink_rows(self.sink_store, with_raw=True):
            path = confirm_path_in(raw)
            if path is None:
                unparsed += 1
                continue
            for address in rcpt.split(","):
                links[address].append(path)
        return links, unparsed

    async def confirm(self, links):
        args = self.args
        phase = Phase("confirmations")
        visitors = await self.sessions(args.clients, offset=args.clients)
        jobs = [(address, paths[-1]) for address, paths in sorted(links.items())]

        def make_request(job, visitor):
            address, path = job
            forwarded = client_ip(self.submissions[address].index) if self.limits == "on" else None
            return address, path, f"csrf_token={quote(visitor.token, safe='')}".encode(), forwarded

        progress = self.progress_printer(phase, len(jobs))
        before = self.cpu_sample()
        requests = run_requests(
            self.port, phase, jobs, visitors, make_request, self.retry_policy(), args.request_timeout, progress
        )
        faults = self.faults.during_confirmations(phase, len(jobs)) if args.faults else None
        await self.run_phase(requests, faults)
        after = self.cpu_sample()
        self.cpu["confirmations"] = self.cpu_delta(before, after, phase.client_cpu, phase.ended - phase.started)
        return phase

    async def public_count(self):
        response = await http(self.port, "GET", "/api/count", ["Accept: application/json"])
        match = re.search(rb'"signatures"\s*:\s*(\d+)', response.body)
        if response.status != 200 or not match:
            raise BenchError(f"/api/count answered {response.status}: {response.body[:200]!r}")
        return int(match.group(1))

    # clocks: the sink stamps wall-clock time, the phases use perf_counter

    def to_perf(self, wall):
        return wall - self.wall0 + self.perf0

    def since_start(self, wall):
        return self.to_perf(wall) - self.perf0

    @property
    def short_database(self):
        return "PostgreSQL" if self.db.postgres else "SQLite"

    # the whole scenario

    async def scenario(self, wrk):
        args, results = self.args, {}
        results["baseline before"] = await asyncio.to_thread(run_baseline, wrk, self.base_url, args.baseline_seconds)
        say(f"baseline /robots.txt: {results['baseline before'].requests_per_second:,.0f}/s")
        self.perf0, self.wall0 = time.perf_counter(), time.time()
        profiler = Profiler(args.profile) if args.profile else None
        if profiler:
            profiler.start("gunicorn workers", self.server.workers())
            profiler.start("mail workers", [m.pid for m in self.mailers])
        say(f"submitting {args.signatures:,} signatures with {args.clients} clients")
        if args.generator == "wrk":
            results["wrk"] = await asyncio.to_thread(self.submit_with_wrk, wrk)
            results["submitted"] = None
            generator_cpu = self.cpu["submissions"]["parts"]["load generator"]
            results["generator"] = (
                f"wrk -t1 -c{args.clients} with a Lua script for the submissions ({generator_cpu:.1f}s of CPU), "
                "asyncio on raw sockets in the harness for the confirmations"
            )
            accepted = results["wrk"][1].get(303, 0)
        else:
            results["submitted"] = await self.submit()
            results["generator"] = (
                f"asyncio on raw sockets in the harness process, {args.clients} clients, a new connection per request"
            )
            accepted = results["submitted"].done
        submissions_ended = time.perf_counter()
        if profiler:
            profiler.stop()
            results["profile"] = profiler.summary()
        await self.faults.settle()
        await asyncio.to_thread(self.wait_for_delivery, accepted)
        results["delivery seconds"] = time.perf_counter() - submissions_ended
        received = sink_rows(self.sink_store)
        span = received[-1][1] - received[0][1] if len(received) > 1 else 0
        results["delivery rate"] = len(received) / span if span else 0.0
        say("reading the confirmation links from the sink's store")
        links, unparsed = await asyncio.to_thread(self.confirmation_links)
        if unparsed:
            say(f"  {unparsed} message(s) without a confirmation link")
        say(f"confirming {len(links):,} signatures with {args.clients} clients")
        results["confirmed"] = await self.confirm(links)
        await self.faults.settle()
        # The public count is cached in each process for COUNT_CACHE_SECONDS (2 s by default).
        await asyncio.sleep(3)
        count_value = await self.public_count()
        results["baseline after"] = await asyncio.to_thread(run_baseline, wrk, self.base_url, args.baseline_seconds)
        say(f"baseline /robots.txt: {results['baseline after'].requests_per_second:,.0f}/s")
        if self.server.process.poll() is not None:
            self.checks.append(Check("gunicorn still running", False, self.server.log_tail()))
        results["facts"] = await asyncio.to_thread(
            account, self, results["submitted"], results["confirmed"], links, count_value
        )
        if args.generator == "wrk":
            statuses = results["wrk"][1]
            self.checks.insert(
                0,
                Check(
                    "submissions (wrk): every answer 303",
                    statuses.get(303, 0) == args.signatures and set(statuses) == {303},
                    f"{statuses}; wrk's socket errors and non-2xx/3xx answers: {results['wrk'][0].errors}",
                ),
            )
        return results
