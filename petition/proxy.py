"""The client's real address and scheme behind reverse proxies.

``TRUSTED_PROXIES`` is the number of proxies in front of the app (nginx alone: 1; a load balancer
and nginx: 2). Each appends the address it received the request from to ``X-Forwarded-For``, so
the app believes only that many entries, counted from the right: a client cannot choose its own
address (and so escape the rate limits) by sending the header itself. With the default, 0, the
headers are ignored and the address is the one the connection came from.
"""

from werkzeug.middleware.proxy_fix import ProxyFix

from petition.config import ConfigError


def trusted_proxies(raw):
    """The setting as a whole number of proxies, at least 0."""
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


def init_app(app):
    count = trusted_proxies(app.config.get("TRUSTED_PROXIES", 0))
    app.config["TRUSTED_PROXIES"] = count
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
