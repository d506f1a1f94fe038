"""The client's real address and scheme behind reverse proxies.

``TRUSTED_PROXIES`` is the number of proxies in front of the app (nginx alone: 1; a load balancer
and nginx: 2). Each appends the address it received the request from to ``X-Forwarded-For``, so
the app believes only that many entries, counted from the right: a client cannot choose its own
address (and so escape the rate limits) by sending the header itself. With the default, 0, the
headers are ignored and the address is the one the connection came from.
"""

from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app):
    count = app.config["TRUSTED_PROXIES"]  # a whole number, settled in config.py
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
