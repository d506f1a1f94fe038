"""Absolute links to the site, for emails and commands, built without a request."""

from flask import current_app


def public_url(endpoint, **values):
    """``PUBLIC_URL`` followed by the path of ``endpoint``."""
    adapter = current_app.url_map.bind("localhost")
    return current_app.config["PUBLIC_URL"] + adapter.build(endpoint, values)
