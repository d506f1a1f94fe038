"""The processes of a load run: gunicorn as deployed, the mail workers kept running, the SMTP sink.

Each one's CPU is read from ``/proc`` (its own, and its reaped children's), so that the report can
say what each part of the site cost during each phase.
"""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
from pathlib import Path

from bench.harness import ROOT, STARTUP_TIMEOUT, STOP_TIMEOUT, BenchError, ServerProcess, fetch

RESTART_DELAY = 5.0  # seconds before a dead mail worker is started again (RestartSec in docs/deploy.md)
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- CPU, from /proc -------------------------------------------------------------------------


def proc_times(pid, children=False):
    """CPU seconds of a live process (its own; with ``children``, also its reaped children's)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # After the ")": state is fields[0]; utime, stime, cutime, cstime are the 14th-17th of stat.
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLK_TCK


def children_of(pid):
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found += [int(p) for p in (task / "children").read_text().split()]
    except OSError:
        pass
    return found


def postgres_cpu():
    """(postmaster pid, CPU seconds of every PostgreSQL process on the machine, shared with anyone else using it)."""
    total, postmaster = 0.0, None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if comm.startswith("postgres"):
            # The postmaster's reaped children are the backends that have ended.
            total += proc_times(entry.name, children=True)
            with contextlib.suppress(OSError, IndexError):
                if (entry / "stat").read_text().rsplit(")", 1)[1].split()[1] == "1":
                    postmaster = int(entry.name)
    return postmaster, total


def machine_busy():
    """(busy, total) jiffies of all cores since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


# --- processes ------------------------------------------------------------------------------


class Supervised:
    """A process kept running as systemd's ``Restart=always`` would, with its CPU accounted.

    It runs in a session of its own, as a systemd service does in a cgroup of its own; ``nice``
    lowers its share of the CPU the way ``CPUWeight=`` does for such a service (docs/deploy.md).
    """

    def __init__(self, name, command, env, log_path, nice=0):
        self.name, self.command, self.env, self.log_path, self.nice = name, command, env, log_path, nice
        self.process = None
        self.restarts = 0
        self.dead_cpu = 0.0  # CPU seconds of the instances that have exited
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.thread = None
        self.log = None

    def _spawn(self):
        command = [*niced(self.nice), *self.command]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        if self.nice:
            lower_group_priority(self.process.pid, self.nice)

    def start(self):
        self.log = open(self.log_path, "a")  # noqa: SIM115 - closed in stop()
        self._spawn()
        self.thread = threading.Thread(target=self._watch, name=f"supervise-{self.name}", daemon=True)
        self.thread.start()

    def _watch(self):
        while True:
            process = self.process
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            with self.lock:
                self.dead_cpu += usage.ru_utime + usage.ru_stime
                if self.stopping.is_set():
                    return
            self.log.write(f"\n[load.py] {self.name} exited with {process.returncode}; restarting\n")
            self.log.flush()
            time.sleep(RESTART_DELAY)
            with self.lock:
                if self.stopping.is_set():
                    return
                self.restarts += 1
                self._spawn()

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def cpu(self):
        with self.lock:
            live = proc_times(self.process.pid) if self.process and self.process.returncode is None else 0.0
            return self.dead_cpu + live

    def kill(self):
        os.kill(self.process.pid, signal.SIGKILL)

    def stop(self):
        with self.lock:
            self.stopping.set()
            process = self.process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        if self.thread is not None:
            self.thread.join(STOP_TIMEOUT)
            if self.thread.is_alive():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                self.thread.join(STOP_TIMEOUT)
        if self.log is not None:
            self.log.close()
            self.log = None

    def log_tail(self, lines=20):
        try:
            return "\n".join(Path(self.log_path).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def niced(niceness):
    """The prefix that runs a command at ``niceness`` (nothing for 0); nice execs, so the pid is the command's."""
    return ["nice", "-n", str(niceness)] if niceness else []


def lower_group_priority(pid, niceness):
    """Give the session that ``pid`` leads the weight of ``niceness`` against other sessions.

    With Linux's autogroups (on here: /proc/sys/kernel/sched_autogroup_enabled), the scheduler
    shares the CPU fairly between sessions first, so a nice value alone only orders the processes
    within one session: a mail worker in a session of its own would get a full share however nice
    it is. Its group's niceness is what systemd's ``CPUWeight=`` sets for a service's cgroup.
    """
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/autogroup").write_text(f"{niceness}\n")


def wait_for_port(port, timeout, alive=lambda: True, what="the server"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise BenchError(f"{what} exited during start-up")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)
    raise BenchError(f"{what} did not listen on port {port} within {timeout:.0f}s")


class Sink:
    """bench.sink in a process of its own, which the faults stop and start again."""

    def __init__(self, port, store, log_path, nice=0):
        self.port, self.store, self.log_path, self.nice = port, store, log_path, nice
        self.process = None
        self.dead_cpu = 0.0
        self.log = open(log_path, "a")  # noqa: SIM115 - closed in close()

    def start(self):
        command = [*niced(self.nice), sys.executable, "-m", "bench.sink", "--port", str(self.port)]
        command += ["--store", str(self.store)]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, STARTUP_TIMEOUT, lambda: self.process.poll() is None, "the SMTP sink")

    def stop(self):
        if self.process is None:
            return
        self.process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        while True:
            pid, status, usage = os.wait4(self.process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                self.process.kill()
                _, status, usage = os.wait4(self.process.pid, 0)
                break
            time.sleep(0.02)
        self.process.returncode = os.waitstatus_to_exitcode(status)
        self.dead_cpu += usage.ru_utime + usage.ru_stime
        self.process = None

    def cpu(self):
        live = proc_times(self.process.pid) if self.process is not None else 0.0
        return self.dead_cpu + live

    def close(self):
        self.stop()
        self.log.close()


class ProductionGunicorn(ServerProcess):
    """``gunicorn wsgi:app`` as deployed: gunicorn.conf.py's settings, unless ``--workers``,
    ``--threads``, ``--worker-class`` or ``--gunicorn-config`` say otherwise (bench.harness's
    ``Gunicorn`` is the measuring one, with fixed sync workers that are never recycled)."""

    def __init__(self, env, port, args, log_path):
        self.env, self.port, self.args, self.log_path = env, port, args, log_path
        self.process = None
        self.log = None

    def start(self):
        # Started from the repository's root, gunicorn reads gunicorn.conf.py there: the production
        # settings (worker count, max_requests, the access log), unless overridden here.
        command = [sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{self.port}"]
        if self.args.gunicorn_config:
            command += ["--config", str(self.args.gunicorn_config)]
        if self.args.workers:
            command += ["--workers", str(self.args.workers)]
        if self.args.threads:
            command += ["--threads", str(self.args.threads)]
        if self.args.worker_class:
            command += ["--worker-class", self.args.worker_class]
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_for_port(self.port, STARTUP_TIMEOUT, lambda: self.process.poll() is None, "gunicorn")
        # Every worker must have loaded the app before anything is measured: ask until a run of
        # /healthz answers are all 200 and each worker has been seen busy at least once.
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            try:
                if all(fetch(f"http://127.0.0.1:{self.port}/healthz", timeout=5)[0] == 200 for _ in range(20)):
                    return
            except (OSError, urllib.error.URLError):
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer /healthz:\n{self.log_tail()}")

    def describe(self):
        """The worker count and class actually running (gunicorn.conf.py's unless overridden)."""
        found = re.search(r"Using worker: (\S+)", Path(self.log_path).read_text(errors="replace"))
        kind = found.group(1) if found else "?"
        threads = self.args.threads or int(self.env.get("GUNICORN_THREADS") or 1)
        return f"{len(self.workers())} {kind} workers" + (f" × {threads} threads" if threads > 1 else "")

    def workers(self):
        return children_of(self.process.pid)

    def cpu(self):
        # The master's reaped children include the workers that were killed.
        return proc_times(self.process.pid, children=True) + sum(proc_times(pid) for pid in self.workers())
