"""An SMTP sink for the load harness: accepts every message and records it durably.

    .venv/bin/python -m bench.sink --port 2525 --store /tmp/sink.sqlite3

Each message is written to a SQLite file of the sink's own (one row per message: the time, the
envelope, the Message-ID and the raw bytes) and committed *before* the sink answers ``250``, so a
message the sender was told is accepted is on disk even if the sink is killed the next moment, and
the store keeps growing across restarts of the sink. The harness reads the store to count
deliveries per Message-ID and per recipient, and to find the confirmation links.

The sink runs in its own process (``bench.load`` starts, stops and restarts it) so that it can
be stopped like a real mail server, and so that its CPU is not the harness's. It exits cleanly on
SIGTERM or SIGINT; ``kill -9`` loses nothing that was acknowledged.
"""

import argparse
import asyncio
import re
import signal
import sqlite3
import sys
import time
from pathlib import Path

from aiosmtpd.smtp import SMTP

SCHEMA = """
CREATE TABLE IF NOT EXISTS message (
    id INTEGER PRIMARY KEY,
    received_at REAL NOT NULL,
    peer TEXT,
    mail_from TEXT,
    rcpt_to TEXT NOT NULL,
    message_id TEXT,
    raw BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_message_message_id ON message (message_id);
CREATE INDEX IF NOT EXISTS ix_message_rcpt_to ON message (rcpt_to);
"""

MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]+>)", re.I | re.M)


def open_store(path):
    """The store, created if needed. WAL with ``synchronous=NORMAL``: a commit survives the sink's death."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=30)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.executescript(SCHEMA)
    return connection


def message_id_of(raw):
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    match = MESSAGE_ID.search(head)
    return match.group(1).decode("ascii", "replace") if match else None


class Recorder:
    """aiosmtpd handler: one committed row per message, then ``250``."""

    def __init__(self, connection):
        self.connection = connection
        self.received = 0

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        # Synchronous on purpose: nothing else runs on the loop until the row is committed.
        self.connection.execute(
            "INSERT INTO message (received_at, peer, mail_from, rcpt_to, message_id, raw) VALUES (?, ?, ?, ?, ?, ?)",
            (time.time(), peer, envelope.mail_from, ",".join(envelope.rcpt_tos), message_id_of(raw), raw),
        )
        self.received += 1
        return "250 2.0.0 OK: stored"


async def serve(host, port, store):
    connection = open_store(store)
    recorder = Recorder(connection)
    loop = asyncio.get_running_loop()
    # A fixed hostname: without it aiosmtpd asks socket.getfqdn() for every connection.
    server = await loop.create_server(
        lambda: SMTP(recorder, hostname="sink.bench.invalid", enable_SMTPUTF8=True, timeout=60),
        host,
        port,
        reuse_address=True,
    )
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    print(f"sink listening on {host}:{port}, storing in {store}", flush=True)
    await stopping.wait()
    server.close()
    connection.close()
    print(f"sink stopped after {recorder.received} message(s)", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.sink", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--store", type=Path, required=True, help="SQLite file (created; appended to)")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.host, args.port, args.store))
    return 0


if __name__ == "__main__":
    sys.exit(main())
