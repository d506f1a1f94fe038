"""The faults of ``--faults``: workers killed, PostgreSQL restarted, the SMTP sink stopped, by progress.

Each fault is logged with its window, so that a request failing inside it is put down to it (and
retried by its client) and a message received twice can be explained.
"""

import asyncio
import os
import random
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import BenchError, say
from bench.load.processes import RESTART_DELAY

FAULT_GRACE = 3.0  # seconds after a fault during which failed requests are put down to it


@dataclass
class Fault:
    name: str
    started: float  # perf_counter
    ended: float | None = None
    detail: str = ""
    client_visible: bool = True  # whether requests failing meanwhile are put down to it
    claimed: set = field(default_factory=set)  # outbox messages held by a killed mail worker

    def near(self, moment, before=1.0, after=FAULT_GRACE):
        end = self.ended if self.ended is not None else self.started
        return self.started - before <= moment <= end + after

    def covers(self, moment):
        end = (self.ended if self.ended is not None else self.started) + FAULT_GRACE
        return self.client_visible and self.started - 0.5 <= moment <= end


def postgres_cluster():
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir()) if Path("/etc/postgresql").is_dir() else []
    if not versions:
        raise BenchError("no PostgreSQL cluster under /etc/postgresql to restart")
    return versions[-1]


class Faults:
    def __init__(self, run):
        self.run = run
        self.log = []
        self.tasks = []

    async def at(self, phase, fraction, total):
        while phase.done < fraction * total and not self.run.phase_over:
            await asyncio.sleep(0.05)

    def kill_web_worker(self):
        workers = self.run.server.workers()
        if not workers:
            self.log.append(Fault("kill -9 a gunicorn worker", time.perf_counter(), detail="no worker found"))
            return
        victim = random.choice(workers)
        os.kill(victim, signal.SIGKILL)
        fault = Fault("kill -9 a gunicorn worker", time.perf_counter(), detail=f"pid {victim}")
        fault.ended = fault.started
        self.log.append(fault)
        say(f"fault: killed gunicorn worker {victim}")

    def kill_mail_worker(self):
        mailer = self.run.mailers[0]
        victim = mailer.pid
        # The hardest moment: while it holds claimed messages (it may be idle between batches).
        deadline = time.monotonic() + 10
        while True:
            sending = self.run.db.query("SELECT message_id, claimed_by FROM outbox_message WHERE status = 'sending'")
            claimed = [row for row in sending if (row[1] or "").endswith(f":{victim}")]
            if claimed or time.monotonic() > deadline:
                break
            time.sleep(0.01)
        mailer.kill()
        fault = Fault(
            "kill -9 a mail worker",
            time.perf_counter(),
            detail=f"pid {victim}, {len(claimed)} message(s) claimed by it at that moment; "
            f"restarted after {RESTART_DELAY:g}s",
            client_visible=False,
        )
        fault.ended = fault.started
        fault.claimed = {row[0] for row in claimed}
        self.log.append(fault)
        say(f"fault: killed mail worker {victim} ({len(claimed)} message(s) claimed)")

    async def sink_outage(self, seconds):
        fault = Fault(f"SMTP sink stopped for {seconds:g}s", time.perf_counter(), client_visible=False)
        self.log.append(fault)
        await asyncio.to_thread(self.run.sink.stop)
        say(f"fault: SMTP sink stopped for {seconds:g}s")
        await asyncio.sleep(seconds)
        await asyncio.to_thread(self.run.sink.start)
        fault.ended = time.perf_counter()
        say("fault: SMTP sink started again")

    async def restart_postgres(self):
        cluster = postgres_cluster()
        command = ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"]
        fault = Fault("PostgreSQL restarted", time.perf_counter(), detail=" ".join(command))
        self.log.append(fault)
        say("fault: restarting PostgreSQL")
        process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        output, _ = await process.communicate()
        fault.ended = time.perf_counter()
        fault.detail += f" ({fault.ended - fault.started:.1f}s, exit {process.returncode})"
        if process.returncode != 0:
            raise BenchError(f"PostgreSQL restart failed: {output.decode(errors='replace')}")
        say(f"fault: PostgreSQL back after {fault.ended - fault.started:.1f}s")

    async def during_submissions(self, phase, total):
        """One after the other, so that each fault meets a working remainder: in particular the
        database restarts while the sink is up, so that mail workers are sending when it goes."""
        await self.at(phase, 0.10, total)
        self.kill_web_worker()
        if self.run.mailers:
            await self.at(phase, 0.20, total)
            await asyncio.to_thread(self.kill_mail_worker)
        if self.run.db.postgres:
            await self.at(phase, 0.35, total)
            await self.restart_postgres()
        await self.at(phase, 0.50, total)
        self.tasks.append(asyncio.create_task(self.sink_outage(self.run.args.sink_outage)))

    async def during_confirmations(self, phase, total):
        await self.at(phase, 0.50, total)
        self.kill_web_worker()

    async def settle(self):
        for task in self.tasks:
            await task
        self.tasks = []

    def explains(self, moment):
        return any(fault.covers(moment) for fault in self.log)
