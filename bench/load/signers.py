"""The simulated signers: asyncio clients on raw sockets, each with its session, sending forms.

Each request goes on a new connection, as nginx makes to gunicorn, and every attempt is recorded
per address (a submission) or per link (a confirmation), so that the accounting can say which
request failed, when, and whether its client retried.
"""

import asyncio
import random
import re
import resource
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from bench.harness import BenchError

CSRF_TOKEN = re.compile(rb'name="csrf_token"[^>]*?value="([^"]+)"')

FIRST_NAMES = ["Élodie", "François", "Amélie", "Jean-Philippe", "Łukasz", "Aisha", "Liam", "Chloé", "Mohammed", "Noor"]
LAST_NAMES = ["Tremblay", "Côté", "O'Brien", "Smith", "Gagnon", "Nguyễn", "Singh", "Wong", "Bouchard", "MacDonald"]
PROVINCES = ["ON", "QC", "BC", "AB", "MB", "SK", "NS", "NB", "NL", "PE", "YT", "NT", "NU", "XX"]
CITIES = ["Gatineau", "Montréal", "Toronto", "Saint-Jérôme", "Vancouver", ""]
DISPLAYS = ["full", "full", "full", "initial", "none"]


# --- HTTP on raw sockets --------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict
    cookies: list
    body: bytes


class RequestFailed(Exception):
    """No HTTP answer: refused, reset, closed early or timed out."""


CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.I)


class Exchange(asyncio.Protocol):
    """One request on its own connection; the answer is complete at Content-Length, or at the server's close.

    A protocol rather than asyncio's streams: about half the CPU per request, and the connection is
    closed the moment the answer is in (gunicorn's sync worker waits for the client's FIN after each
    answer, so a slow client would hold the worker).
    """

    def __init__(self, data, done):
        self.data, self.done = data, done
        self.chunks, self.received, self.expected = [], 0, None
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.data)

    def data_received(self, chunk):
        self.chunks.append(chunk)
        self.received += len(chunk)
        if self.expected is None:
            buffer = b"".join(self.chunks)
            end = buffer.find(b"\r\n\r\n")
            if end >= 0:
                length = CONTENT_LENGTH.search(buffer, 0, end + 2)
                self.expected = end + 4 + int(length.group(1)) if length else -1
        if self.expected is not None and 0 <= self.expected <= self.received:
            self.finish()
            self.transport.close()

    def eof_received(self):
        self.finish()
        return False  # close our side too

    def connection_lost(self, error):
        self.finish(error)

    def finish(self, error=None):
        if self.done.done():
            return
        if self.expected is not None and 0 <= self.expected <= self.received:
            self.done.set_result(b"".join(self.chunks))
        elif self.expected == -1 and error is None:
            self.done.set_result(b"".join(self.chunks))  # no Content-Length: the body ends at the close
        else:
            self.done.set_exception(error or ConnectionResetError(f"closed after {self.received} bytes"))


async def http(port, method, path, headers=(), body=b"", timeout=30.0):
    """One request on a new connection (as nginx makes to gunicorn); the whole answer is read."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close", *headers]
    if method == "POST":
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    transport = None
    try:
        async with asyncio.timeout(timeout):
            transport, _ = await loop.create_connection(lambda: Exchange(data, done), "127.0.0.1", port)
            answer = await done
        head, _, content = answer.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
    except (OSError, TimeoutError, ValueError, IndexError) as error:
        raise RequestFailed(f"{type(error).__name__}: {error}") from error
    finally:
        if transport is not None:
            transport.close()
    found, cookies = {}, []
    for line in header_lines:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "set-cookie":
            cookies.append(value)
        elif name:
            found[name] = value
    return Response(status, found, cookies, content)


@dataclass
class Visitor:
    """A simulated client: a session cookie and its CSRF token, shared by all its requests."""

    cookie: str
    token: str
    forwarded_for: str | None = None

    def headers(self, forwarded_for=None):
        headers = [f"Cookie: {self.cookie}", "User-Agent: petition-load/1"]
        if forwarded_for or self.forwarded_for:
            headers.append(f"X-Forwarded-For: {forwarded_for or self.forwarded_for}")
        return headers


async def open_session(port, lang, forwarded_for=None):
    headers = [f"X-Forwarded-For: {forwarded_for}"] if forwarded_for else []
    response = await http(port, "GET", f"/{lang}/", headers)
    if response.status != 200:
        raise BenchError(f"GET /{lang}/ answered {response.status}")
    cookie = next((c.split(";", 1)[0] for c in response.cookies if c.startswith("session=")), None)
    token = CSRF_TOKEN.search(response.body)
    if cookie is None or token is None:
        raise BenchError(f"GET /{lang}/ gave no session cookie or no CSRF token")
    return Visitor(cookie, token.group(1).decode(), forwarded_for)


def client_ip(index):
    """A distinct address for each simulated signer, in 100.64.0.0/10 (shared address space)."""
    return f"100.{64 + (index >> 16) % 64}.{(index >> 8) & 255}.{index & 255}"


@dataclass
class Submission:
    index: int
    email: str
    lang: str
    body_fields: dict


def make_submission(index, tag):
    rng = random.Random(index)
    lang = "fr" if index % 4 == 3 else "en"
    fields = {
        "first_name": rng.choice(FIRST_NAMES),
        "last_name": rng.choice(LAST_NAMES),
        "email": f"load-{tag}-{index}@example.org",
        "province": rng.choice(PROVINCES),
        "city": rng.choice(CITIES),
        "display": rng.choice(DISPLAYS),
    }
    if index % 3 == 0:
        fields["updates"] = "y"
    return Submission(index, fields["email"], lang, fields)


def form_body(fields, token):
    pairs = [("csrf_token", token), *fields.items()]
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs).encode()


@dataclass
class Attempt:
    started: float
    ended: float
    status: int | None
    error: str | None = None


@dataclass
class Outcome:
    """Every attempt at one request (a submission or a confirmation) and how it ended."""

    attempts: list = field(default_factory=list)
    accepted: bool = False


@dataclass
class Phase:
    name: str
    outcomes: dict = field(default_factory=dict)  # key -> Outcome
    started: float = 0.0
    ended: float = 0.0
    client_cpu: float = 0.0
    done: int = 0

    def accepted_attempts(self):
        return [o.attempts[-1] for o in self.outcomes.values() if o.accepted]

    def latencies_ms(self):
        return [(a.ended - a.started) * 1000 for a in self.accepted_attempts()]

    def failures(self):
        return [(key, a) for key, o in self.outcomes.items() for a in o.attempts if a.status != 303]

    def throughput(self):
        ends = sorted(a.ended for a in self.accepted_attempts())
        if len(ends) < 2:
            return 0.0, 0.0
        overall = len(ends) / (ends[-1] - self.started)
        # Sustained: the middle 90 % of the answers, leaving out the ramp-up and the tail.
        low, high = ends[int(len(ends) * 0.05)], ends[int(len(ends) * 0.95) - 1]
        sustained = (int(len(ends) * 0.95) - 1 - int(len(ends) * 0.05)) / (high - low) if high > low else overall
        return overall, sustained


async def run_requests(port, phase, jobs, visitors, make_request, retry_for, request_timeout, progress=None):
    """Send every job through ``visitors`` (one task each); each job is retried while ``retry_for`` says so."""
    queue = list(reversed(jobs))

    async def worker(visitor):
        while queue:
            key, path, body, forwarded_for = make_request(queue.pop(), visitor)
            outcome = phase.outcomes.setdefault(key, Outcome())
            delay = 0.1
            while True:
                started = time.perf_counter()
                try:
                    response = await http(port, "POST", path, visitor.headers(forwarded_for), body, request_timeout)
                    attempt = Attempt(started, time.perf_counter(), response.status)
                except RequestFailed as error:
                    attempt = Attempt(started, time.perf_counter(), None, str(error))
                outcome.attempts.append(attempt)
                if attempt.status == 303:
                    outcome.accepted = True
                    phase.done += 1
                    if progress:
                        progress(phase.done)
                    break
                if not retry_for(attempt, outcome):
                    break
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    phase.started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_SELF)
    await asyncio.gather(*(worker(v) for v in visitors))
    after = resource.getrusage(resource.RUSAGE_SELF)
    phase.ended = time.perf_counter()
    phase.client_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
