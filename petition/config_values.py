"""How each kind of setting is read: from the environment's text (or a value given in code) to a
typed value, or a ``ConfigError`` that says which setting is wrong and what it expects."""

import ipaddress
import json
from email.utils import parseaddr
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def parse_value(raw):
    """Parse an environment string the way ``Flask.config.from_prefixed_env`` does."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def parse_goals(raw):
    """``SIGNATURE_GOALS``: whole numbers above zero (``"1000,2500,5000"``), sorted; empty for none."""
    if isinstance(raw, str):
        parts = [part.strip() for part in raw.split(",") if part.strip()]
    elif isinstance(raw, (list, tuple)):
        parts = list(raw)
    else:
        parts = [raw]
    goals = set()
    for part in parts:
        try:
            number = float(part) if not isinstance(part, bool) else None
        except (TypeError, ValueError):
            number = None
        if number is None or not number.is_integer() or number < 1:
            raise ConfigError(
                f"SIGNATURE_GOALS: expected whole numbers above zero separated by commas, such as "
                f"1000,2500,5000; got {raw!r}"
            )
        goals.add(int(number))
    return tuple(sorted(goals))


def parse_seconds(name, raw, minimum=0.0):
    """A number of seconds, at least ``minimum``."""
    try:
        value = float(raw) if not isinstance(raw, bool) else None
    except (TypeError, ValueError):
        value = None
    if value is None or not minimum <= value < float("inf"):
        raise ConfigError(f"{name}: expected a number of seconds of at least {minimum:g}, got {raw!r}")
    return int(value) if value.is_integer() else value


def parse_whole_number(name, raw, minimum=1):
    """A whole number of at least ``minimum`` (``30``, ``"30"``)."""
    try:
        value = int(raw) if not isinstance(raw, bool) and float(raw).is_integer() else None
    except (TypeError, ValueError, OverflowError):
        value = None
    if value is None or value < minimum:
        raise ConfigError(f"{name}: expected a whole number of at least {minimum}, got {raw!r}")
    return value


def parse_bool(raw, default=False):
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"expected true or false, got {raw!r}")


def normalise_database_url(url):
    """Accept the ``postgres://`` and ``postgresql://`` forms that hosting providers hand out.

    SQLAlchemy needs the driver spelled out; we use psycopg 3.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def parse_zone(raw):
    """``CAMPAIGN_TIMEZONE``: a zone of the tz database (``America/Toronto``, ``UTC``)."""
    name = str(raw or "").strip() or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigError(f"CAMPAIGN_TIMEZONE is {raw!r}, not a time zone such as America/Toronto or UTC") from error


def parse_trusted_proxies(raw):
    """``TRUSTED_PROXIES``: the number of proxies in front of the app, at least 0 (proxy.py)."""
    try:
        number = float(raw) if not isinstance(raw, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None or not number.is_integer() or number < 0:
        raise ConfigError(
            f"TRUSTED_PROXIES: expected the number of proxies in front of the app (0 for none, 1 for "
            f"nginx alone), got {raw!r}"
        )
    return int(number)


def host_of(url):
    """The host name of ``url`` (``letter.example.ca``), or ``localhost``."""
    return urlsplit(url).hostname or "localhost"


# Local parts of addresses nobody reads (hyphens dropped before comparing).
NO_REPLY = {"noreply", "donotreply", "do_not_reply"}


def real_address(address):
    """``address`` when it is one a person could write to: a named host, not localhost or an IP,
    and not a no-reply box; else None."""
    _name, address = parseaddr(address or "")
    local, _, host = address.rpartition("@")
    if not local or "." not in host or local.lower().replace("-", "") in NO_REPLY:
        return None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return address
    return None


def privacy_contact(config):
    """The privacy page's contact: ``PRIVACY_CONTACT_EMAIL`` ("" for none); when unset, privacy@ the
    public site's host if it has a real name; in development and tests, failing that, the sender's
    address (``MAIL_DEFAULT_SENDER``) if it is a real one. None when there is nobody to write to,
    which production refuses (config.load_config)."""
    configured = config.get("PRIVACY_CONTACT_EMAIL")
    if configured is not None:
        return str(configured).strip() or None
    host = host_of(config.get("PUBLIC_URL", ""))
    contact = real_address(f"privacy@{host}")
    if contact is None and config.get("APP_ENV") != "production":
        contact = real_address(config.get("MAIL_DEFAULT_SENDER"))
    return contact


def require_privacy_contact(config):
    """``config``, or ConfigError in production without a privacy contact: the privacy page
    promises a way to ask about one's data, and a public site must give one."""
    if config["APP_ENV"] == "production" and privacy_contact(config) is None:
        raise ConfigError(
            "PRIVACY_CONTACT_EMAIL is not set and PUBLIC_URL's host is not a name to put privacy@ before. "
            "Set PRIVACY_CONTACT_EMAIL to the address where people can ask about their data "
            "(the privacy page gives it), or set APP_ENV=development."
        )
    return config
