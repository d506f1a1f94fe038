"""Settings read from the environment, typed, with safe defaults.

Every setting PRODUCT.md names is read here; any other Flask or extension setting can be given
through the environment too (for example ``RATELIMIT_ENABLED=false`` for a load test), its value
parsed as JSON when it looks like JSON (``true``, ``30``, ``["a"]``) and kept as a string otherwise.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

from petition.config_values import (
    ConfigError,
    host_of,
    normalise_database_url,
    parse_bool,
    parse_goals,
    parse_seconds,
    parse_trusted_proxies,
    parse_value,
    parse_whole_number,
    parse_zone,
    require_privacy_contact,
)

# Prefixes of the settings that Flask and our extensions read; an environment variable with one
# of these prefixes is passed through to ``app.config``.
PASSTHROUGH_PREFIXES = (
    "BABEL_",
    "MAIL_",
    "MAX_",
    "PERMANENT_SESSION_",
    "PETITION_",
    "PREFERRED_URL_SCHEME",
    "RATELIMIT_",
    "SEND_FILE_",
    "SERVER_NAME",
    "SESSION_",
    "SIGNATURE_",
    "SQLALCHEMY_",
    "TRUSTED_",
    "WTF_",
)

DEVELOPMENT_ENVS = {"development", "dev"}

# Tunable defaults; each can be overridden from the environment by its own name.
DEFAULTS = {
    # X-RateLimit-* headers on every limited response cost two calls to the storage each; a 429
    # still says when to come back (Retry-After, errors.seconds_until_limit_resets).
    "RATELIMIT_HEADERS_ENABLED": False,
    "RATELIMIT_ENABLED": True,
    # Limits are counted in RATELIMIT_STORAGE_URI (Redis in production). When it cannot be reached,
    # each process counts in its own memory until it is back, rather than failing the request.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
    # With memory:// each process counts on its own; several gunicorn workers then refuse to start
    # (refuse_per_process_limits) unless this says that limits times the workers are acceptable.
    "RATELIMIT_ALLOW_PER_PROCESS": False,
    # The number of proxies in front of the app whose X-Forwarded-* headers are believed (proxy.py).
    "TRUSTED_PROXIES": 0,
    # Bodies larger than this get a 413; the largest legitimate one is the endorsement import.
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": 6 * 3600,
    # How long the counters shown on pages may lag behind the database, in seconds.
    "COUNT_CACHE_SECONDS": 2.0,
    # /<lang>/provinces and its open data: a province or territory with fewer verified signatures
    # than this (but more than none) shows "fewer than N", since small numbers can name people.
    "PUBLIC_MIN_COUNT": 5,
    # Signing.
    "SIGNATURE_CONFIRM_MAX_AGE": 7 * 24 * 3600,
    "SIGNATURE_EMAILS_PER_DAY": 3,
    # Per client IP. A café, a campus or an office behind one address must not be locked out: these
    # stop scripted floods, while SIGNATURE_EMAILS_PER_DAY stops one inbox being flooded.
    "SIGNING_RATE_LIMIT": "60 per minute; 1000 per hour; 5000 per day",
    "CONFIRM_RATE_LIMIT": "60 per minute; 1000 per hour; 5000 per day",
    "RESEND_RATE_LIMIT": "20 per minute; 200 per hour; 1000 per day",
    # Organisations asking to endorse (per client IP): far fewer than signers, so tighter; and
    # the emails of those requests to one contact's address in a day, whatever the IPs.
    "ENDORSE_RATE_LIMIT": "10 per minute; 50 per hour; 200 per day",
    "ENDORSEMENT_EMAILS_PER_DAY": 3,
    # The outbox and its senders.
    "MAIL_BACKGROUND_SENDER": True,
    "MAIL_POLL_SECONDS": 5.0,
    "MAIL_RETRY_BASE_SECONDS": 30.0,
    "MAIL_RETRY_MAX_SECONDS": 3600.0,
    "MAIL_MAX_ATTEMPTS": 10,
    "MAIL_LEASE_SECONDS": 120.0,
    "MAIL_TIMEOUT_SECONDS": 20.0,
    "MAIL_BATCH_SIZE": 50,
    # The From's display name per language (mail/sender.py); empty: MAIL_DEFAULT_SENDER's, translated
    # when it is the built-in "Open letter".
    "MAIL_SENDER_NAME_EN": "",
    "MAIL_SENDER_NAME_FR": "",
    # When the database cannot be reached (a restart), pages answer 503 with this Retry-After, in seconds.
    "DATABASE_UNAVAILABLE_RETRY_AFTER": 5,
    # Days in figures and charts are the campaign's days, in this time zone.
    "CAMPAIGN_TIMEZONE": "America/Toronto",
    # Once the letter closes, signers who signed before may still confirm for this many hours.
    "CAMPAIGN_CONFIRM_GRACE_HOURS": 48,
    # The domain of the emails' Message-IDs; None: the PUBLIC_URL's host.
    "MAIL_MESSAGE_ID_DOMAIN": None,
    # The public list of signers: names per page, and how many the letter page shows.
    "SIGNERS_PER_PAGE": 50,
    "RECENT_SIGNERS_SHOWN": 5,
    # The live counters: how often pages ask for the count, how long browsers and proxies may keep
    # /api/count and the embeddable counter (seconds), and the goals the progress bar steps through.
    "COUNTER_POLL_SECONDS": 10.0,
    "COUNT_MAX_AGE_SECONDS": 5,
    "COUNT_STALE_SECONDS": 30,
    "EMBED_MAX_AGE_SECONDS": 60,
    "SIGNATURE_GOALS": "1000,2500,5000,10000,25000,50000,100000,250000,500000,1000000",
    # Campaign updates (petition/updates/): how fast a send goes out, and who sends it. Canada's
    # anti-spam law asks every such message to name its sender and a postal address; no update is
    # sent while either is empty. The address may run over several lines.
    "UPDATES_PER_MINUTE": 600,
    "CAMPAIGN_NAME": "",
    "CAMPAIGN_POSTAL_ADDRESS": "",
    # Administration: sessions, sign-in limits, page sizes.
    "ADMIN_SESSION_IDLE_MINUTES": 30,
    "ADMIN_SESSION_MAX_HOURS": 12,
    "ADMIN_SIGN_IN_RATE_LIMIT": "10 per minute; 60 per hour",
    "ADMIN_LOCK_AFTER_FAILURES": 5,
    "ADMIN_LOCK_MINUTES": 15,
    "ADMIN_PASSWORD_MIN_LENGTH": 12,
    "ADMIN_PAGE_SIZE": 100,
    "ADMIN_BULK_BATCH_SIZE": 500,
    "ADMIN_IMPORT_MAX_BYTES": 1_000_000,
    # The trending page: signatures in the last hour from one IP or one email domain worth a look;
    # the big mail providers are left out of the domains.
    "ADMIN_TRENDING_IP_THRESHOLD": 10,
    "ADMIN_TRENDING_DOMAIN_THRESHOLD": 25,
    "ADMIN_TRENDING_COMMON_DOMAINS": [
        "gmail.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "yahoo.com",
        "yahoo.ca",
        "icloud.com",
        "me.com",
        "videotron.ca",
        "bell.net",
        "sympatico.ca",
        "rogers.com",
        "shaw.ca",
        "telus.net",
        "proton.me",
        "protonmail.com",
    ],
    # The privacy lifecycle (petition/signing/lifecycle.py, the privacy page): days before an
    # unconfirmed signature is purged; the privacy contact (None: privacy@ the PUBLIC_URL's host,
    # "" for none); signatures changed per transaction by the purge and the anonymisation.
    "UNCONFIRMED_RETENTION_DAYS": 30,
    "PRIVACY_CONTACT_EMAIL": None,
    "PRIVACY_BATCH_SIZE": 1000,
}


def development_secret_key(instance_path, name="secret_key"):
    """A key generated once and kept under ``instance/``, so sessions (and IP hashes) survive restarts."""
    path = Path(instance_path) / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_config(instance_path, environ=None, testing=False, overrides=None):
    """Build the app's settings from ``environ`` (the process environment by default); settings in
    ``overrides`` (a test's, a script's) win over the environment's, and are settled with them."""
    env = os.environ if environ is None else environ
    app_env = env.get("APP_ENV", "production").strip().lower()
    development = app_env in DEVELOPMENT_ENVS
    testing = testing or parse_bool(env.get("TESTING"))

    config = dict(DEFAULTS)
    config |= {
        "APP_ENV": "development" if development else ("testing" if testing else "production"),
        "DEVELOPMENT": development,
        "TESTING": testing,
        "PUBLIC_URL": env.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            env.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'petition.sqlite3'}"
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(env.get("MAIL_PORT") or 25),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": parse_bool(env.get("MAIL_USE_TLS")),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "Open letter <no-reply@localhost>"),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent.parent / "translations"),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    }
    explicit = set(config) - set(DEFAULTS)
    if config["PUBLIC_URL"].startswith("https://"):
        config["SESSION_COOKIE_SECURE"] = True
        config["PREFERRED_URL_SCHEME"] = "https"

    for name, raw in env.items():
        if (name.startswith(PASSTHROUGH_PREFIXES) or name in DEFAULTS) and name not in explicit:
            config[name] = parse_value(raw)
    if str(config["RATELIMIT_STORAGE_URI"]).startswith("redis"):
        # A Redis that hangs rather than refuses would otherwise hang every limited request.
        config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 0.5, "socket_timeout": 0.5})
    for name in ("MAIL_USE_TLS", "RATELIMIT_ENABLED", "RATELIMIT_ALLOW_PER_PROCESS", "MAIL_BACKGROUND_SENDER"):
        if name in env:
            config[name] = parse_bool(env[name])
    config["SIGNATURE_GOALS"] = parse_goals(config["SIGNATURE_GOALS"])
    config["COUNTER_POLL_SECONDS"] = parse_seconds("COUNTER_POLL_SECONDS", config["COUNTER_POLL_SECONDS"], 0.1)
    for name in (
        "COUNT_MAX_AGE_SECONDS",
        "COUNT_STALE_SECONDS",
        "EMBED_MAX_AGE_SECONDS",
        "DATABASE_UNAVAILABLE_RETRY_AFTER",
    ):
        config[name] = int(parse_seconds(name, config[name]))
    for name in ("UNCONFIRMED_RETENTION_DAYS", "PRIVACY_BATCH_SIZE", "PUBLIC_MIN_COUNT", "ENDORSEMENT_EMAILS_PER_DAY"):
        config[name] = parse_whole_number(name, config[name])
    config["CAMPAIGN_CONFIRM_GRACE_HOURS"] = parse_whole_number(
        "CAMPAIGN_CONFIRM_GRACE_HOURS", config["CAMPAIGN_CONFIRM_GRACE_HOURS"], minimum=0
    )

    secret = env.get("SECRET_KEY", "").strip()
    if secret:
        config["SECRET_KEY"] = secret
    elif development:
        config["SECRET_KEY"] = development_secret_key(instance_path)
    elif testing:
        config["SECRET_KEY"] = secrets.token_hex(32)
    else:
        raise ConfigError(
            "SECRET_KEY is not set. Set it to a long random string in production "
            '(python -c "import secrets; print(secrets.token_hex(32))"), '
            "or set APP_ENV=development to use a generated key kept under instance/."
        )
    config["IP_HASH_KEY"] = ip_hash_key(env, instance_path, development, testing)
    config.update(overrides or {})
    return require_privacy_contact(settle(config))


def settle(config):
    """The settings that are typed or made from others, once every value is known."""
    config["CAMPAIGN_ZONE"] = parse_zone(config.get("CAMPAIGN_TIMEZONE"))
    config["TRUSTED_PROXIES"] = parse_trusted_proxies(config.get("TRUSTED_PROXIES", 0))
    config["UPDATES_PER_MINUTE"] = parse_whole_number("UPDATES_PER_MINUTE", config.get("UPDATES_PER_MINUTE", 600))
    # An environment variable holds one line: a backslash and an n in the postal address start another.
    for name in ("CAMPAIGN_NAME", "CAMPAIGN_POSTAL_ADDRESS"):
        config[name] = str(config.get(name) or "").replace("\\n", "\n").strip()
    # The right-hand side of every Message-ID: the site's own host, so that it reads as this site's.
    config["MAIL_MESSAGE_ID_DOMAIN"] = config.get("MAIL_MESSAGE_ID_DOMAIN") or host_of(config["PUBLIC_URL"])
    return config


def ip_hash_key(env, instance_path, development, testing):
    """``IP_HASH_KEY``, the key of the signers' IP hashes (signing/sources.py). It is not the
    ``SECRET_KEY``: rotating the one that signs sessions and links must not change every hash."""
    key = env.get("IP_HASH_KEY", "").strip()
    if key:
        return key
    if development:
        return development_secret_key(instance_path, "ip_hash_key")
    if testing:
        return secrets.token_hex(32)
    raise ConfigError(
        "IP_HASH_KEY is not set. Set it to a long random string of its own in production "
        '(python -c "import secrets; print(secrets.token_hex(32))") and keep it: signers\' IPs are '
        "stored only as hashes made with it, and a new key makes the old hashes unsearchable."
    )


def refuse_per_process_limits(config, processes):
    """Raise ConfigError when ``processes`` app processes (gunicorn's workers) would each count the
    rate limits in their own memory: every limit would then be the setting times the processes."""
    if (
        processes > 1
        and config.get("RATELIMIT_ENABLED", True)
        and not config.get("RATELIMIT_ALLOW_PER_PROCESS")
        and str(config.get("RATELIMIT_STORAGE_URI", "memory://")).startswith("memory://")
    ):
        raise ConfigError(
            f"RATELIMIT_STORAGE_URI is memory://, so each of the {processes} workers would count the rate "
            f"limits on its own, allowing {processes} times each limit. Set RATELIMIT_STORAGE_URI to a "
            "Redis shared by all of them (redis://127.0.0.1:6379/0, docs/deploy.md), run one worker "
            "(WEB_CONCURRENCY=1), or set RATELIMIT_ALLOW_PER_PROCESS=true to accept the larger limits."
        )
