"""What the tests share besides their fixtures: the test app's settings, the databases, and reading
a page's CSRF token. Fixtures live in ``conftest.py``; helpers for a journey in ``*_helpers.py``."""

import os
import re
import secrets
from urllib.parse import urlsplit, urlunsplit

from petition import create_app
from petition.extensions import db

TEST_SECRET_KEY = "tests-" + secrets.token_hex(16)
# Fixed, not random: this module may be imported twice (by pytest and by helpers), and the
# helpers hash IPs with the same key as the app.
TEST_IP_HASH_KEY = "tests-ip-hash-key"


def using_postgres():
    return os.environ.get("TEST_DATABASE_URL", "").startswith(("postgres://", "postgresql"))


def with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def make_app(database_url, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET_KEY,
        "IP_HASH_KEY": TEST_IP_HASH_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PUBLIC_URL": "http://localhost",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ENABLED": False,
        # Tests deliver the outbox themselves; a sender thread left running by one test would
        # take the messages of the next.
        "MAIL_BACKGROUND_SENDER": False,
        "COUNT_CACHE_SECONDS": 0,
    }
    config.update(overrides)
    return create_app(config)


def empty_all_tables():
    """Delete every row, except the count's shards, which the migration made: those go to zero."""
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            if table.name == "signature_count_shard":
                connection.execute(table.update().values(count=0))
            else:
                connection.execute(table.delete())


def csrf_token_from(html):
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "the page has no CSRF token"
    return match.group(1)


def production_environ(**settings):
    """The least environment a production app starts with (its secrets and a privacy contact),
    plus ``settings``."""
    return {"SECRET_KEY": "k", "IP_HASH_KEY": "i", "PRIVACY_CONTACT_EMAIL": "p@example.org", **settings}
