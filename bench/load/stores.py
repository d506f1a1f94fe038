"""The app's database and the sink's store, as the load run reads them for its accounting."""

import email.parser
import email.policy
import re
import sqlite3
import time
from urllib.parse import urlsplit

from bench.harness import BenchError, is_postgres, libpq_url

CONFIRM_LINK = re.compile(r"https?://[^\s<>\"]+/(?:en|fr)/confirm/[^\s<>\"]+")


class AppDatabase:
    """Plain queries on the app's database, retried through a PostgreSQL restart."""

    def __init__(self, url):
        self.url = url
        self.postgres = is_postgres(url)

    def query(self, sql, attempts=60):
        for attempt in range(attempts):
            try:
                if self.postgres:
                    import psycopg

                    with psycopg.connect(libpq_url(self.url), connect_timeout=5) as connection:
                        return connection.execute(sql).fetchall()
                path = self.url.removeprefix("sqlite:///")
                connection = sqlite3.connect(path, timeout=30)
                try:
                    return connection.execute(sql).fetchall()
                finally:
                    connection.close()
            except Exception as error:  # a database restarting; report the last one
                if attempt == attempts - 1:
                    raise BenchError(f"cannot query the app's database: {error}") from error
                time.sleep(1)
        return []

    def outbox_by_status(self):
        return dict(self.query("SELECT status, count(*) FROM outbox_message GROUP BY status"))


def sink_rows(store, with_raw=False):
    connection = sqlite3.connect(store, timeout=30)
    try:
        columns = "id, received_at, rcpt_to, message_id" + (", raw" if with_raw else "")
        return connection.execute(f"SELECT {columns} FROM message ORDER BY id").fetchall()  # noqa: S608
    finally:
        connection.close()


def confirm_path_in(raw):
    """The path of the confirmation link in a message's text part, or None."""
    message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw)
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True) or b""
            text = payload.decode(part.get_content_charset() or "utf-8", "replace")
            match = CONFIRM_LINK.search(text)
            if match:
                return urlsplit(match.group(0)).path
    return None
